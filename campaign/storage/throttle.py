"""Sliding-window limits shared by every worker process and host, and kept across restarts.

Each limited event (a PDF made, a report of letters sent, a failed sign-in) is one row of
`throttle_events(window, key, at)` in the shared database; a window is a name such as "pdf"
or "signin-account". A key is never a client's address itself: it is an HMAC of it with the
app's secret, so the table says nothing about who used the site, and rows older than their
window are deleted as the next event for that key is counted.

A check-and-count is one transaction that first takes a lock on its (window, key) (on SQLite
the write transaction is the lock), so two workers cannot both let the last allowed request
through.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import time
from collections.abc import Iterator

import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage.database import Database
from campaign.storage.tables import throttle_events as events

PURGE_EVERY = 500  # events between two sweeps of every window's old rows
PURGE_AFTER_S = 86_400  # no window is longer: rows older than this belong to nobody


class Limited(CampaignError):
    """A window is full: try again in `retry_after` seconds (the web answers 429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many requests; try again in {retry_after} s")
        self.retry_after = retry_after


class Throttle:
    """The shared store of limited events in the database."""

    def __init__(self, db: Database, secret: str):
        self.db = db
        self._secret = secret.encode("utf-8")
        self._added = 0

    def key(self, value: str) -> str:
        """What is stored for a client address or an account name: an HMAC, not the value."""
        digest = hmac.new(self._secret, value.encode("utf-8", "replace"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def hit(self, window: str, value: str, limit: int, window_s: float) -> None:
        """Count one event, or raise Limited when `limit` events are already in the window."""
        key = self.key(value)
        with self._transaction(window, key) as tx:
            self._check(tx, window, key, limit, window_s)
            self._add(tx, window, key)

    def check(self, window: str, value: str, limit: int, window_s: float) -> None:
        """Raise Limited when `limit` events are in the window; count nothing."""
        key = self.key(value)
        with self._transaction(window, key) as tx:
            self._check(tx, window, key, limit, window_s)

    def add(self, window: str, value: str, window_s: float) -> None:
        """Count one event (a failure, once it is known)."""
        key = self.key(value)
        with self._transaction(window, key) as tx:
            self._add(tx, window, key)

    def recent(self, window: str, value: str, window_s: float) -> list[float]:
        """The times of the events in the window, oldest first."""
        key = self.key(value)
        with self._transaction(window, key) as tx:
            return self._times(tx, window, key, window_s)

    def _check(self, tx: Database, window: str, key: str, limit: int, window_s: float) -> None:
        times = self._times(tx, window, key, window_s)
        if len(times) >= limit:
            raise Limited(max(1, math.ceil(times[-limit] + window_s - time.time())))

    def _add(self, tx: Database, window: str, key: str) -> None:
        tx.execute(sa.insert(events).values(window=window, key=key, at=time.time()))
        self._added += 1
        if self._added % PURGE_EVERY == 0:  # keys that never came back
            tx.purge(events, events.c.at < time.time() - PURGE_AFTER_S)

    @staticmethod
    def _times(tx: Database, window: str, key: str, window_s: float) -> list[float]:
        start = time.time() - window_s
        this_key = (events.c.window == window) & (events.c.key == key)
        tx.execute(sa.delete(events).where(this_key & (events.c.at <= start)))
        query = sa.select(events.c.at).where(this_key).order_by(events.c.at)
        return [float(at) for at in tx.execute(query).scalars()]

    @contextlib.contextmanager
    def _transaction(self, window: str, key: str) -> Iterator[Database]:
        """One transaction holding the lock of (window, key): check and count as one step."""
        with self.db.begin() as tx:
            tx.lock(f"throttle {window} {key}")
            yield tx

"""Sliding-window limits shared by every worker process, and kept across restarts.

Each limited event (a PDF made, a report of letters sent, a failed sign-in) is one row of
`events(window, key, at)` in an SQLite file of the instance folder; a window is a name such as
"pdf" or "signin-account". A key is never a client's address itself: it is an HMAC of it with
the app's secret, so the file says nothing about who used the site, and rows older than their
window are deleted as the next event for that key is counted.

Several processes may count at once: WAL mode, a busy timeout, and one IMMEDIATE transaction
per check-and-count, so two workers cannot both let the last allowed request through.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import sqlite3
import time
from collections.abc import Iterator

from campaign.errors import CampaignError

BUSY_TIMEOUT_S = 5.0
PURGE_EVERY = 500  # events between two sweeps of every window's old rows

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS events (window TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS events_by_key ON events (window, key, at)",
)


class Limited(CampaignError):
    """A window is full: try again in `retry_after` seconds (the web answers 429)."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many requests; try again in {retry_after} s")
        self.retry_after = retry_after


class Throttle:
    """The shared store of limited events in one SQLite file."""

    def __init__(self, db_path: str | os.PathLike[str], secret: str):
        self.db_path = db_path
        self._secret = secret.encode("utf-8")
        self._added = 0

    def key(self, value: str) -> str:
        """What is stored for a client address or an account name: an HMAC, not the value."""
        digest = hmac.new(self._secret, value.encode("utf-8", "replace"), hashlib.sha256)
        return digest.hexdigest()[:32]

    def hit(self, window: str, value: str, limit: int, window_s: float) -> None:
        """Count one event, or raise Limited when `limit` events are already in the window."""
        with self._transaction() as connection:
            self._check(connection, window, self.key(value), limit, window_s)
            self._add(connection, window, self.key(value), window_s)

    def check(self, window: str, value: str, limit: int, window_s: float) -> None:
        """Raise Limited when `limit` events are in the window; count nothing."""
        with self._transaction() as connection:
            self._check(connection, window, self.key(value), limit, window_s)

    def add(self, window: str, value: str, window_s: float) -> None:
        """Count one event (a failure, once it is known)."""
        with self._transaction() as connection:
            self._add(connection, window, self.key(value), window_s)

    def recent(self, window: str, value: str, window_s: float) -> list[float]:
        """The times of the events in the window, oldest first."""
        with self._transaction() as connection:
            return self._times(connection, window, self.key(value), window_s)

    def _check(
        self, connection: sqlite3.Connection, window: str, key: str, limit: int, window_s: float
    ) -> None:
        times = self._times(connection, window, key, window_s)
        if len(times) >= limit:
            raise Limited(max(1, math.ceil(times[-limit] + window_s - time.time())))

    def _add(self, connection: sqlite3.Connection, window: str, key: str, window_s: float) -> None:
        connection.execute("INSERT INTO events VALUES (?, ?, ?)", (window, key, time.time()))
        self._added += 1
        if self._added % PURGE_EVERY == 0:  # keys that never came back
            connection.execute("DELETE FROM events WHERE at < ?", (time.time() - 86_400,))

    @staticmethod
    def _times(
        connection: sqlite3.Connection, window: str, key: str, window_s: float
    ) -> list[float]:
        start = time.time() - window_s
        connection.execute(
            "DELETE FROM events WHERE window = ? AND key = ? AND at <= ?", (window, key, start)
        )
        rows = connection.execute(
            "SELECT at FROM events WHERE window = ? AND key = ? ORDER BY at", (window, key)
        ).fetchall()
        return [row[0] for row in rows]

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One IMMEDIATE transaction: the check and the count happen as one step."""
        try:
            connection = sqlite3.connect(self.db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as error:
            raise CampaignError(f"{self.db_path}: cannot open the limits ({error})") from None
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA:
                connection.execute(statement)
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        except sqlite3.Error as error:
            raise CampaignError(f"{self.db_path}: the limits database failed ({error})") from None
        finally:
            connection.close()

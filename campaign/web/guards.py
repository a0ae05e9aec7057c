"""Protection under abuse: security headers, a per-client rate limit, a bound on PDF renders."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Response, request

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def add_security_headers(response: Response) -> Response:
    """Every response gets the security headers; everything but static files is no-store."""
    response.headers.update(SECURITY_HEADERS)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


class Busy(Exception):
    """The server is at its bound: answer 503 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class TooMany(Exception):
    """The client is over its rate limit: answer 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class RateLimiter:
    """A sliding window of request times per client key, in this process's memory only.

    Keys (addresses) are forgotten as soon as their window is empty.
    """

    def __init__(self, limit: int, window_s: float, max_clients: int = 10_000):
        self.limit, self.window_s, self.max_clients = limit, window_s, max_clients
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one request for `key`, or raise TooMany when the window is full."""
        now = time.monotonic()
        with self._lock:
            self._forget_idle(now)
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooMany(max(1, math.ceil(hits[0] + self.window_s - now)))
            hits.append(now)

    def _forget_idle(self, now: float) -> None:
        """Drop clients whose last request left the window; keep memory bounded."""
        if len(self._hits) < self.max_clients:
            return
        idle = [
            key for key, hits in self._hits.items() if not hits or hits[-1] <= now - self.window_s
        ]
        for key in idle:
            del self._hits[key]
        while len(self._hits) >= self.max_clients:  # all busy: drop the oldest-seen clients
            del self._hits[next(iter(self._hits))]


class RenderSlots:
    """At most `size` PDF renders at once in this process; beyond that, Busy at once."""

    def __init__(self, size: int, wait_s: float, retry_after: int):
        self.semaphore = threading.BoundedSemaphore(size)
        self.wait_s, self.retry_after = wait_s, retry_after

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one render slot for the block, or raise Busy if none frees up in wait_s."""
        if not self.semaphore.acquire(timeout=self.wait_s):
            raise Busy(self.retry_after)
        try:
            yield
        finally:
            self.semaphore.release()


def client_key() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Guards:
    """This process's guards, kept in app.extensions["campaign.guards"]."""

    limiter: RateLimiter  # PDF and .eml generations
    sent_limiter: RateLimiter  # "I sent it" reports
    renders: RenderSlots

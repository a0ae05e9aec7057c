"""Protection under abuse: security headers, sliding-window limits, the PDF workers."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass

from flask import Response, request

from campaign.letters.render_pool import RenderPool

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


class TooMany(Exception):
    """The client is over its rate limit: answer 429 with Retry-After."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class SlidingWindow:
    """Events per key (a client, an account) in a sliding window, in this process's memory.

    `hit` counts a request and refuses it past the limit (the supporters' downloads);
    `check` and `add` are the two halves, for limits that count failures only (sign-ins).
    Keys are forgotten once their window is empty, so memory stays bounded.
    """

    def __init__(self, limit: int, window_s: float, max_keys: int = 10_000):
        self.limit, self.window_s, self.max_keys = limit, window_s, max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one event for `key`, or raise TooMany when its window is full."""
        with self._lock:
            self._check(key, time.monotonic())
            self._add(key, time.monotonic())

    def check(self, key: str) -> None:
        """Raise TooMany (with the seconds to wait) when `key` has used up its window."""
        with self._lock:
            self._check(key, time.monotonic())

    def add(self, key: str) -> None:
        """Count one event for `key`."""
        with self._lock:
            self._add(key, time.monotonic())

    def _check(self, key: str, now: float) -> None:
        events = self._recent(key, now)
        if len(events) >= self.limit:
            raise TooMany(max(1, math.ceil(events[0] + self.window_s - now)))

    def _add(self, key: str, now: float) -> None:
        if key not in self._events and len(self._events) >= self.max_keys:
            self._forget_idle(now)
        self._events.setdefault(key, deque()).append(now)

    def _recent(self, key: str, now: float) -> deque[float]:
        """The events of `key` still inside the window (an empty key is not kept)."""
        events = self._events.get(key, deque())
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            self._events.pop(key, None)
        return events

    def _forget_idle(self, now: float) -> None:
        """Drop keys whose last event left the window; if all are busy, the oldest-seen go."""
        idle = [key for key, events in self._events.items() if events[-1] <= now - self.window_s]
        for key in idle:
            del self._events[key]
        while len(self._events) >= self.max_keys:
            del self._events[next(iter(self._events))]


def client_key() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Guards:
    """This process's guards, kept in app.extensions["campaign.guards"]."""

    limiter: SlidingWindow  # PDF and .eml generations
    sent_limiter: SlidingWindow  # "I sent it" reports
    renders: RenderPool  # the PDF workers

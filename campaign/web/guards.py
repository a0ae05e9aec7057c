"""Protection under abuse: security headers, limits per client, the PDF workers."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, request

from campaign.letters.render_pool import RenderPool
from campaign.storage.throttle import Throttle

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


@dataclass(frozen=True)
class Window:
    """One limit on one kind of request per client: `limit` in `window_s`, shared by workers."""

    throttle: Throttle
    name: str
    limit: int
    window_s: float

    def hit(self, key: str) -> None:
        """Count one request for `key`, or raise Limited (429) when its window is full."""
        self.throttle.hit(self.name, key, self.limit, self.window_s)


def client_key() -> str:
    """The client's address as the app sees it (ProxyFix applies TRUSTED_PROXIES)."""
    return request.remote_addr or "unknown"


@dataclass(frozen=True)
class Guards:
    """This process's guards, kept in app.extensions["campaign.guards"]."""

    limiter: Window  # PDF and .eml generations
    sent_limiter: Window  # "I sent it" reports
    renders: RenderPool  # the PDF workers
    report_limiter: Window  # "what happened next" reports

"""Protection under abuse: security headers, limits per client, the PDF workers, the gate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, current_app, request

from campaign.admission import Gate
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
    posts: Gate  # the supporters' form posts that do their work in this process
    report_limiter: Window  # "what happened next" reports


# The supporters' form posts worked out in the web process (a preview writes every letter):
# they pass the gate (Guards.posts). The PDFs have the render pool's admission instead.
GATED_VIEWS = (
    "public.write",
    "public.preview",
    "public.preview_links",
    "public.office_eml",
    "public.sent",
    "public.report_post",
)


def gate_form_posts(app: Flask) -> None:
    """Make the POSTs of GATED_VIEWS pass the gate: a few at a time keep every page fast."""
    for endpoint in GATED_VIEWS:
        app.view_functions[endpoint] = gated(app.view_functions[endpoint])


def gated(view: Callable) -> Callable:
    """The view, its POSTs inside the gate (a GET goes straight through)."""

    @functools.wraps(view)
    def through_the_gate(*args, **kwargs):
        if request.method != "POST":
            return view(*args, **kwargs)
        with current_app.extensions["campaign.guards"].posts.entered():
            return view(*args, **kwargs)

    return through_the_gate

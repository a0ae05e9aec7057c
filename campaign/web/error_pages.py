"""Friendly error pages in the interface language: never a traceback, never supporter data."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from campaign import limits
from campaign.errors import Busy, CampaignError, RenderTimeout, TooLarge
from campaign.storage.database import DatabaseError
from campaign.storage.throttle import Limited

log = logging.getLogger(__name__)

HANDLED = (400, 403, 404, 405, 413, 429, 500, 503)


def messages() -> dict[int, tuple[str, str]]:
    """Status -> (title, explanation), translated for this request."""
    return {
        400: (
            _("Something in the form was not right"),
            _(
                "The page may have been open for a long time, or the form was sent twice. "
                "Go back, reload the page and try again."
            ),
        ),
        403: (_("Not available"), _("This page is not available.")),
        404: (_("Page not found"), _("There is no page at this address.")),
        405: (
            _("This address only works from the form"),
            _("Letters are made from the form, not by opening this address. Start from the form."),
        ),
        413: (
            _("Too much text"),
            _("What you sent is larger than this site accepts. Shorten your texts and try again."),
        ),
        429: (
            _("Please wait a moment"),
            _("You have made many letters in a short time. Please wait a minute and try again."),
        ),
        500: (
            _("Something went wrong on our side"),
            _("Your letters were not made. Please try again in a moment."),
        ),
        503: (
            _("The server is busy"),
            _("Many people are making letters right now. Please try again in a few seconds."),
        ),
    }


def error_page(status: int, retry_after: int | None = None, *, title: str = "", text: str = ""):
    """The error page for `status`, with Retry-After when the client should come back."""
    default_title, default_text = messages()[status]
    title, text = title or default_title, text or default_text
    response = render_template("error.html", status=status, title=title, text=text), status
    if retry_after:
        return (*response, {"Retry-After": str(retry_after)})
    return response


def register(app: Flask) -> None:
    """Install the handlers on the app."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400)

    @app.errorhandler(Limited)
    def too_many(error):
        return error_page(429, error.retry_after)

    @app.errorhandler(Busy)
    def busy(error):
        return error_page(503, error.retry_after)

    @app.errorhandler(TooLarge)
    def too_large(error):
        text = _(
            "One PDF holds at most %(pages)s pages. Download the letters one at a time, or "
            "shorten them.",
            pages=limits.PDF_PAGES,
        )
        return error_page(413, text=text)

    @app.errorhandler(RenderTimeout)
    def too_slow(error):
        title = _("Your letters took too long to print")
        text = _(
            "They were stopped so that the site keeps answering. Shorten the letters, or "
            "download them one at a time."
        )
        return error_page(503, app.config["RETRY_AFTER_S"], title=title, text=text)

    @app.errorhandler(DatabaseError)
    def database_unavailable(error):
        # The database is down or overloaded: a load balancer or the client may try again.
        log.error("database error on %s %s: %s", request.method, request.path, error)
        title = _("The site cannot reach its records")
        text = _(
            "This is a problem on our side, not with what you did. Please try again in a moment."
        )
        return error_page(503, app.config["RETRY_AFTER_S"], title=title, text=text)

    @app.errorhandler(CampaignError)
    def campaign_error(error):
        log.error("campaign error on %s %s: %s", request.method, request.path, type(error).__name__)
        return error_page(500)

    @app.errorhandler(HTTPException)
    def http_error(error):
        status = error.code if error.code in HANDLED else 500
        if status == 405:
            return (*error_page(405), {"Allow": ", ".join(error.valid_methods or [])})
        return error_page(status)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return error_page(500)


def log_exception_without_message(app: Flask, exc_info) -> None:
    """Log where an exception happened but not its message, which may hold supporter data."""
    kind, _value, trace = exc_info
    frames = "".join(traceback.format_tb(trace))
    app.logger.error(
        "Exception on %s [%s]: %s (message withheld)\n%s",
        request.path,
        request.method,
        kind.__name__,
        frames,
    )

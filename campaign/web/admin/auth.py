"""Console sessions: sign in, the check on every request, sign out; failed sign-ins limited.

The session cookie (signed by Flask) holds the organiser's name, the account's session epoch
at sign-in, a random session id and the time of sign-in. Every request compares the epoch with
the account's current one (`organisers.session_epoch`): signing out replaces it
(`organisers.sign_out_everywhere`), so a copy of the old cookie no longer opens anything.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, g, session

from campaign.storage import organisers
from campaign.web.current import site
from campaign.web.guards import SlidingWindow


@dataclass(frozen=True)
class Limiters:
    """The sign-in limiters of this process, in app.extensions["campaign.admin"]."""

    per_account: SlidingWindow  # failed sign-ins per account
    per_client: SlidingWindow  # failed sign-ins per client


def make_limiters(settings: Mapping) -> Limiters:
    """Limiters with the app's settings."""
    window = settings["ADMIN_SIGNIN_WINDOW_S"]
    return Limiters(
        SlidingWindow(settings["ADMIN_SIGNIN_ACCOUNT_LIMIT"], window),
        SlidingWindow(settings["ADMIN_SIGNIN_CLIENT_LIMIT"], window),
    )


def limiters() -> Limiters:
    """This app's sign-in limiters."""
    return current_app.extensions["campaign.admin"]


def account_key(name: str) -> str:
    """The limiter key of an account name (names match regardless of case)."""
    return name.casefold()[:64]


def stored_name(name: str) -> str:
    """The account name as it was created (sign-in accepts any case)."""
    known = {stored.casefold(): stored for stored in organisers.names(site().instance)}
    return known.get(name.casefold(), name)


def start_session(name: str) -> None:
    """A fresh session for `name`: old contents (and the old CSRF token) dropped."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token of the request here
    session["organiser"] = name
    session["epoch"] = organisers.session_epoch(site().instance, name)
    session["sid"] = secrets.token_urlsafe(18)
    session["since"] = int(time.time())


def current_organiser() -> str | None:
    """The signed-in organiser, or None (no session, signed out, expired or account removed)."""
    name = session.get("organiser")
    if not isinstance(name, str) or not name:
        return None
    epoch = organisers.session_epoch(site().instance, name)
    kept = session.get("epoch")
    since = session.get("since")
    max_age = current_app.config["ADMIN_SESSION_MAX_AGE_S"]
    if (
        not epoch
        or not isinstance(kept, str)
        or not hmac.compare_digest(epoch.encode(), kept.encode())
        or not isinstance(since, int)
        or time.time() - since > max_age
    ):
        session.clear()
        return None
    return name


def end_session(name: str) -> None:
    """Sign out: every session of the account ends, this one's cookie is emptied."""
    organisers.sign_out_everywhere(site().instance, name, by=name)
    session.clear()

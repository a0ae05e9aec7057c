"""Console sessions: sign in, the check on every request, sign out; failed sign-ins limited.

The session cookie (signed by Flask) holds the organiser's name, the account's session epoch
at sign-in, a random session id and the time of sign-in. Every request compares the epoch with
the account's current one (`organisers.session_epoch`): signing out replaces it
(`organisers.sign_out_everywhere`), so a copy of the old cookie no longer opens anything.

With a second factor, a right password only starts a *pending* sign-in: the name, the epoch
and the time, in the same signed cookie, with no console session. It lasts
ADMIN_SIGNIN_PENDING_S and ends with the epoch, and a wrong code counts as a failed sign-in.
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from dataclasses import dataclass

from flask import current_app, g, session

from campaign.storage import factors, organisers
from campaign.storage.throttle import Limited, Throttle
from campaign.web.current import database


def check_sign_in(name: str, client: str) -> None:
    """Raise Limited (429) when this sign-in may not be tried now.

    Failures count across every worker: from this client for this account, and from this
    client for any account, up to a limit in the window; and for the account from anywhere,
    past a free number, each try must wait a delay that doubles up to a cap. So someone who
    guesses from many addresses slows an organiser down by at most the cap, never locks
    them out.
    """
    settings, throttle = current_app.config, _throttle()
    window = settings["ADMIN_SIGNIN_WINDOW_S"]
    account = _account_key(name)
    throttle.check("signin-client", client, settings["ADMIN_SIGNIN_CLIENT_LIMIT"], window)
    pair = f"{account}\n{client}"
    throttle.check("signin-pair", pair, settings["ADMIN_SIGNIN_ACCOUNT_LIMIT"], window)
    failures = throttle.recent("signin-account", account, window)
    past_free = len(failures) - settings["ADMIN_SIGNIN_ACCOUNT_FREE"]
    if past_free >= 0:
        delay = min(2.0**past_free, settings["ADMIN_SIGNIN_MAX_DELAY_S"])
        wait = failures[-1] + delay - time.time()
        if wait > 0:
            raise Limited(max(1, math.ceil(wait)))


def sign_in_failed(name: str, client: str) -> None:
    """Count a failed sign-in in every window it belongs to."""
    throttle, window = _throttle(), current_app.config["ADMIN_SIGNIN_WINDOW_S"]
    account = _account_key(name)
    throttle.add("signin-client", client, window)
    throttle.add("signin-pair", f"{account}\n{client}", window)
    throttle.add("signin-account", account, window)


def _throttle() -> Throttle:
    """The limits shared by every worker."""
    return current_app.extensions["campaign.throttle"]


def _account_key(name: str) -> str:
    """The key of an account name (names match regardless of case)."""
    return name.casefold()[:64]


def stored_name(name: str) -> str:
    """The account name as it was created (sign-in accepts any case)."""
    known = {stored.casefold(): stored for stored in organisers.names(database())}
    return known.get(name.casefold(), name)


def start_session(name: str) -> None:
    """A fresh session for `name`: old contents (and the old CSRF token) dropped."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF caches the token of the request here
    session["organiser"] = name
    session["epoch"] = organisers.session_epoch(database(), name)
    session["sid"] = secrets.token_urlsafe(18)
    session["since"] = int(time.time())


@dataclass(frozen=True)
class Pending:
    """A sign-in waiting for its second factor: whose, and where to go afterwards."""

    name: str
    next: str


def start_pending(name: str, next_page: str) -> None:
    """The password was right: wait for the code, with no console session meanwhile."""
    session.clear()
    g.pop("csrf_token", None)
    session["pending"] = {
        "name": name,
        "epoch": organisers.session_epoch(database(), name),
        "at": int(time.time()),
        "next": next_page,
    }


def pending_sign_in() -> Pending | None:
    """The pending sign-in of this browser, unless it is too old or its account changed."""
    pending = session.get("pending")
    if not isinstance(pending, dict):
        return None
    name, kept, at = pending.get("name"), pending.get("epoch"), pending.get("at")
    if not (isinstance(name, str) and isinstance(kept, str) and isinstance(at, int)):
        return None
    epoch = organisers.session_epoch(database(), name)
    age = time.time() - at
    if not epoch or not hmac.compare_digest(epoch.encode(), kept.encode()):
        return None
    if not 0 <= age <= current_app.config["ADMIN_SIGNIN_PENDING_S"]:
        return None
    next_page = pending.get("next")
    return Pending(name, next_page if isinstance(next_page, str) else "")


def end_pending() -> None:
    """Forget a pending sign-in (it expired, or the organiser starts again)."""
    session.pop("pending", None)


def needs_setup(name: str) -> bool:
    """Whether the site requires a second factor and this organiser has none yet."""
    return bool(current_app.config["REQUIRE_2FA"]) and not factors.is_on(database(), name)


def current_organiser() -> str | None:
    """The signed-in organiser, or None (no session, signed out, expired or account removed)."""
    name = session.get("organiser")
    if not isinstance(name, str) or not name:
        return None
    epoch = organisers.session_epoch(database(), name)
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
    organisers.sign_out_everywhere(database(), name, by=name)
    session.clear()

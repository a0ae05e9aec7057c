"""The organisers' console under /admin: sign-in, recipients, letters, campaign, dashboard.

Every page needs a signed-in organiser (see `auth`). The views only call the core
(`editing`, `directory`, `storage`, ...); the modules here turn
requests into those calls and their results and errors into pages.
"""

from __future__ import annotations

import contextlib

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from campaign.errors import CampaignError
from campaign.web.admin import auth
from campaign.web.admin.common import messages_of

bp = Blueprint("admin", __name__, url_prefix="/admin")

# The pages anyone may open: the sign-in form itself and its second step (which checks the
# pending sign-in itself).
OPEN_ENDPOINTS = frozenset({"admin.sign_in", "admin.sign_in_slash", "admin.second_step"})
# What an organiser without the factor may open when the site requires one (REQUIRE_2FA).
SETUP_ENDPOINTS = frozenset({"admin.account", "admin.factor_on", "admin.sign_out"})
NAVIGATION = (
    ("admin.dashboard", _l("Dashboard")),
    ("admin.recipients", _l("Recipients")),
    ("admin.import_form", _l("Import and export")),
    ("admin.letters", _l("Letters")),
    ("admin.campaign", _l("Campaign")),
    ("admin.history", _l("History")),
    ("admin.account", _l("Account")),
)


def init_app(app: Flask) -> None:
    """The console's blueprint."""
    app.register_blueprint(bp)


@bp.before_request
def require_organiser():
    """Every console page but the sign-in form needs a signed-in organiser."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    name = auth.current_organiser()
    if name is None:
        wanted = request.full_path.rstrip("?") if request.method == "GET" else None
        return redirect(url_for("admin.sign_in", next=wanted), code=303)
    g.organiser = name
    if request.endpoint not in SETUP_ENDPOINTS and auth.needs_setup(name):
        return redirect(url_for("admin.account"), code=303)
    return None


@bp.errorhandler(CampaignError)
def campaign_error(error: CampaignError):
    """A file the console cannot work with (e.g. broken by hand): say what, never a traceback."""
    html = render_template("admin/problem.html", lines=messages_of(error))
    return html, 500


@bp.context_processor
def console_globals() -> dict:
    """The organiser's name, the navigation, and why the files on disk are not served."""
    return {
        "organiser": g.get("organiser"),
        "admin_navigation": NAVIGATION,
        "served_problems": served_problems() if g.get("organiser") else [],
    }


def served_problems() -> list[str]:
    """What is wrong with the files on disk, when the site serves an older good version."""
    resources = current_app.extensions["campaign.resources"]
    with contextlib.suppress(CampaignError):  # nothing good was ever loaded: problems say why
        resources.get()  # reload first if a file changed
    return resources.problems


from campaign.web.admin import (  # noqa: E402  (the views register themselves on bp)
    account,
    campaign_views,
    dashboard,
    history,
    letter_editor,
    recipients,
    signin,
    transfer,
)

__all__ = [
    "account",
    "bp",
    "campaign_views",
    "dashboard",
    "history",
    "init_app",
    "letter_editor",
    "recipients",
    "signin",
    "transfer",
]

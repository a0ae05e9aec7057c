"""Signing in and out of the console."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.storage import organisers
from campaign.storage.throttle import Limited
from campaign.web.admin import auth, bp
from campaign.web.admin.common import console_path, who
from campaign.web.admin.forms import SignInForm
from campaign.web.current import database
from campaign.web.guards import client_key


@bp.route("", methods=["GET", "POST"])
def sign_in():
    """The sign-in form; a right name and password start a fresh session."""
    form = SignInForm()
    if request.method == "GET":
        if auth.current_organiser():
            return redirect(url_for("admin.dashboard"))
        return sign_in_page(form)
    name, password = form.name.data or "", form.password.data or ""
    try:
        auth.check_sign_in(name, client_key())
    except Limited as refused:
        return too_many(form, refused.retry_after)
    if not (form.validate() and organisers.verify(database(), name, password)):
        auth.sign_in_failed(name, client_key())
        return sign_in_page(form, _("The name or the password is not right."), 400)
    auth.start_session(auth.stored_name(name))
    return redirect(safe_next(request.args.get("next")), code=303)


@bp.get("/")
def sign_in_slash():
    """/admin/ is /admin."""
    return redirect(url_for("admin.sign_in"))


@bp.post("/sign-out")
def sign_out():
    """End every session of this organiser (a copy of the cookie stops working too)."""
    auth.end_session(who())
    return redirect(url_for("admin.sign_in", out=1), code=303)


def sign_in_page(form: SignInForm, error: str = "", status: int = 200, retry_after: int = 0):
    """The sign-in page, with the name kept (never the password) and the error, if any."""
    signed_out = request.args.get("out") == "1" and not error
    html = render_template(
        "admin/sign_in.html",
        form=form,
        error=error,
        signed_out=signed_out,
        retry_minutes=-(-retry_after // 60),
    )
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return html, status, headers


def too_many(form: SignInForm, retry_after: int):
    """429: too many failed sign-ins for this account or from this client."""
    message = _(
        "Too many failed sign-ins. Wait %(minutes)d minutes, then try again.",
        minutes=-(-retry_after // 60),
    )
    return sign_in_page(form, message, 429, retry_after)


def safe_next(wanted: str | None) -> str:
    """Where to go after signing in: a console page of this site, else the dashboard."""
    return console_path(wanted, url_for("admin.dashboard"))

"""Signing in and out of the console: the password, then (when it is on) the second factor."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.storage import factors, organisers, second_factor
from campaign.storage.factors import Outcome
from campaign.storage.throttle import Limited
from campaign.web.admin import auth, bp
from campaign.web.admin.common import console_path, who
from campaign.web.admin.forms import CodeForm, SignInForm
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
    return signed_in(auth.stored_name(name), request.args.get("next") or "")


def signed_in(name: str, next_page: str):
    """After a right password: the second step, or a session (the setup page if required)."""
    if factors.is_on(database(), name):
        auth.start_pending(name, next_page)
        return redirect(url_for("admin.second_step"), code=303)
    auth.start_session(name)
    if auth.needs_setup(name):
        return redirect(url_for("admin.account"), code=303)
    return redirect(safe_next(next_page), code=303)


@bp.route("/code", methods=["GET", "POST"])
def second_step():
    """The code from the app (or a recovery code) after a right password."""
    form = CodeForm()
    pending = auth.pending_sign_in()
    if pending is None:
        auth.end_pending()
        return redirect(url_for("admin.sign_in", expired=1), code=303)
    if request.method == "GET":
        return code_page(form)
    try:
        auth.check_sign_in(pending.name, client_key())
    except Limited as refused:
        return code_page(form, too_many_message(refused.retry_after), 429, refused.retry_after)
    typed = (form.code.data or "") if form.validate() else ""
    outcome = factors.check_code(database(), pending.name, typed)
    if outcome in (Outcome.WRONG, Outcome.REPLAYED):
        auth.sign_in_failed(pending.name, client_key())
        return code_page(form, CODE_REFUSED[outcome](), 400)
    auth.start_session(pending.name)
    if outcome is Outcome.RECOVERY:
        left = factors.state(database(), pending.name).recovery_left
        flash(
            _(
                "You signed in with a recovery code, which is now used up (%(left)d left). "
                "Make new ones on the Account page if you are running out.",
                left=left,
            ),
            "success",
        )
    return redirect(safe_next(pending.next), code=303)


CODE_REFUSED = {
    Outcome.WRONG: lambda: _("The code is not right."),
    Outcome.REPLAYED: lambda: _(
        "This code was already used. Wait for the app to show the next one (at most 30 "
        "seconds), then type it."
    ),
}


def code_page(form: CodeForm, error: str = "", status: int = 200, retry_after: int = 0):
    """The second step's page, with the error, if any (the code typed is never shown again)."""
    form.code.data = ""
    html = render_template(
        "admin/sign_in_code.html",
        form=form,
        error=error,
        issuer=second_factor.ISSUER,
        minutes=max(1, current_app.config["ADMIN_SIGNIN_PENDING_S"] // 60),
    )
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return html, status, headers


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
    expired = request.args.get("expired") == "1" and not error
    html = render_template(
        "admin/sign_in.html",
        form=form,
        error=error,
        signed_out=signed_out,
        expired=expired,
        retry_minutes=-(-retry_after // 60),
    )
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return html, status, headers


def too_many(form: SignInForm, retry_after: int):
    """429: too many failed sign-ins for this account or from this client."""
    return sign_in_page(form, too_many_message(retry_after), 429, retry_after)


def too_many_message(retry_after: int) -> str:
    """What a client limited after failed sign-ins (or codes) is told."""
    return _(
        "Too many failed sign-ins. Wait %(minutes)d minutes, then try again.",
        minutes=-(-retry_after // 60),
    )


def safe_next(wanted: str | None) -> str:
    """Where to go after signing in: a console page of this site, else the dashboard."""
    return console_path(wanted, url_for("admin.dashboard"))

"""The signed-in organiser's account: turn the second factor on or off, new recovery codes.

The QR code is drawn here (inline SVG, `second_factor.qr_svg`), never fetched from anyone.
Recovery codes are shown in the answer to the POST that made them, once, and not cached.
A wrong code or password here counts as a failed sign-in, so a session left open on a shared
computer cannot be used to guess them.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from campaign.storage import factors, organisers, second_factor
from campaign.storage.factors import FactorError, Outcome, WrongCode
from campaign.storage.throttle import Limited
from campaign.web.admin import auth, bp
from campaign.web.admin.common import who
from campaign.web.admin.fields import add_errors
from campaign.web.admin.forms import CodeForm, FactorOffForm, FactorSetupForm
from campaign.web.admin.signin import too_many_message
from campaign.web.current import database
from campaign.web.guards import client_key


@bp.get("/account")
def account():
    """The account page: the factor's state, and what can be done with it."""
    return account_page()


@bp.post("/account/2fa/on")
def factor_on():
    """Confirm the secret shown with a first code: the factor is on, the codes shown once."""
    form = FactorSetupForm()
    typed = (form.code.data or "") if form.validate() else ""
    try:
        codes = factors.confirm_setup(database(), who(), form.secret.data or "", typed, by=who())
    except WrongCode:
        add_errors(form.code, [_("The code is not right. Type the code the app shows now.")])
        return account_page(setup_form=form, status=400)
    except FactorError:  # replaced by a newer setup, or turned on meanwhile elsewhere
        flash(_("This page was out of date; look at it again."), "error")
        return redirect(url_for("admin.account"), code=303)
    auth.start_session(who())  # the other sessions ended with the new epoch; this one goes on
    return codes_page(codes, first=True)


@bp.post("/account/2fa/codes")
def new_recovery_codes():
    """New recovery codes, after a code from the app; the old ones stop working."""
    form = CodeForm()
    refused = _refused_code(form)
    if refused:
        return account_page(codes_form=form, status=refused)
    return codes_page(factors.new_recovery_codes(database(), who(), by=who()), first=False)


@bp.post("/account/2fa/off")
def factor_off():
    """Turn the factor off, with the password and a code."""
    form = FactorOffForm()
    refused = _refused_code(form, password=True)
    if refused:
        return account_page(off_form=form, status=refused)
    factors.turn_off(database(), who(), by=who())
    auth.start_session(who())
    flash(_("The second factor is off: you sign in with your password alone."), "success")
    return redirect(url_for("admin.account"), code=303)


def _refused_code(form: CodeForm | FactorOffForm, password: bool = False) -> int:
    """0 if the code (and password) are right, else the status, the errors put on the form."""
    name, client = who(), client_key()
    try:
        auth.check_sign_in(name, client)
    except Limited as limited:
        add_errors(form.code, [too_many_message(limited.retry_after)])
        return 429
    valid = form.validate()
    if password and not (valid and organisers.verify(database(), name, form.password.data or "")):
        auth.sign_in_failed(name, client)
        add_errors(form.password, [_("The password is not right.")])
        return 400
    outcome = factors.check_code(database(), name, (form.code.data or "") if valid else "")
    if outcome in (Outcome.WRONG, Outcome.REPLAYED):
        auth.sign_in_failed(name, client)
        if outcome is Outcome.REPLAYED:
            add_errors(form.code, [_("This code was already used. Wait for the next one.")])
        else:
            add_errors(form.code, [_("The code is not right.")])
        return 400
    return 0


def account_page(
    setup_form: FactorSetupForm | None = None,
    codes_form: CodeForm | None = None,
    off_form: FactorOffForm | None = None,
    status: int = 200,
):
    """The account page; when the factor is off, with the secret to set it up."""
    name = who()
    state = factors.state(database(), name)
    setup = {}
    if not state.on:
        secret = factors.setup_secret(database(), name)
        uri = second_factor.setup_uri(secret, name, second_factor.ISSUER)
        setup_form = setup_form or FactorSetupForm()
        setup_form.secret.data = secret
        # segno draws paths from the URI's bits and escapes the title: the SVG holds no input.
        svg = Markup(second_factor.qr_svg(uri, _("QR code to scan with the app")))  # noqa: S704
        setup = {"secret": second_factor.spaced(secret), "uri": uri, "qr_svg": svg}
    for form in (setup_form, codes_form, off_form):
        if form is not None:
            form.code.data = ""  # a code is never shown back
    html = render_template(
        "admin/account.html",
        active_page="admin.account",
        state=state,
        required=auth.needs_setup(name),
        setup=setup,
        setup_form=setup_form,
        codes_form=codes_form or CodeForm(formdata=None),
        off_form=off_form or FactorOffForm(formdata=None),
        issuer=second_factor.ISSUER,
    )
    return html, status, {"Cache-Control": "no-store"}


def codes_page(codes: list[str], *, first: bool):
    """The recovery codes, this once."""
    html = render_template(
        "admin/recovery_codes.html", active_page="admin.account", codes=codes, first=first
    )
    return html, 200, {"Cache-Control": "no-store"}

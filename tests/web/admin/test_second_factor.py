"""The second factor in the console: setup on the Account page, the sign-in's second step,
recovery codes, replays, the limits on wrong codes, REQUIRE_2FA, turning it off."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from campaign.errors import CampaignError
from campaign.storage import factors, organisers, second_factor
from campaign.web import create_app
from campaign.web.config import from_environment
from tests.web.admin.helpers import CONSOLE_PAGES, PASSPHRASE, form_of, sign_in, token_of
from tests.web.pages import page

STEP = second_factor.STEP_S
WRONG = "The code is not right."
REPLAYED = "This code was already used."


def code(secret: str, seconds_ago: float = 0) -> str:
    """The code the app shows now (or showed `seconds_ago`)."""
    return pyotp.TOTP(secret, interval=STEP).at(time.time() - seconds_ago)


@pytest.fixture
def with_factor(site, organiser) -> tuple[str, list[str]]:
    """The organiser has the factor on (confirmed with last step's code); secret and codes."""
    secret = factors.setup_secret(site.database, organiser)
    codes = factors.confirm_setup(site.database, organiser, secret, code(secret, STEP))
    return secret, codes


def post_code(client, typed: str):
    """POST the second step's form (the token from the sign-in page when the step is gone)."""
    shown = client.get("/admin/code")
    html = (shown if shown.status_code == 200 else client.get("/admin")).get_data(as_text=True)
    return client.post("/admin/code", data={"csrf_token": token_of(html), "code": typed})


def signed_in(client) -> bool:
    return client.get("/admin/dashboard").status_code == 200


def secret_on_page(html: str) -> str:
    """The secret as the Account page shows it (in groups of four)."""
    shown = re.search(r'<code class="secret" id="secret">([A-Z2-7 ]+)</code>', html).group(1)
    return shown.replace(" ", "")


# --- setup on the Account page ---------------------------------------------------------------


def test_the_account_page_sets_the_factor_up_after_a_right_first_code(admin, site, organiser):
    response = admin.get("/admin/account")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = secret_on_page(html)
    uri = second_factor.setup_uri(secret, organiser, second_factor.ISSUER)
    svg = page(response).one("svg", class_="qr-code")
    assert svg  # drawn by the app: no <img> from anywhere else
    assert "<img" not in html and "http" not in html.split("otpauth")[0].split("<main")[-1]
    assert uri.replace("&", "&amp;") in html
    assert admin.get("/admin/account").get_data(as_text=True).count(secret[:4]) >= 1
    assert secret_on_page(admin.get("/admin/account").get_data(as_text=True)) == secret

    data, _html = form_of(admin, "/admin/account")
    wrong = admin.post("/admin/account/2fa/on", data={**data, "secret": secret, "code": "000000"})
    assert wrong.status_code == 400
    assert "The code is not right" in wrong.get_data(as_text=True)
    assert not factors.is_on(site.database, organiser)

    typed = {**data, "secret": secret, "code": code(secret)}
    right = admin.post("/admin/account/2fa/on", data=typed)
    assert right.status_code == 200
    assert right.headers["Cache-Control"] == "no-store"
    shown = [li.text for li in page(right).all("li") if re.fullmatch(r"[a-z2-9-]{14}", li.text)]
    assert len(shown) == second_factor.RECOVERY_CODES
    assert factors.state(site.database, organiser) == factors.State(True, 10)
    assert signed_in(admin)  # this session goes on; the others ended
    again = admin.get("/admin/account").get_data(as_text=True)
    assert "10 unused recovery codes" in again
    assert shown[0] not in again  # shown once


def test_a_stale_setup_page_is_refused(admin, site, organiser):
    old = factors.setup_secret(site.database, organiser)
    data, _html = form_of(admin, "/admin/account")
    new = factors.setup_secret(site.database, organiser, fresh=True)
    response = admin.post("/admin/account/2fa/on", data={**data, "secret": old, "code": code(old)})
    assert response.status_code == 303
    assert not factors.is_on(site.database, organiser)
    assert secret_on_page(admin.get("/admin/account").get_data(as_text=True)) == new


# --- the second step of signing in -------------------------------------------------------------


def test_a_right_password_alone_opens_nothing(client, with_factor):
    response = sign_in(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/code"
    assert not signed_in(client)
    for path in CONSOLE_PAGES:
        assert client.get(path).status_code == 303, path
    with client.session_transaction() as session:
        assert "organiser" not in session
        assert set(session["pending"]) == {"name", "epoch", "at", "next"}


def test_sign_in_with_a_code_and_reach_the_page_asked_for(client, with_factor):
    secret, _codes = with_factor
    first = client.get("/admin/recipients?tag=italy")
    sign_in(client, path=first.headers["Location"])
    response = post_code(client, code(secret))
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/recipients?tag=italy"
    assert signed_in(client)
    with client.session_transaction() as session:
        assert "pending" not in session


def test_a_replayed_code_is_refused_with_a_clear_message(app, with_factor):
    secret, _codes = with_factor
    now = code(secret)
    first = app.test_client()
    sign_in(first)
    assert post_code(first, now).status_code == 303
    second = app.test_client()
    sign_in(second)
    refused = post_code(second, now)
    assert refused.status_code == 400
    assert REPLAYED in refused.get_data(as_text=True)
    assert now not in refused.get_data(as_text=True)  # the code typed is not shown back
    assert not signed_in(second)


def test_a_code_from_three_steps_ago_is_refused(client, with_factor):
    secret, _codes = with_factor
    sign_in(client)
    refused = post_code(client, code(secret, 3 * STEP))
    assert refused.status_code == 400
    assert WRONG in refused.get_data(as_text=True)
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(app, site, organiser, with_factor):
    _secret, codes = with_factor
    client = app.test_client()
    sign_in(client)
    response = post_code(client, codes[4].upper())
    assert response.status_code == 303
    dashboard = client.get("/admin/dashboard").get_data(as_text=True)
    assert "signed in with a recovery code" in dashboard and "(9 left)" in dashboard
    again = app.test_client()
    sign_in(again)
    refused = post_code(again, codes[4])
    assert refused.status_code == 400
    assert WRONG in refused.get_data(as_text=True)
    assert factors.state(site.database, organiser).recovery_left == 9


def test_wrong_codes_count_towards_the_lockout(client, with_factor):
    secret, _codes = with_factor
    sign_in(client)
    for typed in ["000000", "123456", "abcd-efgh-jkmn", "", "x" * 100]:
        if typed != code(secret):
            assert post_code(client, typed).status_code == 400
    refused = post_code(client, code(secret))  # even the right code, now
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert sign_in(client).status_code == 429  # and the password step too
    assert not signed_in(client)


def test_codes_and_passwords_share_the_per_client_limit(config, with_factor):
    app = create_app({**config, "ADMIN_SIGNIN_CLIENT_LIMIT": 3})
    client = app.test_client()
    assert sign_in(client, password="a wrong guess, long enough").status_code == 400
    sign_in(client)
    assert post_code(client, "000001").status_code == 400
    assert post_code(client, "000002").status_code == 400
    assert post_code(client, "000003").status_code == 429


def test_the_pending_sign_in_expires(client, with_factor):
    secret, _codes = with_factor
    sign_in(client)
    with client.session_transaction() as session:
        session["pending"] = {**session["pending"], "at": int(time.time()) - 301}
    response = client.get("/admin/code")
    assert response.headers["Location"] == "/admin?expired=1"
    assert "took too long" in client.get("/admin?expired=1").get_data(as_text=True)
    assert post_code(client, code(secret)).status_code == 303  # back to the sign-in
    assert not signed_in(client)


def test_the_pending_sign_in_ends_with_the_epoch(client, site, organiser, with_factor):
    secret, _codes = with_factor
    sign_in(client)
    organisers.sign_out_everywhere(site.database, organiser)
    assert client.get("/admin/code").status_code == 303
    assert post_code(client, code(secret)).headers["Location"] == "/admin?expired=1"
    assert not signed_in(client)


def test_a_forged_pending_sign_in_is_refused(app, with_factor):
    """The cookie is signed: without the app's key, no pending sign-in can be made."""
    forger = create_app({**app.config, "SECRET_KEY": "x" * 64, "TESTING": True}).test_client()
    sign_in(forger)  # a pending sign-in signed with another key
    client = app.test_client()
    client.set_cookie("session", forger.get_cookie("session").value)
    assert client.get("/admin/code").headers["Location"] == "/admin?expired=1"


# --- the Account page with the factor on ---------------------------------------------------------


def test_new_recovery_codes_need_a_code(admin_with_factor, site, organiser):
    client, secret, old = admin_with_factor
    data, _html = form_of(client, "/admin/account")
    refused = client.post("/admin/account/2fa/codes", data={**data, "code": "000000"})
    assert refused.status_code == 400
    used = client.post("/admin/account/2fa/codes", data={**data, "code": code(secret)})
    assert REPLAYED in used.get_data(as_text=True)  # the code of the sign-in, a moment ago
    following = code(secret, -STEP)  # the app's next code (a phone a little ahead)
    made = client.post("/admin/account/2fa/codes", data={**data, "code": following})
    assert made.status_code == 200
    assert "Your old recovery codes no longer work." in made.get_data(as_text=True)
    assert factors.check_code(site.database, organiser, old[0]) is factors.Outcome.WRONG


def test_turning_off_needs_the_password_and_a_code(admin_with_factor, site, organiser):
    client, secret, _codes = admin_with_factor
    data, _html = form_of(client, "/admin/account")
    following = code(secret, -STEP)  # the sign-in used the current one
    no_password = {**data, "password": "not the password at all", "code": following}
    assert client.post("/admin/account/2fa/off", data=no_password).status_code == 400
    no_code = {**data, "password": PASSPHRASE, "code": "000000"}
    assert client.post("/admin/account/2fa/off", data=no_code).status_code == 400
    assert factors.is_on(site.database, organiser)
    right = {**data, "password": PASSPHRASE, "code": following}
    response = client.post("/admin/account/2fa/off", data=right)
    assert response.status_code == 303
    assert "The second factor is off" in client.get("/admin/account").get_data(as_text=True)
    assert not factors.is_on(site.database, organiser)
    assert signed_in(client)


@pytest.fixture
def admin_with_factor(client, with_factor):
    """A client signed in with password and code; the secret and the recovery codes."""
    secret, codes = with_factor
    sign_in(client)
    assert post_code(client, code(secret)).status_code == 303
    return client, secret, codes


# --- REQUIRE_2FA -------------------------------------------------------------------------------


def test_require_2fa_blocks_the_console_until_the_factor_is_on(config, site, organiser):
    app = create_app({**config, "REQUIRE_2FA": True})
    client = app.test_client()
    response = sign_in(client)
    assert response.headers["Location"] == "/admin/account"
    for path in CONSOLE_PAGES:
        assert client.get(path).headers.get("Location") == "/admin/account", path
    html = client.get("/admin/account").get_data(as_text=True)
    assert "requires a second factor" in html
    data, _html = form_of(client, "/admin/account")
    blocked = client.post("/admin/recipients/new", data=data)
    assert blocked.headers["Location"] == "/admin/account"
    secret = secret_on_page(html)
    on = client.post("/admin/account/2fa/on", data={**data, "secret": secret, "code": code(secret)})
    assert on.status_code == 200
    assert signed_in(client)
    assert factors.is_on(site.database, organiser)


def test_require_2fa_from_the_environment(monkeypatch):
    monkeypatch.setenv("CAMPAIGN_REQUIRE_2FA", "1")
    assert from_environment()["REQUIRE_2FA"] is True
    monkeypatch.setenv("CAMPAIGN_REQUIRE_2FA", "0")
    assert from_environment()["REQUIRE_2FA"] is False
    monkeypatch.setenv("CAMPAIGN_REQUIRE_2FA", "yes")
    with pytest.raises(CampaignError, match=r"CAMPAIGN_REQUIRE_2FA='yes': use 1 \(on\) or 0"):
        from_environment()


# --- languages -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title", "wrong"),
    [
        ("it", "Secondo passo: il codice della tua app", "Il codice non è giusto."),
        ("ru", "Второй шаг: код из вашего приложения", "Код неверен."),
    ],
)
def test_the_second_step_is_translated(client, with_factor, language, title, wrong):
    client.get(f"/admin?lang={language}")
    sign_in(client)
    found = page(client.get("/admin/code"))
    assert found.one("h1").text == title
    assert wrong in post_code(client, "000000").get_data(as_text=True)

"""Signing in to the console: every page needs it; wrong, limited, renewed, signed out for good."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from campaign.storage import organisers
from campaign.storage.tables import throttle_events
from campaign.web import create_app
from tests.web.admin.helpers import CONSOLE_PAGES, PASSPHRASE, form_of, sign_in, token_of
from tests.web.pages import page

WRONG = "The name or the password is not right."


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_page_needs_a_signed_in_organiser(client, path):
    response = client.get(path)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/admin?next=")


@pytest.mark.parametrize(
    "path",
    ["/admin/recipients/new", "/admin/import", "/admin/letters/en", "/admin/campaign/state"],
)
def test_a_post_without_a_session_is_sent_to_the_sign_in_page(client, path):
    token = token_of(client.get("/admin").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, "source": "x"})
    assert response.status_code in (303, 308)
    assert client.get(response.headers["Location"]).status_code in (200, 303)
    assert response.headers["Location"].startswith("/admin")


def test_the_sign_in_page(client, organiser):
    response = client.get("/admin")
    assert response.status_code == 200
    found = page(response)
    assert found.one("input", name="name").attrs["autocomplete"] == "username"
    assert found.one("input", name="password").attrs["type"] == "password"
    assert found.one("input", name="csrf_token")
    assert client.get("/admin/").headers["Location"] == "/admin"


def test_sign_in_and_reach_the_page_asked_for(client, organiser):
    first = client.get("/admin/recipients?tag=italy")
    response = sign_in(client, path=first.headers["Location"])
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/recipients?tag=italy"
    assert "signed in as maria.rossi" in client.get("/admin/recipients").get_data(as_text=True)
    assert client.get("/admin").headers["Location"] == "/admin/dashboard"


@pytest.mark.parametrize("target", ["https://evil.example/admin/", "//evil.example/x", "/write"])
def test_after_sign_in_only_console_pages_are_followed(client, organiser, target):
    response = sign_in(client, path=f"/admin?next={target}")
    assert response.headers["Location"] == "/admin/dashboard"


def test_the_name_is_matched_regardless_of_case(client, organiser):
    assert sign_in(client, name="Maria.Rossi").status_code == 303
    assert "signed in as maria.rossi" in client.get("/admin/dashboard").get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("maria.rossi", "violet kettle drums at noon"),  # wrong password
        ("nobody", PASSPHRASE),  # unknown name
        ("maria.rossi", ""),
        ("", ""),
        ("maria.rossi", PASSPHRASE + "x" * 300),  # over the password limit
        ("m" * 65, PASSPHRASE),  # over the name limit
    ],
)
def test_a_wrong_sign_in_says_the_same_for_unknown_name_and_wrong_password(
    client, organiser, name, password
):
    response = sign_in(client, name=name, password=password)
    assert response.status_code == 400
    assert WRONG in response.get_data(as_text=True)
    assert client.get("/admin/dashboard").status_code == 303


def test_failed_sign_ins_are_limited_per_account(client, organiser):
    for _ in range(5):
        assert sign_in(client, password="not the password at all").status_code == 400
    refused = sign_in(client)  # even the right password
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many failed sign-ins" in refused.get_data(as_text=True)
    assert client.get("/admin/dashboard").status_code == 303


def test_failed_sign_ins_are_limited_per_client(config, organiser):
    app = create_app({**config, "ADMIN_SIGNIN_CLIENT_LIMIT": 3})
    client = app.test_client()
    for number in range(3):
        assert sign_in(client, name=f"guess{number}", password="x" * 20).status_code == 400
    assert sign_in(client).status_code == 429  # another account, the same client


def client_at(app, address: str):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_failures_from_other_clients_do_not_lock_the_organiser_out(config, organiser):
    app = create_app({**config, "ADMIN_SIGNIN_ACCOUNT_FREE": 2, "ADMIN_SIGNIN_MAX_DELAY_S": 1})
    wrong = "a wrong guess, long enough"
    for number in range(2):  # an attacker guesses maria's password from many addresses
        assert sign_in(client_at(app, f"203.0.113.{number}"), password=wrong).status_code == 400
    assert sign_in(client_at(app, "203.0.113.50"), password=wrong).status_code == 429  # slowed
    for number in range(2):  # each further guess waits; the delays double: 1 s, 2 s, ...
        time.sleep(1.05)
        guess = sign_in(client_at(app, f"203.0.113.{60 + number}"), password=wrong)
        assert guess.status_code == 400
    maria = client_at(app, "198.51.100.7")
    waited = sign_in(maria)
    assert waited.status_code == 429
    assert int(waited.headers["Retry-After"]) == 1  # 4 s by doubling, capped at 1 s
    time.sleep(1.05)
    assert sign_in(maria).status_code == 303  # slowed down, never locked out


def test_a_client_is_limited_per_account_without_touching_other_clients(config, organiser):
    app = create_app(config)
    guesser = client_at(app, "203.0.113.9")
    for _ in range(5):
        assert sign_in(guesser, password="a wrong guess, long enough").status_code == 400
    assert sign_in(guesser).status_code == 429
    assert sign_in(client_at(app, "198.51.100.7")).status_code == 303  # maria, elsewhere


def test_sign_in_limits_hold_across_workers_and_restarts(config, organiser):
    for _ in range(5):  # each attempt on a fresh app: another worker, or a restarted one
        client = client_at(create_app(config), "203.0.113.9")
        assert sign_in(client, password="a wrong guess, long enough").status_code == 400
    assert sign_in(client_at(create_app(config), "203.0.113.9")).status_code == 429


def test_the_limits_store_no_address_and_no_name(app, organiser, site):
    sign_in(client_at(app, "203.0.113.77"), password="a wrong guess, long enough")
    with site.database.read() as tx:
        stored = repr(tx.execute(sa.select(throttle_events)).all())
    assert stored.count("signin-") == 3  # client, client and account, account
    assert "203.0.113.77" not in stored and "maria" not in stored.lower()


def test_the_limit_counts_failures_only(app, organiser):
    for _ in range(6):
        assert sign_in(app.test_client()).status_code == 303


def test_the_session_is_renewed_at_sign_in(client, organiser):
    before_token = token_of(client.get("/admin").get_data(as_text=True))
    before_cookie = client.get_cookie("session").value
    sign_in(client)
    after_cookie = client.get_cookie("session").value
    assert after_cookie != before_cookie
    data, _ = form_of(client, "/admin/recipients/new")
    assert data["csrf_token"] != before_token
    stale = client.post("/admin/recipients/new", data={**data, "csrf_token": before_token})
    assert stale.status_code == 400


def test_the_session_cookie_is_httponly_and_samesite_lax(client, organiser):
    response = sign_in(client)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_is_secure_outside_debug_and_tests(config, organiser):
    app = create_app({**config, "TESTING": False})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    response = sign_in(app.test_client())
    assert "Secure" in response.headers["Set-Cookie"]


def test_sign_out_ends_the_session_and_a_replayed_cookie_fails(app, admin, organiser):
    kept = admin.get_cookie("session").value
    data, _ = form_of(admin, "/admin/dashboard")
    response = admin.post("/admin/sign-out", data={"csrf_token": data["csrf_token"]})
    assert response.status_code == 303
    assert "signed out" in admin.get(response.headers["Location"]).get_data(as_text=True)
    assert admin.get("/admin/dashboard").status_code == 303
    replay = app.test_client()
    replay.set_cookie("session", kept)
    assert replay.get("/admin/dashboard").status_code == 303
    assert replay.get("/admin/recipients").headers["Location"].startswith("/admin?next=")


def test_a_new_password_ends_every_session(admin, instance, organiser, site):
    organisers.set_password(site.database, organiser, "a brand new passphrase of granite")
    assert admin.get("/admin/dashboard").status_code == 303


def test_a_removed_account_is_signed_out(admin, instance, organiser, site):
    organisers.remove(site.database, organiser)
    assert admin.get("/admin/dashboard").status_code == 303


def test_a_session_expires(config, organiser):
    app = create_app({**config, "ADMIN_SESSION_MAX_AGE_S": 1})
    client = app.test_client()
    sign_in(client)
    assert client.get("/admin/dashboard").status_code == 200
    time.sleep(1.5)
    assert client.get("/admin/dashboard").status_code == 303


def test_sign_out_needs_the_csrf_token(admin):
    assert admin.post("/admin/sign-out").status_code == 400
    assert admin.get("/admin/dashboard").status_code == 200


def test_sign_in_needs_the_csrf_token(client, organiser):
    response = client.post("/admin", data={"name": "maria.rossi", "password": PASSPHRASE})
    assert response.status_code == 400
    assert client.get("/admin/dashboard").status_code == 303


@pytest.mark.parametrize(
    ("language", "title", "button"),
    [
        ("it", "Accedi all'area organizzatori", "Accedi"),
        ("ru", "Вход в раздел организаторов", "Войти"),
    ],
)
def test_the_sign_in_page_and_the_navigation_are_translated(admin, language, title, button):
    admin.post(
        "/admin/sign-out", data={"csrf_token": form_of(admin, "/admin/dashboard")[0]["csrf_token"]}
    )
    found = page(admin.get(f"/admin?lang={language}"))
    assert found.one("h1").text == title
    assert found.one("button", type="submit").text == button
    sign_in(admin)
    nav = page(admin.get("/admin/dashboard")).one("nav", class_="admin-nav").text
    assert {"it": "Destinatari", "ru": "Адресаты"}[language] in nav

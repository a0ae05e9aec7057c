"""The second factor in chromium: turn it on from the Account page with a code computed from
the secret the page shows, keep the recovery codes, sign out, sign in again with a code.

At 1280 and 360 px; screenshots: test-artifacts/screenshots/admin-2fa-<viewport>/.
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import expect

from campaign.storage import factors, organisers, second_factor
from tests.browser import journey

pytestmark = pytest.mark.browser

NAME = "giulia.verdi"
PASSPHRASE = "orange lanterns drift over quiet harbours"


def app_code(secret: str, ahead: int = 0) -> str:
    """What the authenticator app shows (`ahead` steps later)."""
    return pyotp.TOTP(secret, interval=second_factor.STEP_S).at(
        time.time() + ahead * second_factor.STEP_S
    )


@pytest.mark.parametrize("viewport", ["1280px", "360px"])
def test_an_organiser_turns_the_factor_on_and_signs_in_with_it(
    live_server, open_page, screenshots, viewport
):
    database = live_server.app.extensions["campaign.site"].database
    organisers.add(database, NAME, PASSPHRASE)
    watched = open_page(viewport)
    page, base = watched.page, live_server.url
    width = journey.VIEWPORTS[viewport]["width"]
    shoot = screenshots(f"admin-2fa-{viewport}")

    page.goto(base + "/admin")
    page.fill("#name", NAME)
    page.fill("#password", PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Account").click()
    expect(page.locator("h1")).to_have_text(f"Your account: {NAME}")
    expect(page.locator("svg.qr-code")).to_be_visible()
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "account-off")

    secret = page.locator("#secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#setup-code", "000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn the second factor on").click()
    expect(page.locator(".field-error")).to_contain_text("The code is not right")
    assert not factors.is_on(database, NAME)
    assert page.locator("#secret").inner_text().replace(" ", "") == secret  # the same secret
    used = app_code(secret)
    page.fill("#setup-code", used)
    page.get_by_role("button", name="Turn the second factor on").click()
    expect(page.locator("h1")).to_have_text("The second factor is on")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == second_factor.RECOVERY_CODES
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "recovery-codes")
    page.get_by_role("link", name="I have kept them").click()
    expect(page.locator("#factor-state")).to_contain_text("On:")
    shoot(page, "account-on")

    page.get_by_role("button", name="Sign out").click()
    page.fill("#name", NAME)
    page.fill("#password", PASSPHRASE)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("h1")).to_have_text("Second step: the code from your app")
    assert page.url == base + "/admin/code"
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "second-step")
    page.fill("#code", used)  # the code of the setup: used already
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#sign-in-error")).to_contain_text("This code was already used")
    shoot(page, "replayed")
    page.fill("#code", app_code(secret, ahead=1))  # the app's next code
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".signed-in")).to_contain_text(NAME)
    assert page.url == base + "/admin/dashboard"
    shoot(page, "signed-in")

    assert all(url.startswith(base) for url in watched.requests), "a request left the site"
    watched.expected_statuses.add(400)
    watched.assert_no_console_errors()

"""The preview's "what this office will learn about you", in the browser: at 360 and 1280 px, in
English, Italian and Russian, without JavaScript too. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaign import directory
from tests.browser import journey
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

HEADINGS = {
    "en": "What this office will learn about you",
    "it": "Che cosa saprà di te questo ufficio",
    "ru": "Что это ведомство узнает о вас",
}
NOTHING = {"en": "nothing", "it": "niente", "ru": "ничего"}
STREET, POSTCODE, CITY, EMAIL = "Via Zanardelli 7", "34121", "Trieste", "giulia@example.net"


def fill_the_form(page, base: str, language: str) -> None:
    """The supporter's details, every field, then the preview of every letter."""
    page.goto(f"{base}/write?lang={language}")
    page.fill("#name", journey.NAME)
    page.fill("#street", STREET)
    page.fill("#postcode", POSTCODE)
    page.fill("#city", CITY)
    page.select_option("#country", "IT")
    page.fill("#email", EMAIL)
    page.click("#submit-write")
    expect(page.locator("section.card").first).to_be_visible()


@pytest.mark.parametrize("language", ["en", "it", "ru"])
@pytest.mark.parametrize("viewport", ["360px", "1280px"])
def test_what_each_office_learns_in_the_preview(
    viewport, language, live_server, open_page, screenshots
):
    watched = open_page(viewport)
    name = f"disclosure-{viewport}-{language}"
    page, shoot = watched.page, screenshots(name)
    folder = ARTIFACTS / "screenshots" / name  # made by `screenshots`: the elements' shots too
    width = journey.VIEWPORTS[viewport]["width"]
    fill_the_form(page, live_server.url, language)
    expect(page.locator("html")).to_have_attribute("lang", language)

    office = journey.EMAIL_OFFICE  # kz-nsc-atyrau: the name only, and an e-mail address
    panel = page.locator(f"#learns-{office}")
    expect(panel.locator("h3")).to_have_text(HEADINGS[language])
    note = directory.load(live_server.recipients).get(office).safety_note[language]
    expect(panel.locator(".safety-note span")).to_have_text(note)
    expect(panel.locator(".safety-note span")).to_have_attribute("lang", language)
    post = page.locator(f"#learns-post-{office}")
    expect(post.locator("dd").nth(0)).to_have_text(journey.NAME)
    expect(post.locator("dd").nth(1)).to_have_text(NOTHING[language])
    expect(post.locator("dd").nth(3)).to_have_text(journey.NAME)
    card = page.locator(f"#card-{office}")
    for hidden in (STREET, POSTCODE, CITY):
        expect(card).not_to_contain_text(hidden)
    expect(page.locator(f"#learns-email-{office}")).to_contain_text(EMAIL)
    expect(page.locator(f"#learns-email-{office}")).to_contain_text("example.net")
    expect(page.locator(f"#learns-phone-{office}")).to_be_visible()
    expect(page.locator("#learns-fax-kz-embassy-italy-consular")).to_be_visible()

    full = page.locator("#learns-post-it-interior")
    expect(full.locator("dd").nth(0)).to_contain_text(STREET)
    expect(full.locator("dd").nth(0)).to_contain_text(EMAIL)
    expect(full.locator("dd").nth(1)).to_contain_text(f"{journey.NAME} · {STREET}")
    expect(page.locator("#learns-it-interior .safety-note")).to_have_count(0)

    journey.assert_no_horizontal_scroll(page, width)
    for element in (panel, post, page.locator(f"#learns-email-{office}"), full):
        box = element.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    panel.scroll_into_view_if_needed()
    shoot(page, f"{office}-card", full_page=False)
    page.locator(f"#card-{office} .channels").screenshot(path=folder / f"02-{office}-channels.png")
    page.locator("#card-it-interior .channel-post").screenshot(
        path=folder / "03-it-interior-post.png"
    )
    watched.assert_no_console_errors()


def test_the_panels_need_no_javascript(live_server, browser, screenshots):
    context = browser.new_context(java_script_enabled=False, viewport=journey.VIEWPORTS["360px"])
    try:
        page = context.new_page()
        fill_the_form(page, live_server.url, "ru")
        office = journey.EMAIL_OFFICE
        expect(page.locator(f"#learns-{office} h3")).to_have_text(HEADINGS["ru"])
        expect(page.locator(f"#learns-post-{office} dd").nth(1)).to_have_text(NOTHING["ru"])
        journey.assert_no_horizontal_scroll(page, 360)
        page.locator(f"#learns-{office}").scroll_into_view_if_needed()
        screenshots("disclosure-no-javascript")(page, "ru-360px", full_page=False)
    finally:
        context.close()

"""The form with the keyboard only: skip link first, then the language switch, the fields in
order, the submit button; the focus always visible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# What has the focus: its id, else its link text (the language links have no id).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    id: el.id || (el.getAttribute('hreflang') ? 'lang-' + el.getAttribute('hreflang')
                  : el.className),
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    onScreen: box.bottom > 0 && box.top < innerHeight && box.width > 0 && box.height > 0,
  };
}"""


def test_tab_order_of_the_form_with_visible_focus(live_server, open_page):
    watched = open_page("1280px")
    page = watched.page
    page.goto(live_server.url + "/write")
    offices = page.locator("input[name=offices]").evaluate_all("els => els.map(e => e.id)")
    expected = [
        "skip-link",
        "brand",
        "lang-en",
        "lang-it",
        "lang-ru",
        "name",
        "email",
        "street",
        "postcode",
        "city",
        "country",
        "note",
        *offices,
        "language-auto",  # a radio group is one stop: the checked radio
        "submit-write",
    ]
    seen = []
    for _ in range(len(expected)):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        seen.append(focused["id"])
        assert focused["outline"], f"no visible focus outline on {focused['id']}"
        assert focused["onScreen"], f"{focused['id']} has the focus but is off screen"
    assert seen == expected

    # The skip link takes the focus past the header to the content.
    page.goto(live_server.url + "/write")
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["id"] == "name"  # the first field after the intro
    watched.assert_no_console_errors()


def test_form_can_be_sent_with_the_keyboard(live_server, open_page):
    """Type the name, then Enter in a field sends the form; the preview answers."""
    watched = open_page("1280px")
    page = watched.page
    page.goto(live_server.url + "/write")
    for _ in range(6):  # skip link, brand, three languages, name
        page.keyboard.press("Tab")
    expect(page.locator("#name")).to_be_focused()
    page.keyboard.type("Keyboard User")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your letters")
    expect(page.locator("section.card").first).to_contain_text("Keyboard User")
    watched.assert_no_console_errors()

"""With JavaScript off, the core journey still works: form, preview, edit, PDF, "I sent it"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import journey

pytestmark = pytest.mark.browser

EDIT = "Written with scripts turned off, 2718."


def test_form_preview_edit_and_pdf_without_javascript(
    live_server, open_page, screenshots, downloads_folder
):
    watched = open_page("360px", java_script_enabled=False)
    page, shoot, folder = watched.page, screenshots("nojs-360px"), downloads_folder("nojs-360px")
    page.goto(live_server.url + "/write")
    page.fill("#name", "No Script")
    page.check("#language-en")
    page.click("#submit-write")
    expect(page.locator("h1")).to_have_text("Your letters")
    assert (
        page.locator("section.card").count()
        == page.locator("#letters-form input[type=hidden][name=offices]").count()
    )
    expect(page.locator(".copy-button").first).to_be_hidden()  # they need JavaScript
    journey.assert_no_horizontal_scroll(page, 360)
    shoot(page, "preview", full_page=False)

    # The edit reaches the links through the "Update" button (a plain form post) ...
    office = journey.EMAIL_OFFICE
    body = page.locator(f"#body-{office}")
    body.fill(body.input_value() + "\n\n" + EDIT)
    page.click(f"#update-{office}")
    expect(page).to_have_url(re.compile(f"/preview#card-{office}$"))  # back at the card
    expect(page.locator(f"#card-{office} h2")).to_be_in_viewport()
    expect(page.locator(f"#body-{office}")).to_have_value(re.compile(re.escape(EDIT) + r"\s*$"))
    _, fields = journey.mailto_fields(page.locator(f"#mailto-{office}").get_attribute("href"))
    assert EDIT in fields["body"]
    page.locator(f"#mailto-{office}").scroll_into_view_if_needed()
    shoot(page, "preview-updated", full_page=False)

    # ... and the PDF.
    with page.expect_download() as info:
        page.click("#download-all")
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    _, text = journey.pdf_text(path)
    assert EDIT in text and "No Script" in text

    # "I sent it" is a plain form too.
    page.check(f"#sent-{office}-post")
    page.click("#sent-submit")
    expect(page.locator("h1")).to_have_text("Thank you")
    assert journey.total_letters(page) == 1
    shoot(page, "thanks")
    watched.assert_no_console_errors()

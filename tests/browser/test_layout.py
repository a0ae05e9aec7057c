"""Every page fits a 360 px phone in every language (the journey covers English), error pages
and the rate limit included."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import journey

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language", ["it", "ru"])
def test_no_horizontal_scroll_at_360_px(language, live_server, open_page, screenshots):
    watched = open_page("360px")
    page, shoot = watched.page, screenshots(f"360px-{language}")
    base = live_server.url

    def fits(step: str, full_page: bool = True) -> None:
        journey.assert_no_horizontal_scroll(page, 360)
        shoot(page, step, full_page=full_page)

    page.goto(f"{base}/?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    fits("campaign", full_page=False)
    page.click("#act")
    fits("write", full_page=False)
    page.click("#submit-write")  # no name: errors
    expect(page.locator("#name-error")).to_be_visible()
    fits("write-errors")
    page.fill("#name", "Anna Kuznetsova")
    page.click("#submit-write")  # each office in its own language, a translation beside
    expect(page.locator("section.card").first).to_be_visible()
    expect(page.locator(".translation").first).to_be_visible()
    fits("preview")
    for path, status in (("/thanks?n=2", 200), ("/no-such-page", 404), ("/letters.pdf", 405)):
        response = page.goto(base + path)
        assert response.status == status
        fits(path.strip("/").partition("?")[0].replace(".", "-"))
    watched.expected_statuses = {400, 404, 405}
    watched.assert_no_console_errors()


def test_rate_limit_page_in_the_browser(start_server, open_page, screenshots):
    """With a limit of one PDF a minute, the second download is the 429 page, not a file."""
    server = start_server(RATE_LIMIT=1)
    watched = open_page("360px")
    page, shoot = watched.page, screenshots("360px-rate-limit")
    page.goto(server.url + "/write")
    page.fill("#name", "Limited Supporter")
    page.click("#submit-write")
    office = journey.EMAIL_OFFICE
    with page.expect_download() as info:
        page.click(f"#pdf-{office}")
    assert info.value.suggested_filename == f"{office}.pdf"
    with page.expect_response(lambda response: response.url.endswith(".pdf")) as answer:
        page.click(f"#pdf-{office}")
    assert answer.value.status == 429
    assert int(answer.value.headers["retry-after"]) > 0
    expect(page.locator("#error-429 h1")).to_be_visible()
    journey.assert_no_horizontal_scroll(page, 360)
    shoot(page, "429")
    watched.expected_statuses = {429}
    watched.assert_no_console_errors()

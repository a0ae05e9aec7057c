"""The whole journey of a supporter in chromium, on a phone and on a desktop."""

from __future__ import annotations

import pytest

from tests.browser import journey
from tests.browser.journey import VIEWPORTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_journey_from_the_campaign_page_to_i_sent_it(
    viewport, live_server, open_page, screenshots, downloads_folder
):
    watched = open_page(viewport)
    journey.run(
        watched.page,
        live_server.url,
        VIEWPORTS[viewport]["width"],
        screenshots(viewport),
        downloads_folder(viewport),
        live_server.recipients,
    )
    watched.expected_statuses = {400}  # the form sent with mistakes answers 400
    watched.assert_no_console_errors()


def test_no_request_leaves_the_app(live_server, open_page, tmp_path):
    """Every request of the journey (pages, assets, fetches, downloads) goes to the app.

    A request the Content-Security-Policy blocks is never made, so it is not in the list; the
    browser reports it as a console error instead, which fails the test too.
    """
    watched = open_page("360px")
    journey.run(
        watched.page, live_server.url, 360, journey.no_shots, tmp_path, live_server.recipients
    )
    requested = set(watched.requests)
    foreign = sorted(url for url in requested if not url.startswith(live_server.url + "/"))
    assert not foreign, f"requests to other origins: {foreign}"
    # The recorder saw the whole journey: assets, the form, the live links, the downloads.
    paths = {url.removeprefix(live_server.url) for url in requested}
    assert {"/static/site.css", "/static/site.js", "/static/favicon.svg"} <= {
        path.partition("?")[0] for path in paths
    }
    assert {"/write", "/preview/links", "/letters.pdf", "/sent"} <= paths
    assert f"/letters/{journey.EMAIL_OFFICE}.eml" in paths
    watched.expected_statuses = {400}
    watched.assert_no_console_errors()

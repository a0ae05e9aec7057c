"""The appeal's life in chromium, at 360 and 1280 px, in English, Italian and Russian.

A paused office with its replacement and an update log on the campaign page, the office that
cannot be chosen, the talking points and the nudge in the preview (and the nudge gone once the
letter is edited), "I sent it" then the report of what came of the letter; a won appeal that
offers its thank-you letter; the console's state form and an office's pause. Screenshots:
test-artifacts/screenshots/life-*/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from campaign.storage import organisers, reports
from tests.browser import journey
from tests.builders import (
    THANKS_MARKER,
    change_campaign,
    pause_office,
    write_thanks,
)

pytestmark = pytest.mark.browser

PAUSED, REPLACEMENT = "kz-embassy-italy-consular", "kz-foreign-affairs"
UPDATES = [
    {
        "date": "2013-09-02",
        "source": "appeal",
        "text": {
            "en": "Test update: the organisers checked every address.",
            "it": "Aggiornamento di prova: gli organizzatori hanno controllato ogni indirizzo.",
            "ru": "Тестовое обновление: организаторы проверили все адреса.",
        },
    },
    {
        "date": "2013-10-01",
        "url": "https://example.org/news/2013/10/01/a-long-address-that-must-wrap-on-a-phone",
        "text": {
            "en": "Test update: a second, newer entry with its web address.",
            "it": "Aggiornamento di prova: una seconda voce, più recente, con l'indirizzo web.",
            "ru": "Тестовое обновление: вторая, более новая запись с веб-адресом.",
        },
    },
]
TEXTS = {  # what each language shows, to know the page is in it
    "en": ("Updates", "No letters to this office for now.", "Personal letters carry more weight."),
    "it": ("Aggiornamenti", "Per ora nessuna lettera a questo ufficio.",
           "Le lettere personali hanno più peso."),
    "ru": ("Новости", "Пока писем в это ведомство нет.", "Личные письма весят больше."),
}  # fmt: skip
CASES = [(viewport, language) for viewport in ("360px", "1280px") for language in TEXTS]


@pytest.fixture
def life_server(site, start_server):
    """The app on a copy with a paused office and two updates."""
    pause_office(site, PAUSED, replacement=REPLACEMENT)
    change_campaign(site, {"updates": UPDATES})
    return start_server()


@pytest.mark.parametrize(("viewport", "language"), CASES)
def test_paused_office_updates_points_nudge_and_report(
    life_server, open_page, screenshots, viewport, language
):
    watched = open_page(viewport)
    page, shoot, width = (
        watched.page,
        screenshots(f"life-{viewport}-{language}"),
        int(viewport[:-2]),
    )
    updates_title, paused_title, nudge_title = TEXTS[language]

    def fits(step: str, full_page: bool = False) -> None:
        journey.assert_no_horizontal_scroll(page, width)
        shoot(page, step, full_page=full_page)

    # The campaign page: the updates newest first, the paused office with why and instead.
    page.goto(f"{life_server.url}/?lang={language}")
    expect(page.locator("#updates-title")).to_have_text(updates_title)
    expect(page.locator("#update-1 time")).to_have_attribute("datetime", "2013-10-01")
    page.locator("#updates").scroll_into_view_if_needed()
    fits("campaign-updates")
    note = page.locator(f"#paused-{PAUSED}")
    expect(note).to_contain_text(paused_title)
    expect(note.locator(".replacement")).to_be_visible()
    note.scroll_into_view_if_needed()
    fits("campaign-paused-office")

    # The form: the paused office is there, with why, but cannot be chosen.
    page.click("#act")
    box = page.locator(f"#office-{PAUSED}")
    expect(box).to_be_disabled()
    expect(box).not_to_be_checked()
    expect(page.locator(f"#office-{REPLACEMENT}")).to_be_checked()
    box.scroll_into_view_if_needed()
    fits("write-paused-office")

    # The preview: no letter to it; the points beside the letter; the nudge, once per letter.
    page.fill("#name", "Anna Kuznetsova")
    page.click("#submit-write")
    expect(page.locator("section.card")).to_have_count(7)
    expect(page.locator(f"#card-{PAUSED}")).to_have_count(0)
    expect(page.locator("#updates")).to_be_visible()  # above the letters
    office = "kz-nsc-atyrau"
    points = page.locator(f"#points-{office}")
    expect(points.locator("li")).to_have_count(3)
    points.scroll_into_view_if_needed()
    fits("preview-points")
    nudge = page.locator(f"#nudge-{office}")
    expect(nudge).to_contain_text(nudge_title)
    nudge.scroll_into_view_if_needed()
    fits("preview-nudge")
    body = page.locator(f"#body-{office}")
    body.fill("Anna writes in her own words.\n\n" + body.input_value())
    expect(nudge).to_be_hidden()  # edited: the note no longer applies
    page.click(f"#update-{office}")
    expect(page.locator(f"#nudge-{office}")).to_have_count(0)  # and the server agrees
    expect(page.locator("#nudge-kz-president")).to_be_visible()

    # "I sent it", then what came of it.
    page.check(f"#sent-{office}-post")
    page.click("#sent-submit")
    page.click("#report-later-link")
    select = page.locator(f"#report-{office}-post")
    expect(page.locator("select")).to_have_count(1)  # only the letter just sent
    select.select_option("acknowledged")
    fits("report", full_page=True)
    page.click("#report-submit")
    expect(page.locator("#reported")).to_be_visible()
    fits("report-done", full_page=True)
    database = life_server.app.extensions["campaign.site"].database
    assert reports.by_office(database)[office]["acknowledged"] == 1

    assert all(url.startswith(life_server.url) for url in watched.requests), "a request left"
    watched.assert_no_console_errors()


@pytest.mark.parametrize("viewport", ["360px", "1280px"])
@pytest.mark.parametrize("language", list(TEXTS))
def test_a_won_appeal_offers_its_thank_you_letter(
    site, start_server, open_page, screenshots, viewport, language
):
    write_thanks(site)
    outcome = {
        "en": "Test outcome: the appeal reached its aim.",
        "it": "Esito di prova: l'appello ha raggiunto il suo scopo.",
        "ru": "Тестовый итог: обращение достигло цели.",
    }
    change_campaign(site, {"state": "won", "outcome": outcome})
    server = start_server()
    watched = open_page(viewport)
    page, shoot, width = (
        watched.page,
        screenshots(f"life-won-{viewport}-{language}"),
        int(viewport[:-2]),
    )
    page.goto(f"{server.url}/?lang={language}")
    expect(page.locator("#won-banner")).to_contain_text(outcome[language])
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "campaign-won", full_page=False)
    page.click("#act")
    expect(page.locator("#thanks-letters")).to_be_visible()
    page.fill("#name", "Anna Kuznetsova")
    page.click("#submit-write")
    expect(page.locator("section.card").first).to_be_visible()
    expect(page.locator("#body-it-interior")).to_have_value(
        f"Grazie per la risposta al nostro appello. {THANKS_MARKER}."
    )
    expect(page.locator(".call-script")).to_have_count(0)
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "preview-thanks", full_page=False)
    watched.assert_no_console_errors()


@pytest.mark.parametrize("viewport", ["360px", "1280px"])
def test_the_console_pauses_the_appeal_and_an_office(live_server, open_page, screenshots, viewport):
    organisers.add(
        live_server.app.extensions["campaign.site"].database,
        "giulia.verdi",
        "orange lanterns drift over quiet harbours",
    )
    watched = open_page(viewport)
    page, shoot, width = watched.page, screenshots(f"life-console-{viewport}"), int(viewport[:-2])
    base = live_server.url
    page.goto(base + "/admin")
    page.fill("#name", "giulia.verdi")
    page.fill("#password", "orange lanterns drift over quiet harbours")
    page.get_by_role("button", name="Sign in").click()

    # The appeal: paused without a reason is refused next to the field, then with one.
    page.goto(base + "/admin/campaign")
    page.check("#state-paused")
    page.click("#save-state")
    expect(page.locator("#pause_reason-en-error")).to_be_visible()
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "state-refused", full_page=False)
    page.fill("#pause_reason-en", "Test: the organisers are checking the addresses.")
    page.click("#save-state")
    expect(page.locator("#state-title")).to_have_text("The appeal is paused")
    shoot(page, "state-paused", full_page=False)
    supporter = open_page(viewport)
    supporter.page.goto(base + "/")
    expect(supporter.page.locator("#paused-banner")).to_contain_text("checking the addresses")
    expect(supporter.page.locator("#act")).to_have_count(0)
    page.check("#state-open")
    page.click("#save-state")
    expect(page.locator("#state-title")).to_have_text("The appeal is open")

    # An office: paused with a replacement, flagged in the table.
    page.goto(base + f"/admin/recipients/{PAUSED}/edit")
    page.check("#paused")
    page.fill("#pause_reason_en", "Test: letters to the consulate came back.")
    page.select_option("#replacement", REPLACEMENT)
    page.locator("#pause").scroll_into_view_if_needed()
    shoot(page, "office-pause", full_page=False)
    page.get_by_role("button", name="Save the office").click()
    expect(page.locator(".notice-success")).to_be_visible()
    page.goto(base + "/admin/recipients")
    expect(page.locator(f"#paused-{PAUSED}")).to_contain_text(REPLACEMENT)
    page.locator(f"#paused-{PAUSED}").scroll_into_view_if_needed()
    journey.assert_no_horizontal_scroll(page, width)
    shoot(page, "recipients-paused", full_page=False)
    supporter.page.goto(base + "/write")
    expect(supporter.page.locator(f"#office-{PAUSED}")).to_be_disabled()
    watched.expected_statuses = {400}  # the refused state
    watched.assert_no_console_errors()

"""The appeal's life on the supporters' pages: states, paused offices, updates, the nudge."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from campaign.storage import counts
from tests.builders import (
    THANKS_MARKER,
    change_campaign,
    change_office,
    pause_office,
    write_thanks,
)
from tests.web.pages import OFFICE_IDS, csrf_token, page, write_data

PAUSED = "kz-nsc-atyrau"  # has an e-mail address in the web tests' copy: it would get a mailto
REPLACEMENT = "kz-general-prosecutor"
OTHERS = [office for office in OFFICE_IDS if office != PAUSED]
REASON = "Test pause: the department's address is being checked."


@pytest.fixture
def paused(site):
    """The copy with PAUSED paused, REPLACEMENT offered instead."""
    pause_office(site, PAUSED, reason=REASON, replacement=REPLACEMENT)
    return site


def text_of(element) -> str:
    """An element's text with its white space made single spaces."""
    return " ".join(element.text.split())


def pdf_text(content: bytes) -> tuple[int, str]:
    """The pages of a PDF and its text."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return len(document.pages), " ".join(p.extract_text() or "" for p in document.pages)


# --- a paused office -----------------------------------------------------------------------------


def test_the_campaign_page_shows_a_paused_office_with_why_and_its_replacement(client, paused):
    html = page(client.get("/"))
    office = html.one("li", id=f"office-{PAUSED}")
    assert "is-paused" in office.attrs["class"]
    note = text_of(html.one(id=f"paused-{PAUSED}"))
    assert note == (
        f"No letters to this office for now. {REASON} Write to General Prosecutor's Office of "
        "the Republic of Kazakhstan instead."
    )
    assert "is-paused" not in html.one("li", id=f"office-{REPLACEMENT}").attrs["class"]


def test_the_reason_is_shown_in_the_interface_language(client, paused):
    note = text_of(page(client.get("/?lang=it")).one(id=f"paused-{PAUSED}"))
    assert "Pausa di prova." in note and REASON not in note
    assert "Scrivi invece a:" in note


def test_a_paused_office_cannot_be_chosen_on_the_form(client, paused):
    html = page(client.get("/write"))
    box = html.one("input", id=f"office-{PAUSED}")
    assert "disabled" in box.attrs and "name" not in box.attrs and "checked" not in box.attrs
    assert box.attrs["aria-describedby"] == f"paused-{PAUSED}"
    assert REASON in html.one(id=f"paused-{PAUSED}").text
    checked = [e.attrs["value"] for e in html.all("input", name="offices") if "checked" in e.attrs]
    assert checked == OTHERS


def test_a_form_from_before_the_pause_gets_no_letter(client, site):
    data = write_data(client)  # every office, the one paused below included
    pause_office(site, PAUSED, reason=REASON)
    for path in ("/write", "/preview", "/letters.pdf", f"/letters/{PAUSED}.pdf",
                 f"/letters/{PAUSED}.eml", "/preview/links"):  # fmt: skip
        response = client.post(path, data=data)
        assert response.status_code == 400, path
        assert response.mimetype == "text/html", path  # the form again: no PDF, no draft
        assert "takes no letters for now, so it is no longer offered" in response.get_data(
            as_text=True
        ), path


def test_the_letters_of_the_others_leave_the_paused_office_out(client, paused):
    data = write_data(client, offices=OTHERS)
    preview = client.post("/write", data=data)
    assert preview.status_code == 200
    html = page(preview)
    assert not html.all(id=f"card-{PAUSED}") and not html.all(id=f"mailto-{PAUSED}")
    assert "nsc-atyrau@example.org" not in preview.get_data(as_text=True)
    assert not html.all("input", value=f"{PAUSED}:post")  # nothing to tick for "I sent it"
    response = client.post("/letters.pdf", data=data)
    assert response.mimetype == "application/pdf"
    pages, text = pdf_text(response.data)
    assert pages == len(OTHERS)
    assert "Satpayeva" not in text and "Атырау" not in text
    for path in (f"/letters/{PAUSED}.pdf", f"/letters/{PAUSED}.eml"):
        assert client.post(path, data=data).status_code == 404  # not among the letters
    links = client.post("/preview/links", data=data).get_json()
    assert set(links) == set(OTHERS)


# --- the state of the appeal -----------------------------------------------------------------


def test_a_paused_appeal_shows_why_and_makes_no_letters(client, site):
    data = write_data(client)
    change_campaign(
        site,
        {"state": "paused", "pause_reason": {"en": "Test: we are checking.", "ru": "Проверяем."}},
    )
    html = page(client.get("/"))
    assert text_of(html.one(id="paused-banner")) == (
        "This appeal is paused. No letters are made for now. Test: we are checking."
    )
    assert not html.all("a", id="act")
    form = client.get("/write")
    assert form.status_code == 200 and 'name="name"' not in form.get_data(as_text=True)
    assert "Test: we are checking." in page(form).one(id="paused-banner").text
    for path in ("/write", "/preview", "/letters.pdf", "/letters/it-interior.eml"):
        response = client.post(path, data=data)
        assert response.status_code == 403, path
        assert response.mimetype == "text/html" and "paused" in response.get_data(as_text=True)
    assert "Проверяем." in text_of(page(client.get("/?lang=ru")).one(id="paused-banner"))


def test_a_won_appeal_without_thanks_shows_the_outcome_and_no_letters(client, site):
    change_campaign(site, {"state": "won", "outcome": {"en": "Test outcome: they are home."}})
    html = page(client.get("/"))
    banner = text_of(html.one(id="won-banner"))
    assert banner.startswith("This appeal is won.") and "Test outcome: they are home." in banner
    assert "thank-you letter" not in banner
    assert not html.all("a", id="act")
    assert "No more letters are needed." in client.get("/write").get_data(as_text=True)


def test_a_won_appeal_with_thanks_offers_the_thank_you_letter(client, site):
    write_thanks(site)
    change_campaign(site, {"state": "won", "outcome": {"en": "Test outcome."}})
    html = page(client.get("/"))
    assert html.one("a", id="act").text == "Write a thank-you letter"
    assert "You can now write a thank-you letter" in html.one(id="won-banner").text
    form = page(client.get("/write"))
    assert form.one(id="thanks-letters")
    data = write_data(client, offices=["it-interior", "kz-president"], note="")
    preview = page(client.post("/write", data=data))
    bodies = [e.text for e in preview.all("textarea", class_="body-input")]
    assert len(bodies) == 2 and all(THANKS_MARKER in body for body in bodies)
    assert [e.text for e in preview.all("textarea", class_="subject-input")] == [
        "Grazie",
        "Спасибо",
    ]
    assert not preview.all("blockquote", class_="call-script")  # no appeal to read out
    assert preview.one(id="call-thanks-kz-president")
    assert not preview.all("aside", class_="talking-points")  # the points argue the appeal
    pages, text = pdf_text(client.post("/letters.pdf", data=data).data)
    assert pages == 2 and text.count(THANKS_MARKER) == 2 and "La prego" not in text


def test_a_closed_appeal_and_a_past_deadline_make_no_letters(client, site):
    change_campaign(site, {"state": "closed"})
    assert page(client.get("/")).one(id="closed-banner")
    assert "This appeal is closed" in client.get("/write").get_data(as_text=True)


# --- the update log ------------------------------------------------------------------------------

UPDATES = [
    {"date": "2013-09-02", "source": "appeal", "text": {"en": "Test update two.", "it": "Due."}},
    {"date": "2013-11-30", "url": "https://example.org/news/4",
     "text": {"en": "Test update four."}},
    {"date": "2013-09-01", "source": "quotes", "url": "https://example.org/news/1",
     "text": {"en": "Test update one."}},
    {"date": "2013-10-15", "source": "statement", "text": {"en": "Test update three."}},
]  # fmt: skip


def test_the_campaign_page_shows_the_updates_newest_first_with_their_sources(client, site):
    assert not page(client.get("/")).all(id="updates")  # the bundled log is empty
    change_campaign(site, {"updates": UPDATES})
    html = page(client.get("/"))
    items = html.all("li", class_="update")
    assert [item.text.split("Test update ")[1].split(".")[0] for item in items] == [
        "four",
        "three",
        "two",
        "one",
    ]
    assert html.one("li", id="update-1").text.strip().startswith("30 November 2013")
    assert html.all("time", datetime="2013-11-30")
    first = text_of(items[0])
    assert first.startswith("30 November 2013") and "Source: https://example.org/news/4" in first
    link = html.all("a", href="https://example.org/news/4")[0]
    assert link.attrs["rel"] == "noopener noreferrer nofollow"
    last = text_of(items[3])
    assert "Source: Statements of Amnesty International" in last and "news/1" in last
    assert "Due." in text_of(page(client.get("/?lang=it")).all("li", class_="update")[2])


def test_the_preview_shows_the_three_newest_updates_above_the_letters(client, site):
    change_campaign(site, {"updates": UPDATES})
    response = client.post("/write", data=write_data(client, offices=["it-interior"]))
    html = page(response)
    texts = [text_of(item) for item in html.all("li", class_="update")]
    assert len(texts) == 3 and "four" in texts[0] and "two" in texts[2]
    assert "1 older update on the campaign page." in html.one(id="updates").text
    body = response.get_data(as_text=True)
    assert body.index('id="updates"') < body.index('id="card-it-interior"')


# --- talking points and the nudge ------------------------------------------------------------


def test_talking_points_beside_the_letter_in_the_interface_language(client):
    response = client.post("/write?lang=it", data=write_data(client, offices=["kz-nsc-atyrau"]))
    points = page(response).one("aside", id="points-kz-nsc-atyrau")
    assert "Argomenti che puoi usare con parole tue" in points.text
    assert "il 22 agosto 2013 le è stato risposto" in points.text


def test_points_in_english_when_the_language_has_none(client, site):
    change_office(site, "it-interior", {"talking_points": {"en": ["Test point in English."]}})
    response = client.post("/write?lang=ru", data=write_data(client, offices=["it-interior"]))
    assert "Test point in English." in page(response).one(id="points-it-interior").text


def test_the_nudge_shows_exactly_for_a_standard_letter_without_a_note(client):
    offices = ["it-interior", "kz-president"]
    standard = page(client.post("/write", data=write_data(client, offices=offices, note="")))
    assert [e.attrs["id"] for e in standard.all("aside", class_="nudge")] == [
        "nudge-it-interior",
        "nudge-kz-president",
    ]
    nudge = text_of(standard.one(id="nudge-it-interior"))
    assert nudge.startswith("Personal letters carry more weight.")
    assert "Or send it as it is." in nudge and "Points you could make" in nudge
    with_note = page(client.post("/write", data=write_data(client, offices=offices)))
    assert not with_note.all("aside", class_="nudge")  # SENDER has a note


def test_editing_one_letter_drops_its_nudge_only(client):
    offices = ["it-interior", "kz-president"]
    data = write_data(client, offices=offices, note="")
    shown = page(client.post("/write", data=data))
    bodies = {e.attrs["name"]: e.text for e in shown.all("textarea", class_="body-input")}
    again = page(client.post("/preview", data={**data, **bodies}))  # sent back as shown
    assert len(again.all("aside", class_="nudge")) == 2
    bodies["body-it-interior"] = "I write to you in my own words.\n\n" + bodies["body-it-interior"]
    edited = page(client.post("/preview", data={**data, **bodies}))
    assert [e.attrs["id"] for e in edited.all("aside", class_="nudge")] == ["nudge-kz-president"]


def test_the_nudge_blocks_nothing(client):
    data = write_data(client, offices=["it-interior"], note="")
    response = client.post("/letters/it-interior.pdf", data=data)
    assert response.status_code == 200 and response.mimetype == "application/pdf"


# --- after sending ---------------------------------------------------------------------------


def test_the_thanks_page_offers_to_report_on_the_letters_just_counted(client):
    sent = ["it-interior:post", "kz-president:phone"]
    data = {"csrf_token": csrf_token(client), "sent": sent, "receipt": counts.new_receipt()}
    response = client.post("/sent", data=data)
    thanks = page(client.get(response.headers["Location"]))
    link = thanks.one("a", id="report-later-link").attrs["href"]
    assert link == "/report?sent=it-interior:post&sent=kz-president:phone"
    form = page(client.get(link))
    assert [e.attrs["name"] for e in form.all("select")] == [
        "report-it-interior-post",
        "report-kz-president-phone",
    ]

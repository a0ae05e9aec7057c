"""GET /: the campaign page, all from campaign.yaml and the directory."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from campaign import directory
from campaign.letters import render
from campaign.models import localized
from tests.web.pages import OFFICE_IDS, page


@pytest.fixture
def bundled(templates_dir: Path, recipients_file: Path):
    """The campaign and the offices the app serves in these tests."""
    return render.load(templates_dir).campaign, directory.load(recipients_file).recipients


def test_shows_title_summary_and_one_call_to_act(client, bundled):
    campaign, _ = bundled
    html = page(client.get("/"))
    assert html.one("h1").text.strip() == campaign.title["en"]
    assert " ".join(html.one(id="summary").text.split()) == campaign.summary["en"]
    assert html.one("a", id="act").attrs["href"] == "/write"
    assert not html.all(id="closed-banner")


def test_every_event_is_shown_with_its_date_and_source(client, bundled):
    campaign, _ = bundled
    html = page(client.get("/"))
    events = html.all("li", class_="event")
    assert len(events) == len(campaign.chronology) > 0
    for element, event in zip(events, campaign.chronology, strict=True):
        text = " ".join(element.text.split())
        assert event.text["en"] in text
        assert "Source: " + campaign.sources[event.source] in text
    assert html.all("time", datetime="2013-05-31")[0].text == "31 May 2013"


def test_quotes_show_speaker_role_and_source(client, bundled):
    campaign, _ = bundled
    html = page(client.get("/"))
    figures = html.all("figure", class_="quote")
    assert len(figures) == len(campaign.quotes) > 0
    for figure, quote in zip(figures, campaign.quotes, strict=True):
        text = " ".join(figure.text.split())
        assert " ".join(quote.text.split()) in text
        assert quote.speaker in text and quote.role in text
        assert campaign.sources[quote.source] in text


def test_every_office_is_listed_with_its_ask(client, bundled):
    _, offices = bundled
    html = page(client.get("/"))
    for office in offices:
        text = " ".join(html.one("li", id=f"office-{office.id}").text.split())
        assert office.office in text
        assert localized(office.ask, "en") in text
    assert len(html.all("li", class_="office")) == len(OFFICE_IDS)


def test_sources_are_listed(client, bundled):
    campaign, _ = bundled
    html = page(client.get("/"))
    for key, title in campaign.sources.items():
        assert html.one("li", id=f"source-{key}").text == title


def test_total_starts_at_zero(client):
    assert page(client.get("/")).one(id="total").text == "0 letters sent so far."


def close_by(templates_dir: Path, old: str, new: str) -> None:
    """Edit campaign.yaml in place, as an organiser would."""
    path = templates_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_past_deadline_closes_the_appeal(client, templates_dir):
    close_by(templates_dir, 'deadline: ""', 'deadline: "2014-01-31"')
    html = page(client.get("/"))
    assert "This appeal is closed." in html.one(id="closed-banner").text
    assert "31 January 2014" in html.one(id="closed-banner").text
    assert not html.all("a", id="act")
    write = client.get("/write")
    assert "This appeal is closed" in write.get_data(as_text=True)
    assert 'name="name"' not in write.get_data(as_text=True)


def test_a_future_deadline_keeps_it_open(client, templates_dir):
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    close_by(templates_dir, 'deadline: ""', f'deadline: "{future}"')
    html = page(client.get("/"))
    assert not html.all(id="closed-banner")
    assert html.all("a", id="act")


def test_state_closed_closes_it_and_refuses_letters(client, templates_dir):
    from tests.web.pages import write_data

    data = write_data(client)
    close_by(templates_dir, "state: open", "state: closed")
    assert page(client.get("/")).all(id="closed-banner")
    response = client.post("/letters.pdf", data=data)
    assert response.status_code == 403
    assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("header", "expected_title", "switch_text"),
    [
        ("it-IT,it;q=0.9,en;q=0.5", "Riportare in Europa", "Perché è importante"),
        ("ru-RU,ru;q=0.9", "Верните Алму Шалабаеву", "Почему это важно"),
        ("de-DE,de;q=0.9", "Bring Alma Shalabayeva", "Why it matters"),
    ],
)
def test_language_follows_accept_language(client, header, expected_title, switch_text):
    response = client.get("/", headers={"Accept-Language": header})
    html = response.get_data(as_text=True)
    assert expected_title in page(response).one("h1").text
    assert switch_text in html


def test_lang_parameter_wins_and_is_remembered_in_a_cookie(client):
    response = client.get("/?lang=ru", headers={"Accept-Language": "it"})
    assert page(response).one("html").attrs["lang"] == "ru"
    assert "lang=ru" in response.headers["Set-Cookie"]
    again = client.get("/write", headers={"Accept-Language": "it"})
    assert page(again).one("html").attrs["lang"] == "ru"
    assert "Напишите свои письма" in again.get_data(as_text=True)


def test_unknown_lang_parameter_is_ignored(client):
    response = client.get("/?lang=xx")
    assert page(response).one("html").attrs["lang"] == "en"
    assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]


def test_italian_page_uses_italian_campaign_texts_and_dates(client, bundled):
    campaign, offices = bundled
    html = page(client.get("/?lang=it"))
    assert html.one("h1").text.strip() == campaign.title["it"]
    assert html.all("time", datetime="2013-05-31")[0].text == "31 maggio 2013"
    interior = " ".join(html.one("li", id="office-it-interior").text.split())
    assert "Ministero dell'Interno" in interior
    assert "La prego di " + localized(offices[0].ask, "it") in interior
    assert re.search(r"Fonte: ", html.one("li", id="event-1").text)


def test_language_switch_is_on_every_page(client):
    for path in ("/", "/write", "/thanks", "/no-such-page"):
        html = page(client.get(path))
        links = html.all("a", hreflang="it") + html.all("a", hreflang="ru")
        assert len(links) == 2, path


def test_language_switch_keeps_the_rest_of_the_address(client):
    html = page(client.get("/thanks?n=2&lang=en"))
    assert html.one("a", hreflang="it").attrs["href"] == "/thanks?n=2&lang=it"


def test_background_names_the_documents_it_states_facts_from(client):
    page = client.get("/").get_data(as_text=True)
    why = page[page.index('id="why"') : page.index('id="chronology"')]
    assert 'href="#source-appeal"' in why
    assert "001_e3158a28d841bfa0.txt" in why
    assert "004_488a49a98fafc581.txt" in why

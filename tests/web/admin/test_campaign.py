"""The campaign in the console: texts, chronology, quotes, deadline; open and close the appeal."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.letters.campaign_file import parse_campaign
from campaign.storage import audit
from tests.web.admin.helpers import field_values, form_of, sign_in
from tests.web.pages import page


def campaign_form(client) -> dict:
    """Everything the campaign form would post, as the browser shows it."""
    data, html = form_of(client, "/admin/campaign")
    values = field_values(html)
    for name in ("chronology-count", "quotes-count", "updates-count"):
        values[name] = page(client.get("/admin/campaign")).one("input", name=name).attrs["value"]
    return {**data, **values}


def loaded(templates_dir):
    """The campaign as campaign.yaml now says."""
    return parse_campaign((Path(templates_dir) / "campaign.yaml").read_bytes())


def test_the_form_shows_the_campaign(admin):
    data = campaign_form(admin)
    assert data["title-en"].startswith("Bring Alma Shalabayeva")
    assert data["chronology-count"] == "10"
    assert data["chronology-0-date"] == "2013-05-29"
    assert data["chronology-0-source"] == "statement"
    assert data["quotes-0-speaker"] == "John Dalhuisen"
    assert data["chronology-10-date"] == ""  # the empty row that adds an event


def test_edit_title_and_add_an_event_keeping_comments(
    admin, templates_dir, instance, organiser, site
):
    data = campaign_form(admin)
    data["title-it"] = "Riportate a casa Alma e Alua"
    data.update(
        {
            "chronology-10-date": "2013-09-01",
            "chronology-10-source": "appeal",
            "chronology-10-text-en": "A new event for the test.",
        }
    )
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 303
    campaign = loaded(templates_dir)
    assert campaign.title["it"] == "Riportate a casa Alma e Alua"
    assert campaign.chronology[-1].text["en"] == "A new event for the test."
    text = (templates_dir / "campaign.yaml").read_text(encoding="utf-8")
    assert "# Quotes as published, with the speaker" in text
    assert audit.recent_changes(site.database, 1)[0].who == organiser


def test_remove_a_quote(admin, templates_dir):
    data = campaign_form(admin)
    data["quotes-2-remove"] = "1"
    assert admin.post("/admin/campaign", data=data).status_code == 303
    speakers = [quote.speaker for quote in loaded(templates_dir).quotes]
    assert "UN Watch" not in speakers and len(speakers) == 3


def test_an_invalid_date_is_shown_next_to_its_field(admin, templates_dir):
    before = (templates_dir / "campaign.yaml").read_bytes()
    data = campaign_form(admin)
    data["chronology-3-date"] = "2013-02-30"
    data["title-ru"] = "Мой заголовок"
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    found = page(response)
    assert "not a date" in found.one("p", id="chronology-3-date-error").text
    assert found.one("input", id="title-ru").attrs["value"] == "Мой заголовок"
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_a_problem_after_a_removed_row_points_at_the_right_row(admin):
    data = campaign_form(admin)
    data["chronology-1-remove"] = "1"
    data["chronology-4-source"] = ""
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    assert page(response).one("p", id="chronology-4-source-error")


def test_the_english_title_is_required(admin, templates_dir):
    data = campaign_form(admin)
    data["title-en"] = ""
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    assert page(response).one("p", id="title-en-error")


def test_over_long_text_is_refused(admin):
    data = campaign_form(admin)
    data["title-en"] = "t" * 201
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    assert "shorten this to 200" in page(response).one("p", id="title-en-error").text


def test_set_a_deadline(admin, templates_dir):
    data = campaign_form(admin)
    data["deadline"] = "2030-12-31"
    assert admin.post("/admin/campaign", data=data).status_code == 303
    assert loaded(templates_dir).deadline == "2030-12-31"


def test_a_conflict_keeps_the_input(admin, templates_dir):
    data = campaign_form(admin)
    path = templates_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    title = "  en: Bring Alma Shalabayeva and her daughter Alua home to Europe\n"
    path.write_text(text.replace(title, "  en: Bring them home\n"), encoding="utf-8")
    data["title-en"] = "My unsaved title"
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 409
    found = page(response)
    assert "title.en was changed by someone else" in found.one("div", id="conflict").text
    assert found.one("input", id="title-en").attrs["value"] == "My unsaved title"


def test_a_hand_edit_of_another_field_is_merged(admin, templates_dir):
    data = campaign_form(admin)
    path = templates_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("organiser: Open Dialog", "organiser: ODF"), encoding="utf-8")
    data["title-en"] = "My saved title"
    assert admin.post("/admin/campaign", data=data).status_code == 303
    saved = path.read_text(encoding="utf-8")
    assert "organiser: ODF" in saved and "  en: My saved title\n" in saved


def test_close_and_open_the_appeal(app, admin, templates_dir):
    data, html = form_of(admin, "/admin/campaign")
    assert "The appeal is open" in html
    response = admin.post("/admin/campaign/state", data={**data, "state": "closed"})
    assert response.status_code == 303
    assert loaded(templates_dir).state == "closed"
    page_after = admin.get("/admin/campaign").get_data(as_text=True)
    assert "The state of the appeal was saved." in page_after
    assert "The appeal is closed" in page_after and "Closed by hand" in page_after
    supporter = app.test_client()
    assert "This appeal is closed" in supporter.get("/write").get_data(as_text=True)
    data, _ = form_of(admin, "/admin/campaign")
    admin.post("/admin/campaign/state", data={**data, "state": "open"})
    assert loaded(templates_dir).state == "open"
    assert "This appeal is closed" not in supporter.get("/write").get_data(as_text=True)


def test_after_a_conflict_the_untouched_fields_show_the_newer_values(app, admin, organiser):
    mine = campaign_form(admin)
    other = app.test_client()
    sign_in(other)
    theirs = campaign_form(other)
    theirs["title-en"] = "Their own title"
    theirs["title-it"] = "Il titolo dell'altra organizzatrice"
    theirs["chronology-10-date"] = "2013-09-02"
    theirs["chronology-10-source"] = "appeal"
    theirs["chronology-10-text-en"] = "An event the other organiser added."
    assert other.post("/admin/campaign", data=theirs).status_code == 303
    mine["title-en"] = "My own title"
    response = admin.post("/admin/campaign", data=mine)
    assert response.status_code == 409
    found = page(response)
    assert found.one("input", id="title-en").attrs["value"] == "My own title"
    assert found.one("input", id="title-it").attrs["value"] == "Il titolo dell'altra organizzatrice"
    assert found.one("p", id="title-it-note")
    assert (
        "An event the other organiser added."
        in found.one("textarea", id="chronology-10-text-en").text
    )
    again = {**campaign_form_of(response), "csrf_token": mine["csrf_token"]}
    assert admin.post("/admin/campaign", data=again).status_code == 303
    campaign = loaded(app.config["TEMPLATES"])
    assert campaign.title["en"] == "My own title"
    assert campaign.title["it"] == "Il titolo dell'altra organizzatrice"
    assert campaign.chronology[-1].text["en"] == "An event the other organiser added."


def campaign_form_of(response) -> dict:
    """What the campaign form in a response would post."""
    html = response.get_data(as_text=True)
    found = page(response)
    values = field_values(html)
    for name in ("version", "chronology-count", "quotes-count", "updates-count"):
        values[name] = found.all("input", name=name)[-1].attrs["value"]  # the campaign form's
    return values


@pytest.mark.parametrize(
    "damage",
    [
        {"chronology-count": None},  # the hidden count missing
        {"quotes-count": "many"},  # not a number
        {"chronology-count": "10", "drop": "chronology-9-"},  # rows lost on the way
    ],
)
def test_a_form_that_arrived_incomplete_deletes_nothing(admin, templates_dir, damage):
    before = (templates_dir / "campaign.yaml").read_bytes()
    data = campaign_form(admin)
    drop = damage.pop("drop", "")
    data = {key: value for key, value in data.items() if not drop or not key.startswith(drop)}
    for key, value in damage.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    assert "The form arrived incomplete" in response.get_data(as_text=True)
    assert (templates_dir / "campaign.yaml").read_bytes() == before

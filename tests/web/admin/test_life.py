"""The appeal's life in the console: the state, the update log, pauses, points, flags, reports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from campaign import directory
from campaign.letters.campaign_file import parse_campaign
from campaign.storage import audit, reports
from tests.builders import pause_office
from tests.web.admin.helpers import field_values, form_of
from tests.web.admin.test_campaign import campaign_form
from tests.web.pages import page


def saved_campaign(templates_dir):
    """campaign.yaml as it is now."""
    return parse_campaign((templates_dir / "campaign.yaml").read_bytes())


def state_post(admin, **values) -> dict:
    """The state form's post: its CSRF token and version, and `values`."""
    data, _ = form_of(admin, "/admin/campaign")
    return {**data, **values}


# --- the state ----------------------------------------------------------------------------------


def test_the_state_form_shows_the_state_and_the_four_choices(admin):
    html = page(admin.get("/admin/campaign"))
    assert html.one(id="state-title").text == "The appeal is open"
    radios = html.all("input", type="radio", name="state")
    assert [e.attrs["value"] for e in radios] == ["open", "paused", "won", "closed"]
    assert "checked" in radios[0].attrs
    assert "No thank-you letter" in html.one(id="thanks-files").text


def test_a_pause_without_its_reason_is_refused_next_to_the_field(admin, templates_dir):
    before = (templates_dir / "campaign.yaml").read_bytes()
    response = admin.post("/admin/campaign/state", data=state_post(admin, state="paused"))
    assert response.status_code == 400
    html = page(response)
    error = html.one(id="pause_reason-en-error").text
    assert "the appeal is paused, so `pause_reason:` must say it to supporters" in error
    assert "checked" in html.one("input", id="state-paused").attrs  # the choice is kept
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_pause_then_win_then_open_the_appeal(app, admin, templates_dir):
    supporter = app.test_client()
    paused = state_post(
        admin, state="paused", **{"pause_reason-en": "Test: checking.", "pause_reason-it": "Prova."}
    )
    assert admin.post("/admin/campaign/state", data=paused).status_code == 303
    campaign = saved_campaign(templates_dir)
    assert (campaign.state, campaign.pause_reason) == (
        "paused",
        {"en": "Test: checking.", "it": "Prova."},
    )
    assert "Test: checking." in supporter.get("/").get_data(as_text=True)
    assert audit.recent_changes(app.extensions["campaign.site"].database)[0].action == "pause"
    html = page(admin.get("/admin/campaign"))
    assert html.one(id="state-title").text == "The appeal is paused"
    assert html.one("textarea", id="pause_reason-en").text == "Test: checking."
    won = state_post(admin, state="won", **{"outcome-en": "Test: she is home."})
    assert admin.post("/admin/campaign/state", data=won).status_code == 303
    assert saved_campaign(templates_dir).outcome == {"en": "Test: she is home."}
    assert "Test: she is home." in supporter.get("/").get_data(as_text=True)
    assert audit.recent_changes(app.extensions["campaign.site"].database)[0].action == "win"
    assert (
        admin.post("/admin/campaign/state", data=state_post(admin, state="open")).status_code == 303
    )
    assert saved_campaign(templates_dir).state == "open"
    assert supporter.get("/write").status_code == 200


PAUSE_REASONS = {"pause_reason-en": "Test: checking.", "pause_reason-it": "Prova."}


def test_a_state_from_a_stale_page_is_a_conflict_and_keeps_the_choice(admin, templates_dir):
    data = state_post(admin, state="paused", **PAUSE_REASONS)
    path = templates_dir / "campaign.yaml"  # another organiser closes the appeal meanwhile
    path.write_text(path.read_text(encoding="utf-8").replace("state: open", "state: closed"))
    response = admin.post("/admin/campaign/state", data=data)
    assert response.status_code == 409
    html = page(response)
    assert html.one(id="conflict") and "checked" in html.one("input", id="state-paused").attrs
    assert saved_campaign(templates_dir).state == "closed"
    again = {**data, "version": html.all("input", name="version")[0].attrs["value"]}
    assert admin.post("/admin/campaign/state", data=again).status_code == 303
    assert saved_campaign(templates_dir).state == "paused"


def test_a_state_from_a_stale_page_merges_with_a_change_to_another_field(admin, templates_dir):
    data = state_post(admin, state="closed")
    path = templates_dir / "campaign.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("organiser: Open Dialog", "organiser: ODF")
    )
    assert admin.post("/admin/campaign/state", data=data).status_code == 303
    campaign = saved_campaign(templates_dir)
    assert (campaign.state, campaign.organiser) == ("closed", "ODF Foundation")


def test_an_unknown_state_is_refused(admin):
    response = admin.post("/admin/campaign/state", data=state_post(admin, state="finished"))
    assert response.status_code == 400
    assert (
        'state "finished" is not one of open, paused, won, closed'
        in page(response).one(id="state-error").text
    )


# --- the update log ---------------------------------------------------------------------------


def test_add_an_update_with_its_source_and_web_address(admin, templates_dir):
    data = campaign_form(admin)
    assert data["updates-count"] == "0"
    data.update(
        {
            "updates-0-date": "2013-09-05",
            "updates-0-source": "appeal",
            "updates-0-url": "https://example.org/news/5",
            "updates-0-text-en": "Test update.",
            "updates-0-text-ru": "Тестовое обновление.",
        }
    )
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 303, page(response).all(class_="error-summary")
    [update] = saved_campaign(templates_dir).updates
    assert (update.date, update.source, update.url) == (
        "2013-09-05",
        "appeal",
        "https://example.org/news/5",
    )
    text = (templates_dir / "campaign.yaml").read_text(encoding="utf-8")
    assert (
        'updates:\n  - date: "2013-09-05"\n    source: appeal\n    url: https://example.org/news/5\n'
        "    text:\n      en: Test update.\n      ru: Тестовое обновление.\n"
    ) in text
    again = campaign_form(admin)
    assert again["updates-count"] == "1" and again["updates-0-url"] == "https://example.org/news/5"
    again["updates-0-remove"] = "1"
    assert admin.post("/admin/campaign", data=again).status_code == 303
    assert saved_campaign(templates_dir).updates == ()


def test_an_update_without_a_source_or_with_a_bad_address_is_refused_at_its_field(admin):
    data = campaign_form(admin)
    data.update({"updates-0-date": "2013-09-05", "updates-0-text-en": "No source."})
    html = page(admin.post("/admin/campaign", data=data))
    assert "an update needs its source" in html.one(id="updates-0-source-error").text
    data.update({"updates-0-url": "www.example.org"})
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    error = page(response).one(id="updates-0-url-error").text
    assert "a web address starts with https://" in error
    assert page(response).one("input", id="updates-0-url").attrs["value"] == "www.example.org"


# --- an office: talking points and a pause ---------------------------------------------------


def office_form(admin, office_id: str) -> dict:
    """Everything the edit form of an office would post."""
    data, html = form_of(admin, f"/admin/recipients/{office_id}/edit")
    return {**data, **field_values(html)}


def test_the_office_form_shows_the_talking_points_and_offers_replacements(admin, site):
    pause_office(site, "kz-president")
    data = office_form(admin, "it-interior")
    assert data["talking_points_en"].count("\n") == 2  # three points, one a line
    assert data["talking_points_it"].startswith("Lo stesso Dipartimento")
    html = admin.get("/admin/recipients/it-interior/edit").get_data(as_text=True)
    select = re.search(r'<select id="replacement".*?</select>', html, re.S).group(0)
    offered = re.findall(r'<option value="([^"]*)"', select)
    assert "it-interior" not in offered and "kz-president" not in offered  # itself, a paused one
    assert "" in offered and "it-justice" in offered


def test_pause_an_office_with_a_replacement_then_take_it_back(admin, app, recipients_file):
    data = office_form(admin, "kz-nsc-atyrau")
    data.update(
        {
            "paused": "1",
            "pause_reason_en": "Test: letters to it came back.",
            "pause_reason_ru": "Тест: письма вернулись.",
            "replacement": "kz-general-prosecutor",
        }
    )
    response = admin.post("/admin/recipients/kz-nsc-atyrau/edit", data=data)
    assert response.status_code == 303
    office = directory.load(recipients_file).get("kz-nsc-atyrau")
    assert office.pause.replacement == "kz-general-prosecutor"
    assert office.pause.reason == {
        "en": "Test: letters to it came back.",
        "ru": "Тест: письма вернулись.",
    }
    assert (
        audit.recent_changes(app.extensions["campaign.site"].database)[0].office == "kz-nsc-atyrau"
    )
    table = page(admin.get("/admin/recipients"))
    assert (
        table.one(id="paused-kz-nsc-atyrau").text
        == "Paused: write to kz-general-prosecutor instead"
    )
    form = page(admin.get("/admin/recipients/kz-nsc-atyrau/edit"))
    assert "checked" in form.one("input", id="paused").attrs
    supporter = page(app.test_client().get("/write"))
    assert "disabled" in supporter.one("input", id="office-kz-nsc-atyrau").attrs
    data = office_form(admin, "kz-nsc-atyrau")  # the box unticked: not sent
    assert admin.post("/admin/recipients/kz-nsc-atyrau/edit", data=data).status_code == 303
    assert directory.load(recipients_file).get("kz-nsc-atyrau").pause is None
    assert "paused:" not in recipients_file.read_text(encoding="utf-8")


def test_a_bad_pause_is_refused_next_to_its_fields(admin, site, recipients_file):
    pause_office(site, "kz-president")
    before = recipients_file.read_bytes()
    data = office_form(admin, "kz-nsc-atyrau")
    data.update({"paused": "1", "pause_reason_it": "Solo italiano.", "replacement": "kz-president"})
    response = admin.post("/admin/recipients/kz-nsc-atyrau/edit", data=data)
    assert response.status_code == 400
    html = page(response)
    assert "This is required: fill it in." in html.one(id="pause_reason_en-error").text
    assert "kz-president is paused itself" in html.one(id="replacement-error").text
    assert recipients_file.read_bytes() == before


def test_talking_points_are_saved_one_a_line_and_checked(admin, recipients_file):
    data = office_form(admin, "it-justice")
    data["talking_points_en"] = "Test point one.\n\n  Test point two.  \n"
    data["talking_points_it"] = ""
    data["talking_points_ru"] = ""
    assert admin.post("/admin/recipients/it-justice/edit", data=data).status_code == 303
    points = directory.load(recipients_file).get("it-justice").talking_points
    assert points == {"en": ("Test point one.", "Test point two.")}
    data = office_form(admin, "it-justice")
    data["talking_points_en"] = "x" * 301
    response = admin.post("/admin/recipients/it-justice/edit", data=data)
    assert response.status_code == 400
    assert "the limit is 300" in page(response).one(id="talking_points_en-error").text


# --- flags and the dashboard ------------------------------------------------------------------


def test_returned_letters_since_the_check_flag_the_office(app, admin):
    database = app.extensions["campaign.site"].database
    reports.record_many(database, [("it-interior", "post", "returned")], "2026-11-21")  # before
    html = page(admin.get("/admin/recipients"))
    assert not html.all(id="problems-it-interior")  # verified on 2026-11-22
    today = dt.datetime.now(dt.UTC).date().isoformat()
    reports.record_many(database, [("it-interior", "post", "returned")], "2099-01-01")
    reports.record_many(database, [("it-interior", "phone", "answered")], today)
    flag = page(admin.get("/admin/recipients")).one(id="problems-it-interior").text
    assert " ".join(flag.split()) == (
        "1 letter reported returned or bounced (by post: 1) since it was checked on "
        "2026-11-22. Check the address"
    )


def test_the_dashboard_shows_the_reports_and_their_csv(app, admin):
    database = app.extensions["campaign.site"].database
    assert page(admin.get("/admin/dashboard")).one(id="no-reports")
    reports.record_many(database, [("it-interior", "post", "returned")], "2026-11-21")
    reports.record_many(
        database,
        [("it-interior", "phone", "answered"), ("kz-president", "post", "no_answer")],
        "2026-11-22",
    )
    html = page(admin.get("/admin/dashboard"))
    assert html.one(id="reports-total").text == "3"
    text = admin.get("/admin/dashboard").get_data(as_text=True)
    cells = [re.sub(r"<[^>]+>", "|", row) for row in re.findall(r"<tr>(.*?)</tr>", text, re.S)]
    rows = [[cell for cell in row.split("|") if cell.strip()] for row in cells]
    assert ["it-interior", "1", "0", "0", "1"] in rows
    assert ["kz-president", "0", "1", "0", "0"] in rows
    assert ["by post", "1", "1", "0", "0"] in rows and ["by phone", "0", "0", "0", "1"] in rows
    assert '<td class="is-problem">1</td>' in text  # returned letters stand out
    response = admin.get("/admin/reports.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["office", "channel", "kind", "day", "reports"] and len(rows) == 4

"""The directory in the console: the table, the office form, conflicts, duplicate, delete, log."""

from __future__ import annotations

import pytest

from campaign import directory
from campaign.storage import audit
from tests.web.admin.helpers import field_values, form_of, sign_in
from tests.web.pages import page

COMMENT = '# The source lists "+7 7122 27-12-76" twice for this office; it is kept once.'


def office_form(client, office_id: str) -> tuple[dict, str]:
    """Everything the edit form of an office would post, as the browser shows it."""
    data, html = form_of(client, f"/admin/recipients/{office_id}/edit")
    return {**data, **field_values(html)}, html


def new_office(client, **changes) -> dict:
    """A valid new office: a copy of it-justice's fields under another id."""
    data, _ = office_form(client, "it-justice")
    fresh, _ = form_of(client, "/admin/recipients/new")
    office = {"id": "it-senate", "office": "Senate of Italy"}
    return {**data, "version": fresh["version"], **office, **changes}


def test_the_table_lists_every_office_with_its_channels(admin):
    response = admin.get("/admin/recipients")
    found = page(response)
    rows = found.all("tr", id="office-it-interior")
    assert rows and "by post" in rows[0].text and "No e-mail" in rows[0].text
    atyrau = found.one("tr", id="office-kz-nsc-atyrau")  # has an e-mail in the test copy
    assert "No e-mail" not in atyrau.text
    assert "8 of 8 offices shown" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("q=viminale", 0),  # the street is not searched, the city and names are
        ("q=ALFANO", 1),
        ("tag=italy", 3),
        ("country=KZ", 4),
        ("country=KZ&tag=government", 2),
        ("no_email=1", 6),
        ("q=" + "x" * 500, 0),
    ],
)
def test_search_and_filters_work_with_get_parameters(admin, query, shown):
    response = admin.get(f"/admin/recipients?{query}")
    assert response.status_code == 200
    assert f"{shown} of 8 offices shown" in response.get_data(as_text=True)


def test_the_edit_form_shows_every_field_and_the_address_as_it_prints(admin):
    data, _ = office_form(admin, "it-interior")
    assert data["office_local"] == "Ministero dell'Interno"
    assert data["phones"] == "+390636064651"
    assert data["tags"] == "italy, government"
    assert data["country"] == "IT" and data["language"] == "it"
    assert data["ask_ru"].startswith("обеспечить")
    printed = page(admin.get("/admin/recipients/it-interior/edit")).one("address")
    assert "00184 ROMA RM" in printed.text and "ITALY" in printed.text


def test_add_an_office(admin, recipients_file, instance, organiser, site):
    response = admin.post("/admin/recipients/new", data=new_office(admin))
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/recipients/it-senate/edit"
    saved = directory.load(recipients_file).get("it-senate")
    assert saved.office == "Senate of Italy"
    assert saved.phones[0].e164 == "+390668851"
    last = audit.recent_changes(site.database, 1)[0]
    assert (last.who, last.action, last.office) == (organiser, "add", "it-senate")
    listed = admin.get("/admin/recipients").get_data(as_text=True)
    assert "it-senate" in listed and organiser in listed  # the last changes, with who


def test_a_phone_typed_with_spaces_is_saved_in_e164(admin, recipients_file):
    data, _ = office_form(admin, "it-interior")
    data["phones"] = "+39 06 3606 4651\r\n+39 06 4651 0000"
    assert admin.post("/admin/recipients/it-interior/edit", data=data).status_code == 303
    text = recipients_file.read_text(encoding="utf-8")
    assert "+390646510000" in text and "+39 06 4651 0000" not in text


def test_a_hand_written_comment_survives_an_edit_in_the_console(admin, recipients_file):
    assert COMMENT in recipients_file.read_text(encoding="utf-8")
    data, _ = office_form(admin, "kz-nsc-atyrau")
    data["city"] = "Atyrau city"
    assert admin.post("/admin/recipients/kz-nsc-atyrau/edit", data=data).status_code == 303
    text = recipients_file.read_text(encoding="utf-8")
    assert COMMENT in text
    assert "city: Atyrau city" in text
    assert "# The source addresses this demand to the investigation section" in text


def test_an_invalid_field_is_shown_next_to_it_and_the_input_is_kept(admin, recipients_file):
    before = recipients_file.read_bytes()
    data, _ = office_form(admin, "it-interior")
    data.update(emails="minister@", person="Typed by me", email_note="")
    response = admin.post("/admin/recipients/it-interior/edit", data=data)
    assert response.status_code == 400
    found = page(response)
    error = found.one("p", id="emails-error")
    assert "not a valid e-mail address" in error.text
    assert found.one("textarea", id="emails").text == "minister@"
    assert found.one("input", id="person").attrs["value"] == "Typed by me"
    assert found.one("textarea", id="emails").attrs["aria-invalid"] == "true"
    assert recipients_file.read_bytes() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id", "Not A Slug", "is not a slug"),
        ("office", "", "required"),
        ("city", "", "required"),
        ("country", "XX", "country"),
        ("phones", "12", "phone"),
        ("salutation_it", "", "required"),
        ("verified", "2026-13-45", "not a date"),
    ],
)
def test_a_new_office_is_checked_like_campaign_check(admin, recipients_file, field, value, message):
    before = recipients_file.read_bytes()
    response = admin.post("/admin/recipients/new", data=new_office(admin, **{field: value}))
    assert response.status_code == 400
    errors = page(response).all("p", id=f"{field}-error")
    assert errors and message in errors[0].text.lower()
    assert recipients_file.read_bytes() == before


def test_a_duplicate_id_is_refused(admin, recipients_file):
    before = recipients_file.read_bytes()
    response = admin.post("/admin/recipients/new", data=new_office(admin, id="it-justice"))
    assert response.status_code == 400
    error = page(response).one("p", id="id-error")
    assert "already an office with the id 'it-justice'" in error.text
    assert recipients_file.read_bytes() == before


def test_renaming_to_an_existing_id_is_refused(admin):
    data, _ = office_form(admin, "it-interior")
    data["id"] = "it-justice"
    response = admin.post("/admin/recipients/it-interior/edit", data=data)
    assert response.status_code == 400
    assert page(response).one("p", id="id-error")


@pytest.mark.parametrize(("field", "limit"), [("id", 64), ("office", 200), ("ask_en", 2000)])
def test_over_long_input_is_refused(admin, recipients_file, field, limit):
    before = recipients_file.read_bytes()
    data, _ = office_form(admin, "it-interior")
    data[field] = "a" * (limit + 1)
    response = admin.post("/admin/recipients/it-interior/edit", data=data)
    assert response.status_code == 400
    error = page(response).one("p", id=f"{field}-error")
    assert f"shorten this to {limit} characters" in error.text
    assert recipients_file.read_bytes() == before


def test_a_conflict_names_the_change_and_keeps_the_input(app, admin, recipients_file, organiser):
    mine, _ = office_form(admin, "it-interior")  # opened by me ...
    other = app.test_client()  # ... and by another organiser, who saves first
    sign_in(other)
    theirs, _ = office_form(other, "it-interior")
    theirs["person"] = "Matteo Piantedosi"
    theirs["title"] = "Minister of the Interior"
    assert other.post("/admin/recipients/it-interior/edit", data=theirs).status_code == 303

    mine["title"] = "My new title"  # the title: changed by both, so a conflict
    mine["phones"] = "+39 06 4651 1111"
    response = admin.post("/admin/recipients/it-interior/edit", data=mine)
    assert response.status_code == 409
    found = page(response)
    conflict = found.one("div", id="conflict").text
    assert "it-interior.title was changed by someone else" in conflict
    assert "you changed it too" in conflict
    assert "it-interior.person was changed by someone else" in conflict
    assert "Angelino Alfano → Matteo Piantedosi" in conflict
    assert found.one("input", id="title").attrs["value"] == "My new title"
    assert found.one("textarea", id="phones").text == "+39 06 4651 1111"
    # The field I did not touch now shows their value, with a note: saving again keeps both.
    assert found.one("input", id="person").attrs["value"] == "Matteo Piantedosi"
    assert "Someone else changed this" in found.one("p", id="person-note").text
    saved = directory.load(recipients_file).get("it-interior")
    assert saved.person == "Matteo Piantedosi" and saved.title == "Minister of the Interior"
    again = {**field_values(response.get_data(as_text=True)), "csrf_token": mine["csrf_token"]}
    again["version"] = found.one("input", name="version").attrs["value"]
    assert admin.post("/admin/recipients/it-interior/edit", data=again).status_code == 303
    saved = directory.load(recipients_file).get("it-interior")
    assert (saved.person, saved.title) == ("Matteo Piantedosi", "My new title")
    assert saved.phones[0].e164 == "+390646511111"


def test_different_fields_of_one_office_saved_by_two_organisers_are_merged(
    app, admin, recipients_file, organiser
):
    mine, _ = office_form(admin, "it-interior")
    other = app.test_client()
    sign_in(other)
    theirs, _ = office_form(other, "it-interior")
    theirs["person"] = "Matteo Piantedosi"
    assert other.post("/admin/recipients/it-interior/edit", data=theirs).status_code == 303
    mine["title"] = "My new title"  # my form still holds the old person: not written back
    assert admin.post("/admin/recipients/it-interior/edit", data=mine).status_code == 303
    saved = directory.load(recipients_file).get("it-interior")
    assert (saved.person, saved.title) == ("Matteo Piantedosi", "My new title")


def test_a_field_both_organisers_changed_keeps_mine_and_says_so(app, admin, organiser):
    mine, _ = office_form(admin, "it-interior")
    other = app.test_client()
    sign_in(other)
    theirs, _ = office_form(other, "it-interior")
    theirs["city"] = "Rome"
    assert other.post("/admin/recipients/it-interior/edit", data=theirs).status_code == 303
    mine["city"] = "Roma Capitale"
    found = page(admin.post("/admin/recipients/it-interior/edit", data=mine))
    assert found.one("input", id="city").attrs["value"] == "Roma Capitale"
    assert "changed this too, to “Rome”" in found.one("p", id="city-note").text


def test_duplicate_an_office(admin, recipients_file):
    data, html = form_of(admin, "/admin/recipients/kz-president/duplicate")
    assert 'value="kz-president-copy"' in html
    response = admin.post(
        "/admin/recipients/kz-president/duplicate", data={**data, "new_id": "kz-senate"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/recipients/kz-senate/edit"
    loaded = directory.load(recipients_file)
    assert loaded.ids.index("kz-senate") == loaded.ids.index("kz-president") + 1
    assert loaded.get("kz-senate").person == "Nursultan Nazarbayev"


def test_duplicate_under_a_taken_id_is_refused(admin):
    data, _ = form_of(admin, "/admin/recipients/kz-president/duplicate")
    response = admin.post(
        "/admin/recipients/kz-president/duplicate", data={**data, "new_id": "it-justice"}
    )
    assert response.status_code == 400
    assert "already an office" in response.get_data(as_text=True)


def test_delete_asks_first_then_deletes(admin, recipients_file, instance, site):
    confirm = admin.get("/admin/recipients/it-justice/delete")
    assert "Yes, delete it-justice" in confirm.get_data(as_text=True)
    assert "it-justice" in directory.load(recipients_file).ids  # nothing happened yet
    data, _ = form_of(admin, "/admin/recipients/it-justice/delete")
    response = admin.post("/admin/recipients/it-justice/delete", data=data)
    assert response.status_code == 303
    assert "it-justice" not in directory.load(recipients_file).ids
    assert audit.recent_changes(site.database, 1)[0].action == "delete"
    assert "it-justice was deleted" in admin.get("/admin/recipients").get_data(as_text=True)


def test_delete_of_an_office_changed_meanwhile_is_a_conflict(admin, recipients_file):
    data, _ = form_of(admin, "/admin/recipients/it-justice/delete")
    other, _ = office_form(admin, "it-justice")
    other["person"] = "Anna Maria Cancellieri"
    assert admin.post("/admin/recipients/it-justice/edit", data=other).status_code == 303
    response = admin.post("/admin/recipients/it-justice/delete", data=data)
    assert response.status_code == 400
    assert "it-justice.person was changed" in response.get_data(as_text=True)
    assert "it-justice" in directory.load(recipients_file).ids


def test_delete_after_a_change_of_another_office_is_merged(admin, recipients_file):
    data, _ = form_of(admin, "/admin/recipients/it-justice/delete")
    other, _ = office_form(admin, "kz-president")
    other["person"] = "Kassym-Jomart Tokayev"
    assert admin.post("/admin/recipients/kz-president/edit", data=other).status_code == 303
    assert admin.post("/admin/recipients/it-justice/delete", data=data).status_code == 303
    saved = directory.load(recipients_file)
    assert "it-justice" not in saved.ids
    assert saved.get("kz-president").person == "Kassym-Jomart Tokayev"


@pytest.mark.parametrize("action", ["edit", "duplicate", "delete"])
def test_an_unknown_office_is_not_found(admin, action):
    assert admin.get(f"/admin/recipients/no-such-office/{action}").status_code == 404


def test_a_directory_broken_by_hand_is_explained_not_a_traceback(admin, recipients_file):
    recipients_file.write_text("recipients:\n  - id: Bad Id\n", encoding="utf-8")
    response = admin.get("/admin/recipients")
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "is not a slug" in text
    assert "Traceback" not in text

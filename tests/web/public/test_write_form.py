"""GET and POST /write: the form, its limits, and errors next to their fields."""

from __future__ import annotations

from campaign.letters.senders import LIMITS
from tests.web.pages import OFFICE_IDS, SENDER, page, write_data


def test_form_has_labelled_fields_with_limits(client):
    html = page(client.get("/write"))
    for name in ("name", "street", "postcode", "city", "email"):
        field = html.one("input", name=name)
        assert field.attrs["maxlength"] == str(LIMITS[name])
        assert html.one("label", for_=field.attrs["id"])
        hint = html.one(id=f"{name}-hint")
        assert f"Up to {LIMITS[name]} characters." in hint.text
        assert f"{name}-hint" in field.attrs["aria-describedby"]
    note = html.one("textarea", name="note")
    assert note.attrs["maxlength"] == str(LIMITS["note"])
    assert "who you are and why you care" in html.one(id="note-hint").text.lower()
    assert html.one("input", name="csrf_token").attrs["value"]


def test_every_office_is_checked_by_default(client):
    html = page(client.get("/write"))
    boxes = html.all("input", name="offices")
    assert [box.attrs["value"] for box in boxes] == list(OFFICE_IDS)
    assert all("checked" in box.attrs for box in boxes)
    assert html.one("input", name="language", value="auto").attrs.get("checked") == ""


def test_country_list_is_in_the_interface_language(client):
    english = page(client.get("/write")).one("option", value="IT").text
    italian = page(client.get("/write?lang=it")).one("option", value="IT").text
    russian = page(client.get("/write?lang=ru")).one("option", value="DE").text
    assert (english, italian, russian) == ("Italy", "Italia", "Германия")


def test_missing_name_is_shown_next_to_the_field_and_input_is_kept(client):
    data = write_data(client, name="", note="My own words", offices=["it-justice", "kz-president"])
    response = client.post("/write", data=data)
    assert response.status_code == 400
    html = page(response)
    error = html.one(id="name-error")
    assert "Please enter your name" in error.text
    assert "name-error" in html.one("input", name="name").attrs["aria-describedby"]
    assert html.one("input", name="name").attrs["aria-invalid"] == "true"
    assert html.one("a", href="#name")  # the summary at the top links to the field
    assert html.one("input", name="street").attrs["value"] == SENDER["street"]
    assert html.one("textarea", name="note").text == "My own words"
    assert html.one("option", value="IT").attrs.get("selected") == ""
    checked = [
        box.attrs["value"] for box in html.all("input", name="offices") if "checked" in box.attrs
    ]
    assert checked == ["it-justice", "kz-president"]


def test_invalid_email_is_reported_on_the_email_field(client):
    response = client.post("/write", data=write_data(client, email="maria@"))
    assert response.status_code == 400
    html = page(response)
    assert "not a valid e-mail address" in html.one(id="email-error").text
    assert html.one("input", name="email").attrs["value"] == "maria@"
    assert not html.all(id="name-error")


def test_field_over_its_limit_is_an_error_not_a_crash(client):
    response = client.post("/write", data=write_data(client, city="x" * (LIMITS["city"] + 1)))
    assert response.status_code == 400
    assert "shorten this to 80 characters" in page(response).one(id="city-error").text


def test_note_over_its_limit_is_an_error(client):
    response = client.post("/write", data=write_data(client, note="y" * 1501))
    assert response.status_code == 400
    assert "1500" in page(response).one(id="note-error").text


def test_no_office_chosen_is_an_error(client):
    data = write_data(client)
    del data["offices"]
    response = client.post("/write", data=data)
    assert response.status_code == 400
    assert "at least one office" in page(response).one(id="offices-error").text


def test_unknown_office_or_language_is_refused(client):
    response = client.post("/write", data=write_data(client, offices=["it-interior", "nowhere"]))
    assert response.status_code == 400
    response = client.post("/write", data=write_data(client, language="fr"))
    assert response.status_code == 400
    assert page(response).all(id="language-error")


def test_email_is_normalised(client):
    response = client.post("/write", data=write_data(client, email="Maria@EXAMPLE.org"))
    assert response.status_code == 200
    html = page(response)
    assert html.one("input", type="hidden", name="email").attrs["value"] == "Maria@EXAMPLE.org"
    signature = html.all("div", class_="signature")[0].text
    assert "Maria@example.org" in signature


def test_switching_language_keeps_what_was_typed(client):
    data = write_data(client, relang="1", note="Keep me")
    response = client.post("/write?lang=it", data=data)
    assert response.status_code == 200
    html = page(response)
    assert html.one("html").attrs["lang"] == "it"
    assert html.one("textarea", name="note").text == "Keep me"
    assert html.one("input", name="name").attrs["value"] == SENDER["name"]

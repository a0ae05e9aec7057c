"""The console edits what each office learns: an office's rule and safety note, the campaign's
default rule and the organisation's return address, through the one pipeline and rulebook, with
every refusal next to its field."""

from __future__ import annotations

import io
import re

import pdfplumber

from campaign import directory
from campaign.letters.campaign_file import parse_campaign
from tests.builders import ORGANISATION
from tests.web.admin.test_campaign import campaign_form
from tests.web.admin.test_recipients import office_form
from tests.web.pages import Page, page, write_data

EDIT = "/admin/recipients/{}/edit"


def campaign_of(templates_dir):
    """The campaign as campaign.yaml says now."""
    return parse_campaign((templates_dir / "campaign.yaml").read_bytes())


def organisation_fields(**changes) -> dict[str, str]:
    """The campaign form's fields of the test organisation's return address."""
    address = ORGANISATION["address"]
    fields = {
        "organisation-name": ORGANISATION["name"],
        "organisation-lines": "\n".join(address["lines"]),
        "organisation-postcode": address["postcode"],
        "organisation-city": address["city"],
        "organisation-region": "",
        "organisation-country": address["country"],
    }
    return {**fields, **changes}


# --- an office ---------------------------------------------------------------------------------


def test_the_office_form_shows_the_rule_and_the_safety_note(admin):
    data, _ = office_form(admin, "kz-president")
    assert data["disclosure"] == "name"
    assert data["safety_note_en"].startswith("This office belongs to the Kazakh state")
    assert data["safety_note_ru"].startswith("Это ведомство")
    html = admin.get(EDIT.format("kz-president")).get_data(as_text=True)
    select = re.search(r'<select[^>]*name="disclosure".*?</select>', html, re.DOTALL)
    assert select is not None
    options = Page(select.group(0)).all("option")  # not the replacement's, also valued ""
    labels = {o.attrs["value"]: o.text for o in options if o.attrs["value"] in ("", "city")}
    assert labels == {
        "": "The campaign's default: Name only",
        "city": "City: name, town and country",
    }
    assert office_form(admin, "it-interior")[0]["disclosure"] == "full"


def test_change_an_offices_rule_and_note_keeping_the_comments(admin, recipients_file):
    data, _ = office_form(admin, "kz-president")
    data.update(
        disclosure="city", safety_note_it="", safety_note_ru="", safety_note_en="Be careful."
    )
    response = admin.post(EDIT.format("kz-president"), data=data)
    assert response.status_code == 303, [e.text for e in page(response).all("li")][-5:]
    office = directory.load(recipients_file).get("kz-president")
    assert (office.disclosure, dict(office.safety_note)) == ("city", {"en": "Be careful."})
    text = recipients_file.read_text(encoding="utf-8")
    assert (
        "    disclosure: city  # the Kazakh state: the name only (see the comment at the top)"
        in text
    )
    assert "# Disclosure. The Kazakh offices" in text


def test_the_campaigns_default_is_chosen_with_the_empty_choice(admin, recipients_file):
    data, _ = office_form(admin, "it-justice")
    response = admin.post(EDIT.format("it-justice"), data={**data, "disclosure": ""})
    assert response.status_code == 303
    assert directory.load(recipients_file).get("it-justice").disclosure == ""
    preview = admin.post("/write", data=write_data(admin, offices=["it-justice"]))
    signature = page(preview).all("div", class_="signature")[0].text
    assert signature == "Maria Rossi"  # the campaign's default: the name only


def test_a_rule_that_is_no_rule_is_refused_next_to_its_field(admin, recipients_file):
    before = recipients_file.read_bytes()
    data, _ = office_form(admin, "it-justice")
    response = admin.post(EDIT.format("it-justice"), data={**data, "disclosure": "nam"})
    assert response.status_code == 400
    error = page(response).one("p", id="disclosure-error").text
    assert '"nam" is not a disclosure rule (did you mean "name"?)' in error
    assert recipients_file.read_bytes() == before


def test_organisation_without_the_organisations_address_is_refused_next_to_the_rule(
    admin, recipients_file
):
    before = recipients_file.read_bytes()
    data, _ = office_form(admin, "kz-president")
    response = admin.post(EDIT.format("kz-president"), data={**data, "disclosure": "organisation"})
    assert response.status_code == 400
    error = page(response).one("p", id="disclosure-error").text
    assert "campaign.yaml has none: add an `organisation:` block there" in error
    assert page(response).one("select", id="disclosure").attrs["aria-invalid"] == "true"
    assert recipients_file.read_bytes() == before


def test_a_safety_note_without_english_is_refused_next_to_the_english_field(admin):
    data, _ = office_form(admin, "kz-president")
    data.update(safety_note_en="", safety_note_it="Solo in italiano.")
    response = admin.post(EDIT.format("kz-president"), data=data)
    assert response.status_code == 400
    assert "required" in page(response).one("p", id="safety_note_en-error").text.lower()
    assert page(response).one("textarea", id="safety_note_it").text == "Solo in italiano."


def test_a_new_office_gets_the_campaigns_default(admin, recipients_file):
    data, _ = office_form(admin, "it-justice")
    fresh = page(admin.get("/admin/recipients/new")).one("input", name="version").attrs["value"]
    new = {**data, "version": fresh, "id": "it-senate", "office": "Senate of Italy"}
    response = admin.post("/admin/recipients/new", data={**new, "disclosure": ""})
    assert response.status_code == 303
    text = recipients_file.read_text(encoding="utf-8")
    entry = text[text.index("  - id: it-senate") :]
    assert "disclosure" not in entry and "safety_note" not in entry  # nothing to say: left out


# --- the campaign ------------------------------------------------------------------------------


def test_the_campaign_form_shows_the_default_and_an_empty_organisation(admin):
    data = campaign_form(admin)
    assert data["disclosure"] == "name"
    assert data["organisation-name"] == data["organisation-lines"] == ""
    choices = [o.attrs["value"] for o in page(admin.get("/admin/campaign")).all("option")]
    assert {"full", "city", "name", "organisation"} <= set(choices)


def test_set_the_organisation_then_an_office_prints_its_address(admin, templates_dir):
    response = admin.post("/admin/campaign", data={**campaign_form(admin), **organisation_fields()})
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    organisation = campaign_of(templates_dir).organisation
    assert organisation.name == "Example Rights Foundation"
    assert (organisation.address.lines, organisation.address.country) == (("ul. Testowa 5",), "PL")
    text = (templates_dir / "campaign.yaml").read_text(encoding="utf-8")
    assert "\norganisation:\n  name: Example Rights Foundation\n  address:\n" in text
    assert "# None is given here: no source document" in text  # the comments stay

    data, _ = office_form(admin, "kz-president")
    response = admin.post(EDIT.format("kz-president"), data={**data, "disclosure": "organisation"})
    assert response.status_code == 303
    letter = admin.post(
        "/letters/kz-president.pdf", data=write_data(admin, offices=["kz-president"])
    )
    with pdfplumber.open(io.BytesIO(letter.data)) as document:
        text = document.pages[0].extract_text()
    assert "Example Rights Foundation" in text and "ul. Testowa 5" in text
    assert "Via Roma 1" not in text and "maria@example.org" not in text and "Milano" not in text


def test_the_organisation_an_office_needs_cannot_be_removed(admin, templates_dir):
    admin.post("/admin/campaign", data={**campaign_form(admin), **organisation_fields()})
    data, _ = office_form(admin, "kz-president")
    admin.post(EDIT.format("kz-president"), data={**data, "disclosure": "organisation"})
    before = (templates_dir / "campaign.yaml").read_bytes()
    emptied = dict.fromkeys(organisation_fields(), "")
    response = admin.post("/admin/campaign", data={**campaign_form(admin), **emptied})
    assert response.status_code == 400
    error = page(response).one("p", id="organisation-name-error").text
    assert "campaign.yaml has none" in error  # said of the office that needs it
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_a_default_of_organisation_without_the_address_is_refused_next_to_the_default(admin):
    response = admin.post(
        "/admin/campaign", data={**campaign_form(admin), "disclosure": "organisation"}
    )
    assert response.status_code == 400
    error = page(response).one("p", id="disclosure-error").text
    assert "add an `organisation:` block with its name and address" in error


def test_an_organisation_address_is_checked_like_an_offices(admin, templates_dir):
    before = (templates_dir / "campaign.yaml").read_bytes()
    fields = organisation_fields(**{"organisation-city": "", "organisation-country": "XX"})
    response = admin.post("/admin/campaign", data={**campaign_form(admin), **fields})
    assert response.status_code == 400
    found = page(response)
    assert "city" in found.one("p", id="organisation-city-error").text
    assert "not an ISO 3166-1 country code" in found.one("p", id="organisation-country-error").text
    assert found.one("input", id="organisation-name").attrs["value"] == "Example Rights Foundation"
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_change_the_default(admin, templates_dir):
    response = admin.post("/admin/campaign", data={**campaign_form(admin), "disclosure": "city"})
    assert response.status_code == 303
    assert campaign_of(templates_dir).disclosure == "city"
    assert "\ndisclosure: city\n" in (templates_dir / "campaign.yaml").read_text(encoding="utf-8")


def test_a_form_without_the_default_leaves_it_as_it_is(admin, templates_dir):
    data = campaign_form(admin)
    del data["disclosure"]
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code in (303, 400)
    assert campaign_of(templates_dir).disclosure == "name"

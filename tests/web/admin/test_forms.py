"""The console's forms: sizes from campaign.limits, refusals beside the field with the input
kept, line ends as LF, at most CAMPAIGN_ITEMS rows read, and no POST without its CSRF token."""

from __future__ import annotations

import io

import pytest

from campaign import directory
from campaign.limits import CAMPAIGN, CAMPAIGN_ITEMS, OFFICE, OFFICE_ITEMS, SUBJECT, TEMPLATE_SOURCE
from campaign.storage import organisers
from tests.builders import ROOT
from tests.web.admin.helpers import PASSPHRASE, form_of, hidden, sign_in, token_of
from tests.web.admin.test_campaign import campaign_form, loaded
from tests.web.admin.test_recipients import office_form
from tests.web.admin.test_transfer import as_csv, exported_rows
from tests.web.pages import Page, page

WRONG = "The name or the password is not right."
# The office form's lists, one item a line (a phone may be "as written: <digits>").
ADDRESS_LINES = OFFICE_ITEMS["address.lines"] * (OFFICE["address.lines"] + 1)
PHONES = OFFICE_ITEMS["phones"] * (len("as written: ") + OFFICE["phone"] + 1)
EMAILS = OFFICE_ITEMS["emails"] * (OFFICE["email"] + 1)
TAGS = OFFICE_ITEMS["tags"] * (OFFICE["tag"] + len(", "))


def assert_refused_beside(response, tag: str, name: str, limit: int) -> Page:
    """400, the length message beside the field, the field marked invalid."""
    assert response.status_code == 400
    found = page(response)
    assert f"shorten this to {limit} characters" in found.one("p", id=f"{name}-error").text
    assert found.one(tag, id=name).attrs["aria-invalid"] == "true"
    return found


def asks_form(client, language: str = "en") -> dict:
    """Everything the asks form of a language would post."""
    data, html = form_of(client, f"/admin/letters/{language}/asks")
    return {**data, **{e.attrs["name"]: e.text for e in Page(html).all("textarea")}}


# --- the sizes come from campaign.limits ---------------------------------------------------


def test_the_office_form_states_the_limits_of_campaign_limits(admin):
    found = page(admin.get("/admin/recipients/it-interior/edit"))
    expected = {
        ("input", "id"): OFFICE["id"],
        ("input", "city"): OFFICE["city"],
        ("input", "salutation_ru"): OFFICE["salutation"],
        ("textarea", "ask_it"): OFFICE["ask"],
        ("textarea", "address_lines"): ADDRESS_LINES,
        ("textarea", "phones"): PHONES,
        ("textarea", "faxes"): PHONES,
        ("textarea", "emails"): EMAILS,
        ("input", "tags"): TAGS,
        ("input", "verified"): OFFICE["verified"],
    }
    for (tag, name), limit in expected.items():
        assert found.one(tag, id=name).attrs["maxlength"] == str(limit), name
        if name != "verified":  # a date says no number of characters
            assert f"Up to {limit} characters." in found.one("p", id=f"{name}-hint").text


def test_the_other_forms_state_the_limits_of_campaign_limits(admin):
    campaign = page(admin.get("/admin/campaign"))
    assert campaign.one("input", id="title-it").attrs["maxlength"] == str(CAMPAIGN["title"])
    text = campaign.one("textarea", id="quotes-1-text")
    assert text.attrs["maxlength"] == str(CAMPAIGN["quote.text"])
    subjects = page(admin.get("/admin/letters/en/subjects")).one("textarea", id="subjects")
    assert subjects.attrs["maxlength"] == str(CAMPAIGN_ITEMS["subjects"] * (SUBJECT + 1))
    ask = page(admin.get("/admin/letters/en/asks")).one("textarea", id="ask-it-justice")
    assert ask.attrs["maxlength"] == str(OFFICE["ask"])
    source = page(admin.get("/admin/letters/it")).one("textarea", id="source")
    assert source.attrs["maxlength"] == str(TEMPLATE_SOURCE)
    copy = page(admin.get("/admin/recipients/it-justice/duplicate")).one("input", id="new_id")
    assert copy.attrs["maxlength"] == str(OFFICE["id"])


@pytest.mark.parametrize("office_id", directory.load(ROOT / "recipients.yaml").ids)
def test_every_bundled_office_saves_unchanged_within_the_limits(admin, office_id):
    data, _ = office_form(admin, office_id)
    response = admin.post(f"/admin/recipients/{office_id}/edit", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


# --- over-long input: refused beside its field, the input kept -------------------------------


@pytest.mark.parametrize(
    ("tag", "name", "limit"),
    [
        ("textarea", "phones", PHONES),
        ("textarea", "address_lines", ADDRESS_LINES),
        ("textarea", "emails", EMAILS),
        ("input", "city", OFFICE["city"]),
        ("input", "salutation_it", OFFICE["salutation"]),
        ("input", "tags", TAGS),
    ],
)
def test_the_office_form_refuses_over_long_input(admin, recipients_file, tag, name, limit):
    before = recipients_file.read_bytes()
    data, _ = office_form(admin, "it-interior")
    data[name] = "9" * (limit + 1)
    data["person"] = "Kept as typed"
    found = assert_refused_beside(
        admin.post("/admin/recipients/it-interior/edit", data=data), tag, name, limit
    )
    shown = found.one(tag, id=name)
    assert (shown.text if tag == "textarea" else shown.attrs["value"]) == "9" * (limit + 1)
    assert found.one("input", id="person").attrs["value"] == "Kept as typed"
    assert "shorten" in found.one("a", href=f"#{name}").text  # the summary leads to the field
    assert recipients_file.read_bytes() == before


def test_a_new_office_over_long_is_refused_with_the_input_kept(admin, recipients_file):
    before = recipients_file.read_bytes()
    data, _ = form_of(admin, "/admin/recipients/new")
    data.update(id="it-senate", office="o" * (OFFICE["office"] + 1), city="Roma")
    found = assert_refused_beside(
        admin.post("/admin/recipients/new", data=data), "input", "office", OFFICE["office"]
    )
    assert found.one("input", id="id").attrs["value"] == "it-senate"
    assert found.one("input", id="city").attrs["value"] == "Roma"
    assert recipients_file.read_bytes() == before


def test_the_id_of_a_copy_over_long_is_refused(admin, recipients_file):
    before = recipients_file.read_bytes()
    data, _ = form_of(admin, "/admin/recipients/kz-president/duplicate")
    long_id = "k" * (OFFICE["id"] + 1)
    response = admin.post(
        "/admin/recipients/kz-president/duplicate", data={**data, "new_id": long_id}
    )
    found = assert_refused_beside(response, "input", "new_id", OFFICE["id"])
    assert found.one("input", id="new_id").attrs["value"] == long_id
    assert recipients_file.read_bytes() == before


def test_a_taken_id_of_a_copy_is_said_beside_the_field(admin):
    data, _ = form_of(admin, "/admin/recipients/kz-president/duplicate")
    response = admin.post(
        "/admin/recipients/kz-president/duplicate", data={**data, "new_id": "it-justice"}
    )
    assert response.status_code == 400
    assert "already an office" in page(response).one("p", id="new_id-error").text


@pytest.mark.parametrize(
    ("tag", "name", "limit"),
    [
        ("textarea", "summary-ru", CAMPAIGN["summary"]),
        ("textarea", "chronology-2-text-it", CAMPAIGN["event.text"]),
        ("input", "quotes-1-speaker", CAMPAIGN["quote.speaker"]),
        ("input", "chronology-10-date", CAMPAIGN["event.date"]),  # the empty row
    ],
)
def test_the_campaign_form_refuses_over_long_input(admin, templates_dir, tag, name, limit):
    before = (templates_dir / "campaign.yaml").read_bytes()
    data = campaign_form(admin)
    data[name] = "x" * (limit + 1)
    data["title-it"] = "Il mio titolo"
    found = assert_refused_beside(admin.post("/admin/campaign", data=data), tag, name, limit)
    shown = found.one(tag, id=name)
    assert (shown.text if tag == "textarea" else shown.attrs["value"]) == "x" * (limit + 1)
    assert found.one("input", id="title-it").attrs["value"] == "Il mio titolo"
    if name.startswith(("chronology", "quotes")):  # only the item with the error is open
        items = [d for d in found.all("details") if d.attrs["class"].startswith("item")]
        opened = [item for item in items if "open" in item.attrs]
        assert len(opened) == 1 and "Please shorten this" in opened[0].text
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_the_campaign_form_reads_at_most_campaign_items_rows(admin):
    data = campaign_form(admin)
    for index in range(11, CAMPAIGN_ITEMS["chronology"] + 50):
        data[f"chronology-{index}-date"] = "2013-09-01"
    data["chronology-count"] = "99999"
    data["title-en"] = "t" * (CAMPAIGN["title"] + 1)  # refused, so the page shows what was read
    response = admin.post("/admin/campaign", data=data)
    assert response.status_code == 400
    found = page(response)
    rows = [e for e in found.all("input", type="date") if e.attrs["id"].startswith("chronology-")]
    assert len(rows) == CAMPAIGN_ITEMS["chronology"] + 1  # every item there may be, and one more
    assert found.one("input", name="chronology-count").attrs["value"] == str(
        CAMPAIGN_ITEMS["chronology"]
    )


def test_over_long_subjects_are_refused_with_the_text_kept(admin, templates_dir):
    before = (templates_dir / "campaign.yaml").read_bytes()
    limit = CAMPAIGN_ITEMS["subjects"] * (SUBJECT + 1)
    data, _ = form_of(admin, "/admin/letters/en/subjects")
    typed = ("A subject of the right size\n" * 200)[: limit + 1]
    response = admin.post("/admin/letters/en/subjects", data={**data, "subjects": typed})
    found = assert_refused_beside(response, "textarea", "subjects", limit)
    assert found.one("textarea", id="subjects").text.strip("\n") == typed.strip("\n")
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_an_over_long_ask_is_refused_beside_its_office(admin, recipients_file):
    before = recipients_file.read_bytes()
    data = asks_form(admin)
    data["ask-it-justice"] = "a" * (OFFICE["ask"] + 1)
    data["ask-kz-president"] = "free Alma Shalabayeva"
    response = admin.post("/admin/letters/en/asks", data=data)
    found = assert_refused_beside(response, "textarea", "ask-it-justice", OFFICE["ask"])
    assert found.one("textarea", id="ask-it-justice").text == "a" * (OFFICE["ask"] + 1)
    assert found.one("textarea", id="ask-kz-president").text == "free Alma Shalabayeva"
    assert "it-justice" in found.one("div", id="problems").text
    assert recipients_file.read_bytes() == before


def test_an_over_long_letter_is_refused_by_the_preview_too(admin):
    data, _ = form_of(admin, "/admin/letters/en")
    source = "x" * (TEMPLATE_SOURCE + 1)
    answer = admin.post("/admin/letters/en/preview", data={**data, "source": source})
    assert answer.status_code == 400
    assert f"shorten this to {TEMPLATE_SOURCE} characters" in answer.get_json()["error"][0]
    shown = admin.post("/admin/letters/en", data={**data, "source": source, "action": "preview"})
    found = assert_refused_beside(shown, "textarea", "source", TEMPLATE_SOURCE)
    assert found.one("textarea", id="source").text.strip("\n") == source


def test_an_over_long_sign_in_name_is_refused_beside_it_and_kept(client, organiser):
    name = "m" * 65
    response = sign_in(client, name=name)
    assert response.status_code == 400
    found = page(response)
    assert WRONG in found.one("div", id="sign-in-error").text
    assert "shorten this to 64 characters" in found.one("p", id="name-error").text
    assert found.one("input", id="name").attrs["value"] == name
    assert found.one("input", id="password").attrs.get("value") is None  # never sent back


def test_an_over_long_password_is_refused_beside_it(client, organiser):
    response = sign_in(client, password="p" * (organisers.MAX_LENGTH + 1))
    assert response.status_code == 400
    found = page(response)
    limit = organisers.MAX_LENGTH
    assert f"shorten this to {limit} characters" in found.one("p", id="password-error").text
    assert found.one("input", id="name").attrs["value"] == "maria.rossi"
    assert client.get("/admin/dashboard").status_code == 303


def test_an_oversized_upload_is_refused_beside_the_field(admin):
    token, _ = form_of(admin, "/admin/import")
    big = as_csv(exported_rows(admin)) + b"x" * 200_000
    response = admin.post(
        "/admin/import",
        data={**token, "csv": (io.BytesIO(big), "big.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    found = page(response)
    assert "larger than 150 KB" in found.one("p", id="csv-error").text
    assert found.one("input", id="csv").attrs["aria-invalid"] == "true"


# --- line ends ----------------------------------------------------------------------------


def test_line_ends_are_saved_as_lf(admin, templates_dir, recipients_file):
    data = campaign_form(admin)
    data["background-it"] = "Primo paragrafo.\r\n\r\nSecondo paragrafo."
    assert admin.post("/admin/campaign", data=data).status_code == 303
    assert loaded(templates_dir).background["it"] == "Primo paragrafo.\n\nSecondo paragrafo."
    office, _ = office_form(admin, "it-justice")
    office["address_lines"] = "Via Arenula 70\r\nPiano 2"
    assert admin.post("/admin/recipients/it-justice/edit", data=office).status_code == 303
    saved = directory.load(recipients_file).get("it-justice").address.lines
    assert list(saved) == ["Via Arenula 70", "Piano 2"]
    assert "\r" not in recipients_file.read_text(encoding="utf-8")


# --- CSRF: every console form, posted whole, is refused without its token ---------------------


def office_post(admin) -> dict:
    return office_form(admin, "it-interior")[0]


def campaign_post(admin) -> dict:
    return campaign_form(admin)


def letter_post(admin) -> dict:
    data, html = form_of(admin, "/admin/letters/en")
    return {**data, "source": Page(html).one("textarea", id="source").text, "action": "save"}


def confirm_post(admin) -> dict:
    token, _ = form_of(admin, "/admin/import")
    rows = exported_rows(admin)
    rows[0]["person"] = "Matteo Piantedosi"
    preview = admin.post(
        "/admin/import",
        data={**token, "csv": (io.BytesIO(as_csv(rows)), "offices.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    return {name: hidden(preview, name) for name in ("name", "version", "blob", "signed")}


def restore_post(admin) -> dict:
    html = admin.get("/admin/letters/en").get_data(as_text=True)
    version_id = Page(html).all("input", name="version_id")[-1].attrs["value"]
    return {"version_id": version_id, "expected": hidden(html, "expected"), "back": "/admin/"}


FORMS = {
    "/admin/recipients/new": lambda admin: {**office_post(admin), "id": "it-senate"},
    "/admin/recipients/it-interior/edit": office_post,
    "/admin/recipients/it-interior/duplicate": lambda admin: {
        **form_of(admin, "/admin/recipients/it-interior/duplicate")[0],
        "new_id": "it-interior-2",
    },
    "/admin/recipients/it-interior/delete": lambda admin: form_of(
        admin, "/admin/recipients/it-interior/delete"
    )[0],
    "/admin/campaign": campaign_post,
    "/admin/campaign/state": lambda admin: {
        **form_of(admin, "/admin/campaign")[0],
        "state": "closed",
    },
    "/admin/letters/en": letter_post,
    "/admin/letters/en/preview": letter_post,
    "/admin/letters/en/preview.pdf": letter_post,
    "/admin/letters/en/subjects": lambda admin: {
        **form_of(admin, "/admin/letters/en/subjects")[0],
        "subjects": "One subject\nAnother subject",
    },
    "/admin/letters/en/asks": lambda admin: {**asks_form(admin), "ask-it-justice": "reopen it"},
    "/admin/import/confirm": confirm_post,
    "/admin/history/letter.en.txt/restore": restore_post,
}


@pytest.mark.parametrize("path", FORMS)
def test_a_whole_form_without_its_csrf_token_changes_nothing(
    admin, recipients_file, templates_dir, path
):
    files = [
        recipients_file,
        *(templates_dir / name for name in ("campaign.yaml", "letter.en.txt")),
    ]
    data = FORMS[path](admin)
    data.pop("csrf_token", None)
    before = [file.read_bytes() for file in files]
    response = admin.post(path, data=data)
    assert response.status_code == 400
    assert "Go back, reload the page" in response.get_data(as_text=True)
    assert [file.read_bytes() for file in files] == before
    data["csrf_token"] = "not the token"
    assert admin.post(path, data=data).status_code == 400
    assert [file.read_bytes() for file in files] == before


def test_an_upload_without_its_csrf_token_is_refused(admin):
    response = admin.post(
        "/admin/import",
        data={"csv": (io.BytesIO(as_csv(exported_rows(admin))), "offices.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Go back, reload the page" in response.get_data(as_text=True)


def test_a_sign_in_without_its_csrf_token_is_refused(client, organiser):
    token_of(client.get("/admin").get_data(as_text=True))  # a session with a token exists
    response = client.post("/admin", data={"name": "maria.rossi", "password": PASSPHRASE})
    assert response.status_code == 400
    assert client.get("/admin/dashboard").status_code == 303

"""The preview: a card per office with the letter, its translation, and every channel."""

from __future__ import annotations

import html as html_module
import re
from urllib.parse import unquote, urlsplit

import pytest

from campaign import directory
from campaign.letters import render
from campaign.letters.senders import make_sender
from tests.web.pages import EMAILS, OFFICE_IDS, SENDER, page, write_data


@pytest.fixture
def preview(client):
    """The preview of letters to every office, each in its own language."""
    response = client.post("/write", data=write_data(client))
    assert response.status_code == 200
    return page(response)


def mailto_parts(link: str) -> tuple[str, dict[str, str]]:
    """The addresses and the decoded header fields of a mailto link."""
    parts = urlsplit(link)
    assert parts.scheme == "mailto"
    fields = dict(pair.split("=", 1) for pair in parts.query.split("&"))
    return unquote(parts.path), {key: unquote(value) for key, value in fields.items()}


def expected_letter(recipients_file, templates_dir, office_id, language=None):
    """The letter as the core renders it for the test supporter."""
    office = directory.load(recipients_file).get(office_id)
    return render.render_letter(render.load(templates_dir), office, make_sender(**SENDER), language)


def test_one_card_per_office_in_order(preview):
    cards = preview.all("section", class_="card")
    assert [card.attrs["data-office"] for card in cards] == list(OFFICE_IDS)


def test_card_shows_the_letter_as_it_will_be_sent(preview, recipients_file, templates_dir):
    letter = expected_letter(recipients_file, templates_dir, "it-interior")
    assert preview.one("textarea", name="subject-it-interior").text == letter.subject
    body = preview.one("textarea", name="body-it-interior").text
    assert body.strip() == "\n\n".join(letter.paragraphs)  # paragraphs one blank line apart
    card = " ".join(preview.one(id="card-it-interior").text.split())
    assert "Piazza del Viminale 1" in card and "00184 ROMA RM" in card
    assert letter.salutation in card and letter.closing in card


def test_letter_in_another_language_has_its_translation_beside_it(
    preview, recipients_file, templates_dir
):
    translation = preview.one(id="translation-it-interior")
    assert translation.attrs["lang"] == "en"
    english = expected_letter(recipients_file, templates_dir, "it-interior", "en")
    assert english.paragraphs[0] in translation.text
    assert "translation of the original text" in translation.text
    assert "not translated" in translation.text


def test_letter_in_the_interface_language_has_no_translation(client):
    response = client.post("/write", data=write_data(client, language="en"))
    assert not page(response).all(class_="translation")


def test_mailto_link_carries_the_letter(client, recipients_file, templates_dir):
    response = client.post("/write", data=write_data(client, language="en"))
    link = page(response).one("a", id="mailto-kz-nsc-atyrau").attrs["href"]
    to, fields = mailto_parts(link)
    letter = expected_letter(recipients_file, templates_dir, "kz-nsc-atyrau", "en")
    assert to == EMAILS["kz-nsc-atyrau"]
    assert fields["subject"] == letter.subject
    assert fields["body"] == letter.text.replace("\n", "\r\n")
    assert SENDER["note"] in fields["body"]


def test_too_long_letter_offers_the_other_ways(preview):
    assert preview.one(id="too-long-it-foreign-affairs").attrs.get("hidden") is None
    assert preview.one("p", id="mailto-wrap-it-foreign-affairs").attrs.get("hidden") == ""
    assert preview.one("button", id="eml-it-foreign-affairs")
    gmail = preview.one("a", id="gmail-it-foreign-affairs").attrs["href"]
    assert gmail.startswith("https://mail.google.com/mail/?view=cm")
    assert "to=mfa%40example.org" in gmail
    assert (
        preview.one("a", id="outlook-it-foreign-affairs")
        .attrs["href"]
        .startswith("https://outlook.office.com/mail/deeplink/compose?")
    )


def test_office_without_email_says_so(preview):
    text = " ".join(preview.one(id="no-email-it-interior").text.split())
    assert "No e-mail address is known for this office." in text
    assert "obfuscator" in text  # the directory's email_note
    assert not preview.all("a", id="mailto-it-interior")
    assert preview.one("button", id="eml-it-interior")  # still offered


def test_copy_buttons_name_their_texts(preview):
    buttons = preview.all("button", class_="button button-small copy-button")
    targets = {button.attrs["data-copy"] for button in buttons}
    assert {"copy-subject-it-interior", "copy-body-it-interior"} <= targets
    assert "copy-to-kz-nsc-atyrau" in targets
    assert all(button.attrs.get("hidden") == "" for button in buttons)  # JS shows them


def test_phone_numbers_are_e164_tel_links_with_a_call_script(preview):
    links = [a.attrs["href"] for a in preview.all("a", class_="tel-link")]
    assert "tel:+390636064651" in links
    assert all(re.fullmatch(r"tel:\+[1-9]\d{6,14}", link) for link in links)
    script = preview.one(id="call-script-it-interior").text
    assert script.startswith("Good morning. My name is Maria Rossi.")  # the interface language


def test_call_script_follows_the_interface_language(client):
    response = client.post("/write?lang=it", data=write_data(client))
    assert page(response).one(id="call-script-kz-president").text.startswith("Buongiorno")


def test_fax_numbers_are_shown(preview):
    card = preview.one(id="card-kz-embassy-italy-consular").text
    assert "By fax" in card and "+39 06 3629 2675" in card


def test_every_form_of_the_preview_carries_the_supporter_and_the_edits(preview):
    form = preview.one("form", id="letters-form")
    assert form.attrs["method"] == "post"
    hidden = {el.attrs["name"]: el.attrs["value"] for el in preview.all("input", type="hidden")}
    for name in ("name", "street", "postcode", "city", "country", "email", "note"):
        assert hidden[name] == SENDER[name]
    actions = {
        b.attrs.get("formaction") for b in preview.all("button") if b.attrs.get("formaction")
    }
    assert {"/letters.pdf", "/letters/it-interior.pdf", "/letters/it-interior.eml"} <= actions
    assert any(action.startswith("/preview?lang=") for action in actions)  # language switch


def test_update_links_shows_the_edit_in_the_mailto_link(client):
    data = write_data(client, language="en")
    data["subject-kz-nsc-atyrau"] = "Edited subject"
    data["body-kz-nsc-atyrau"] = "A short edited body.\r\n\r\nSecond paragraph."
    response = client.post("/preview", data=data)
    assert response.status_code == 200
    html = page(response)
    _, fields = mailto_parts(html.one("a", id="mailto-kz-nsc-atyrau").attrs["href"])
    assert fields["subject"] == "Edited subject"
    assert "A short edited body.\r\n\r\nSecond paragraph." in fields["body"]
    assert html.one("textarea", name="body-kz-nsc-atyrau").text.startswith("A short edited body.")


def test_an_edit_can_bring_a_long_letter_within_the_mailto_budget(client):
    data = write_data(client)
    data["body-it-foreign-affairs"] = "Breve."
    html = page(client.post("/preview", data=data))
    assert html.one("a", id="mailto-it-foreign-affairs").attrs["href"].startswith("mailto:mfa@")


def test_live_links_endpoint_returns_the_drafts_of_the_edits(client):
    data = write_data(client, language="en")
    data["subject-kz-nsc-atyrau"] = "Live subject"
    response = client.post("/preview/links", data=data)
    assert response.status_code == 200
    drafts = response.get_json()["kz-nsc-atyrau"]
    assert drafts["copy"]["subject"] == "Live subject"
    assert "Live%20subject" in drafts["mailto"]
    assert "gmail" in drafts["webmail"]


def test_empty_or_overlong_edit_is_an_error_next_to_the_field(client):
    data = write_data(client)
    data["subject-it-interior"] = ""
    data["body-it-justice"] = "z" * 10_001
    response = client.post("/preview", data=data)
    assert response.status_code == 400
    html = page(response)
    assert "between 1 and 200" in html.one(id="subject-it-interior-error").text
    assert "between 1 and 10000" in html.one(id="body-it-justice-error").text
    assert html.one("textarea", name="body-it-justice").text.strip() == "z" * 10_001  # kept
    assert html.one("a", href="#subject-it-interior")


def test_sender_tampered_in_the_preview_is_checked_again(client):
    data = write_data(client, email="not an address")
    response = client.post("/letters.pdf", data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert page(response).all(id="email-error")


def test_preview_of_one_office_only(client):
    data = write_data(client, offices=["kz-president"])
    html = page(client.post("/write", data=data))
    assert [c.attrs["data-office"] for c in html.all("section", class_="card")] == ["kz-president"]
    assert html.all("input", type="hidden", name="offices")[0].attrs["value"] == "kz-president"


def test_sent_checkboxes_belong_to_the_sent_form(preview):
    boxes = preview.all("input", name="sent")
    values = {box.attrs["value"] for box in boxes}
    assert {"it-interior:post", "it-interior:phone", "kz-embassy-italy-consular:fax"} <= values
    assert "it-interior:email" not in values and "kz-nsc-atyrau:email" in values
    assert all(box.attrs["form"] == "sent-form" for box in boxes)
    assert preview.one("form", id="sent-form").attrs["action"] == "/sent"


def test_preview_page_is_not_cached(client):
    response = client.post("/write", data=write_data(client))
    assert response.headers["Cache-Control"] == "no-store"


def test_csrf_token_of_the_preview_works_for_downloads(client):
    data = write_data(client)
    html = page(client.post("/write", data=data))
    data["csrf_token"] = html_module.unescape(
        html.all("input", name="csrf_token")[0].attrs["value"]
    )
    assert client.post("/letters/kz-president.eml", data=data).status_code == 200


def test_the_largest_legitimate_preview_is_accepted(client):
    """All letters in Russian, a long Cyrillic note, every body edited to its limit."""
    note = ("Я учитель истории из Москвы. " * 60)[:1500]
    data = write_data(client, language="ru", name="Мария Иванова", note=note)
    for office_id in OFFICE_IDS:
        data[f"body-{office_id}"] = ("Ж" * 99 + "\n") * 100  # 10,000 two-byte characters
    for _ in range(5):  # the multipart boundary is random: a limit near the read size would flake
        response = client.post("/preview", data=data, content_type="multipart/form-data")
        assert response.status_code == 200
    assert page(response).one("form", id="letters-form").attrs["enctype"] == "multipart/form-data"

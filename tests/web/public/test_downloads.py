"""POST /letters.pdf, /letters/<id>.pdf, /letters/<id>.eml: the edits are what is downloaded."""

from __future__ import annotations

import email
import email.policy
import io

import pdfplumber
import pytest

from campaign import limits
from campaign.errors import TooLarge
from tests.web.pages import OFFICE_IDS, page, write_data

HOSTILE = {
    "name": "Eve <script>alert(1)</script>\r\nBcc: evil@example.com",
    "street": "{{ 7*7 }} Street",
    "city": "{% raw %}Roma",
    "note": "<b>bold</b> and {{ config }}\r\nsecond line\r\n\r\nBcc: evil@example.com",
}


def pdf_text(content: bytes) -> str:
    """All the text of a PDF, with line breaks made spaces."""
    with pdfplumber.open(io.BytesIO(content)) as document:
        return " ".join(" ".join((p.extract_text() or "").split()) for p in document.pages)


def parsed_eml(content: bytes) -> email.message.EmailMessage:
    """An .eml file, parsed; its lines end in CRLF (SMTP policy)."""
    assert b"\r\n" in content and b"\n" not in content.replace(b"\r\n", b"")
    return email.message_from_bytes(content, policy=email.policy.default)


def eml_body(message: email.message.EmailMessage) -> str:
    """The text of the message with LF line breaks."""
    return message.get_content().replace("\r\n", "\n")


@pytest.fixture
def edited(client) -> dict:
    """Form data of the preview with the letter to it-interior edited."""
    data = write_data(client)
    data["subject-it-interior"] = "My own subject Zanzibar"
    data["body-it-interior"] = "First paragraph of mine, Quetzalcoatl.\r\n\r\nSecond one."
    return data


def test_all_letters_pdf_contains_the_edit(client, edited):
    response = client.post("/letters.pdf", data=edited)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="letters.pdf"'
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response.data)
    assert "My own subject Zanzibar" in text
    assert "First paragraph of mine, Quetzalcoatl." in text
    assert text.count("Maria Rossi") >= len(OFFICE_IDS)


def test_one_office_pdf(client, edited):
    response = client.post("/letters/it-interior.pdf", data=edited)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="it-interior.pdf"'
    text = pdf_text(response.data)
    assert "Quetzalcoatl" in text
    assert "Atyrau" not in text  # only this office's letter


def test_us_letter_paper(client, edited):
    edited["paper"] = "letter"
    response = client.post("/letters/it-interior.pdf", data=edited)
    with pdfplumber.open(io.BytesIO(response.data)) as document:
        assert round(document.pages[0].width) == 612  # 8.5 in


def test_eml_contains_the_edit(client, edited):
    response = client.post("/letters/it-interior.eml", data=edited)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="it-interior.eml"'
    assert response.headers["Cache-Control"] == "no-store"
    message = parsed_eml(response.data)
    assert message["Subject"] == "My own subject Zanzibar"
    assert message["X-Unsent"] == "1"
    assert message["To"] is None  # the office has no known e-mail
    body = eml_body(message)
    assert "First paragraph of mine, Quetzalcoatl.\n\nSecond one." in body


def test_eml_to_an_office_with_email(client):
    response = client.post("/letters/it-foreign-affairs.eml", data=write_data(client))
    message = parsed_eml(response.data)
    assert message["To"] == "mfa@example.org"
    assert message["From"] == "Maria Rossi <maria@example.org>"  # its rule is "full"


def test_eml_to_an_office_that_learns_the_name_only_has_no_from(client):
    response = client.post("/letters/kz-nsc-atyrau.eml", data=write_data(client))
    message = parsed_eml(response.data)
    assert message["To"] == "nsc-atyrau@example.org"
    assert message["From"] is None  # the mail program sends the account's own
    assert "maria@example.org" not in response.data.decode("ascii")


def test_downloads_only_for_chosen_offices(client):
    data = write_data(client, offices=["kz-president"])
    assert client.post("/letters/it-interior.pdf", data=data).status_code == 404
    assert client.post("/letters/it-interior.eml", data=data).status_code == 404
    assert client.post("/letters/../etc/passwd.eml", data=data).status_code == 404


@pytest.mark.parametrize("path", ["/letters.pdf", "/letters/it-interior.pdf", "/letters/x.eml"])
def test_downloads_refuse_get(client, path):
    response = client.get(path)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "only works from the form" in response.get_data(as_text=True)


def test_hostile_input_is_literal_text_in_the_page(client):
    response = client.post("/write", data=write_data(client, **HOSTILE))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<b>bold</b>" not in html
    assert "Eve &lt;script&gt;alert(1)&lt;/script&gt; Bcc: evil@example.com" in html
    assert "{{ 7*7 }} Street" in html and "49 Street" not in html
    assert "{{ config }}" in html and "SECRET_KEY" not in html
    body = page(response).one("textarea", name="body-it-interior").text
    assert "&lt;b&gt;bold&lt;/b&gt; and {{ config }}\nsecond line" in html
    assert "<b>bold</b> and {{ config }}\nsecond line\n\nBcc: evil@example.com" in body


def test_hostile_input_is_literal_text_in_the_pdf(client):
    data = write_data(client, **HOSTILE)
    data["subject-it-interior"] = "<i>x</i> {{ 7*7 }}\r\nBcc: evil@example.com"
    text = pdf_text(client.post("/letters/it-interior.pdf", data=data).data)
    assert "Eve <script>alert(1)</script> Bcc: evil@example.com" in text
    assert "{{ 7*7 }} Street" in text
    assert "<b>bold</b> and {{ config }}" in text
    assert "<i>x</i> {{ 7*7 }} Bcc: evil@example.com" in text


def test_hostile_input_cannot_add_headers_to_the_eml(client):
    data = write_data(client, **HOSTILE)
    data["subject-it-foreign-affairs"] = "Hello\r\nBcc: evil@example.com"  # its rule: full
    message = parsed_eml(client.post("/letters/it-foreign-affairs.eml", data=data).data)
    assert message["Bcc"] is None
    assert message["Subject"] == "Hello Bcc: evil@example.com"
    assert message["From"].addresses[0].display_name == (
        "Eve <script>alert(1)</script> Bcc: evil@example.com"
    )
    body = eml_body(message)
    assert "<b>bold</b> and {{ config }}\nsecond line\n\nBcc: evil@example.com" in body
    assert "{{ 7*7 }} Street" in body


def test_hostile_input_is_literal_in_the_mailto_link(client):
    from urllib.parse import unquote

    data = write_data(client, language="en", name="Eve\r\nBcc: x@example.com", note="{{ 7*7 }}")
    html = page(client.post("/write", data=data))
    link = html.one("a", id="mailto-kz-nsc-atyrau").attrs["href"]
    assert "\r" not in link and "\n" not in link and " " not in link
    assert "{{ 7*7 }}" in unquote(link)
    assert "Bcc" not in link.split("?")[0]


def test_an_edited_body_over_the_paragraph_limit_is_refused_beside_it(client):
    body = "\n\n".join(f"Paragraph {number}." for number in range(limits.PARAGRAPHS + 1))
    data = {**write_data(client), "body-kz-president": body}
    response = client.post("/letters.pdf", data=data)
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert f"Please keep this to {limits.PARAGRAPHS} paragraphs or fewer." in text
    assert "Paragraph 60." in text  # the edit is kept, to be shortened


def test_more_offices_than_one_request_may_print_are_refused(client, monkeypatch):
    monkeypatch.setattr(limits, "LETTERS_PER_REQUEST", 3)
    response = client.post("/write", data=write_data(client))
    assert response.status_code == 400
    assert "Please choose at most 3 offices at once." in response.get_data(as_text=True)


def test_a_pdf_over_the_page_limit_is_413_with_what_to_do(app, client, monkeypatch):
    def too_many_pages(*args, **kwargs):
        raise TooLarge("the letters would print 140 pages; one PDF holds at most 100")

    monkeypatch.setattr(app.extensions["campaign.guards"].renders, "pdf", too_many_pages)
    response = client.post("/letters.pdf", data=write_data(client))
    assert response.status_code == 413
    assert "One PDF holds at most 100 pages" in response.get_data(as_text=True)

"""Hostile input on the supporters' pages: markup and template syntax in every field, invisible
and direction characters, "I sent it" for channels an office lacks, PDF requests over their
limits, and a word far longer than a line."""

from __future__ import annotations

import copy
import dataclasses
import email
import email.policy
import io
import itertools
import re

import pdfplumber
import pytest
from markupsafe import escape
from ruamel.yaml import YAML

from campaign import limits
from campaign.errors import InvalidData, TooLarge
from campaign.letters import pdf
from campaign.rulebook import load_site, sample_letters
from campaign.storage import counts
from tests.web.pages import SENDER, csrf_token, page, write_data

XSS = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
SHORT_XSS = '"><img onerror=x>'  # fits the postcode's 20 characters
RAW = ("<script>alert(1)</script>", "<img src=x onerror", "<img onerror")
ADDRESSES = itertools.count(10)  # one client address per "I sent it" test: its limit is hourly


def assert_escaped(response, payload: str) -> None:
    """The page shows `payload` as text and never as markup."""
    text = response.get_data(as_text=True)
    assert not any(raw in text for raw in RAW)
    assert str(escape(payload)) in text


def pdf_text(data: bytes) -> str:
    """Every character of a PDF's text, without the white space between lines and pages."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        text = "".join(page.extract_text() or "" for page in document.pages)
    return re.sub(r"\s+", "", text)


# --- markup and template syntax typed by a supporter ---------------------------------------

FIELDS = ["name", "street", "postcode", "city", "country", "email", "note"]


@pytest.mark.parametrize("path", ["/write", "/preview"])
@pytest.mark.parametrize("field", FIELDS)
def test_markup_in_a_supporter_field_is_shown_literally(console, field, path):
    client = console.client
    payload = SHORT_XSS if field == "postcode" else XSS
    response = client.post(path, data=write_data(client, **{field: payload}))
    text = response.get_data(as_text=True)
    assert not any(raw in text for raw in RAW)
    if field in ("country", "email"):  # refused, beside the field
        assert response.status_code == 400
        assert "has-error" in text
        if field == "email":
            assert str(escape(payload)) in text  # what was typed, kept to be corrected
    else:
        assert response.status_code == 200
        assert str(escape(payload)) in text


@pytest.mark.parametrize("edited", ["subject", "body"])
def test_markup_in_an_edited_letter_is_shown_literally(console, edited):
    client = console.client
    data = write_data(client, offices=["kz-president"], **{f"{edited}-kz-president": XSS})
    response = client.post("/preview", data=data)
    assert response.status_code == 200
    assert_escaped(response, XSS)


TEMPLATE_LIKE = "{{ 7*7 }} {% for i in range(10**9) %}x{% endfor %} {{ ''.__class__ }}"


@pytest.mark.parametrize("field", ["name", "note"])
def test_template_syntax_typed_by_a_supporter_is_printed_literally_in_the_preview(console, field):
    client = console.client
    response = client.post("/write", data=write_data(client, **{field: TEMPLATE_LIKE}))
    assert response.status_code == 200
    found = page(response)
    body = found.one("textarea", id="body-kz-president").text
    if field == "note":
        assert TEMPLATE_LIKE in body
    else:
        assert found.all("div", class_="signature")[0].text.startswith(TEMPLATE_LIKE)
    assert "49" not in body and "<class" not in response.get_data(as_text=True)


def test_template_syntax_in_the_note_is_printed_literally_in_the_pdf_and_the_draft(console):
    client = console.client
    data = write_data(client, note="{{ 7*7 }}", offices=["kz-president"])
    printed = client.post("/letters/kz-president.pdf", data=data)
    assert printed.status_code == 200
    assert "{{7*7}}" in pdf_text(printed.data)
    draft = client.post("/letters/kz-president.eml", data=data)
    message = email.message_from_bytes(draft.data, policy=email.policy.default)
    assert "{{ 7*7 }}" in message.get_content()


# --- invisible and direction characters -----------------------------------------------------

INVISIBLE = {
    "zero-width-space": "\u200b",
    "zero-width-joiner": "\u200d",
    "word-joiner": "\u2060",
    "byte-order-mark": "\ufeff",
    "right-to-left-override": "\u202e",
    "left-to-right-isolate": "\u2066",
}


HIDDEN_INPUT = re.compile(r'<input type="hidden"[^>]*>')


def shown_text(response) -> str:
    """The page without its hidden inputs (they carry the form as typed to the next step,
    where it is cleaned again)."""
    return HIDDEN_INPUT.sub("", response.get_data(as_text=True))


@pytest.mark.parametrize("char", INVISIBLE.values(), ids=INVISIBLE.keys())
def test_invisible_characters_are_removed_from_the_name(console, char):
    client = console.client
    name = f"{char}Ma{char}ria Ros{char}si{char}"
    data = write_data(client, name=name, offices=["kz-president"])
    response = client.post("/write", data=data)
    assert response.status_code == 200
    assert char not in shown_text(response)
    assert page(response).all("div", class_="signature")[0].text.startswith("Maria Rossi")
    draft = client.post("/letters/kz-president.eml", data=data)
    message = email.message_from_bytes(draft.data, policy=email.policy.default)
    assert char not in message.get_content() and char not in str(message["Subject"])
    assert "\r\nMaria Rossi\r\n" in message.get_content()


@pytest.mark.parametrize("field", ["street", "city"])
def test_direction_characters_are_removed_from_one_line_fields(console, field):
    client = console.client
    value = f"\u202e{SENDER[field]}\u2066\u200b"
    response = client.post("/write", data=write_data(client, **{field: value}))
    assert response.status_code == 200
    text = shown_text(response)
    assert "\u202e" not in text and "\u2066" not in text and "\u200b" not in text
    assert SENDER[field] in page(response).all("div", class_="signature")[0].text


# --- "I sent it": only channels the office has, each once ----------------------------------


@pytest.mark.parametrize(
    ("sent", "status", "counted"),
    [
        (["it-interior:email"], 400, 0),  # no e-mail address is known for it
        (["it-interior:fax"], 400, 0),
        (["kz-president:post", "kz-president:fax"], 400, 0),  # all or nothing
        (["kz-embassy-italy-consular:fax"], 303, 1),
        (["kz-president:post"] * 50, 303, 1),
        (["kz-president:post", "kz-president:phone", "kz-president:post"], 303, 2),
        (["KZ-PRESIDENT:post"], 400, 0),
        (["kz-president:POST"], 400, 0),
        (["kz-president: post"], 400, 0),
        (["kz-president:post:post"], 400, 0),
        (["kz-president:post\x00"], 400, 0),
        (["kz-president:post' OR '1'='1"], 400, 0),
        (["../kz-president:post"], 400, 0),
    ],
    ids=["email-not-had", "fax-not-had", "one-bad-of-two", "fax-had", "fifty-times",
         "repeated-among-others", "upper-office", "upper-channel", "space", "two-colons", "nul",
         "sql", "path"],
)  # fmt: skip
def test_i_sent_it_counts_only_the_channels_an_office_has_once_each(console, sent, status, counted):
    client = console.client
    environ = {"REMOTE_ADDR": f"192.0.2.{next(ADDRESSES)}"}
    before = counts.total(console.app.extensions["campaign.site"].database)
    data = {"csrf_token": csrf_token(client), "sent": sent, "receipt": counts.new_receipt()}
    response = client.post("/sent", data=data, environ_base=environ)
    assert response.status_code == status
    assert counts.total(console.app.extensions["campaign.site"].database) - before == counted
    if status == 303:
        assert response.headers["Location"].endswith(f"n={counted}")


# --- PDF work per request, bounded ----------------------------------------------------------

PARAGRAPHS = "\n\n".join(f"Paragraph {n}." for n in range(limits.PARAGRAPHS + 1))


@pytest.mark.parametrize(
    ("path", "field", "value", "message"),
    [
        ("/letters/kz-president.pdf", "body", PARAGRAPHS, "60 paragraphs or fewer"),
        ("/letters/kz-president.eml", "body", PARAGRAPHS, "60 paragraphs or fewer"),
        ("/preview", "body", PARAGRAPHS, "60 paragraphs or fewer"),
        ("/letters.pdf", "body", "x " * 5001, "between 1 and 10000 characters"),
        ("/letters.pdf", "body", " \n\n ", "between 1 and 10000 characters"),
        ("/letters.pdf", "subject", "s" * 201, "between 1 and 200 characters"),
    ],
    ids=["paragraphs-pdf", "paragraphs-eml", "paragraphs-preview", "long-body", "empty-body",
         "long-subject"],
)  # fmt: skip
def test_an_edit_over_a_limit_is_refused_beside_it_and_kept(console, path, field, value, message):
    client = console.client
    data = write_data(client, offices=["kz-president"], **{f"{field}-kz-president": value})
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert message in text
    if value.strip():
        assert value.strip()[:40] in text  # the edit is kept, to be shortened


def test_one_office_asked_for_many_times_is_one_letter(console):
    client = console.client
    response = client.post("/write", data=write_data(client, offices=["kz-president"] * 500))
    assert response.status_code == 200
    assert len(page(response).all("section", class_="card")) == 1


@pytest.fixture
def many_offices(recipients_file):
    """A directory of LETTERS_PER_REQUEST + 1 offices: kz-president's entry copied."""
    yaml = YAML(typ="rt")
    document = yaml.load(recipients_file.read_text(encoding="utf-8"))
    entries = document["recipients"]
    while len(entries) <= limits.LETTERS_PER_REQUEST:
        entry = copy.deepcopy(entries[-1])
        entry["id"] = f"kz-office-{len(entries)}"
        entries.append(entry)
    with recipients_file.open("w", encoding="utf-8") as file:
        yaml.dump(document, file)
    return [entry["id"] for entry in entries]


@pytest.mark.parametrize("path", ["/write", "/letters.pdf", "/preview"])
def test_more_offices_than_one_request_may_print_are_refused(client, many_offices, path):
    response = client.post(path, data=write_data(client, offices=many_offices))
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "Please choose at most 30 offices at once." in response.get_data(as_text=True)


def test_more_letters_than_one_pdf_may_hold_are_refused_before_the_layout(site):
    loaded = load_site(site)
    letter = sample_letters(loaded.appeal, loaded.directory.recipients[:1], "en")[0]
    office = letter.recipient
    letters = [
        dataclasses.replace(letter, recipient=dataclasses.replace(office, id=f"office-{n}"))
        for n in range(limits.LETTERS_PER_REQUEST + 1)
    ]
    with pytest.raises(TooLarge, match="31 letters; print at most 30 at once"):
        pdf.html(letters, templates_dir=site.templates)


def test_a_pdf_over_the_page_limit_is_refused(site, monkeypatch):
    loaded = load_site(site)
    letters = sample_letters(loaded.appeal, loaded.directory.recipients[:3], "en")
    monkeypatch.setattr(limits, "PDF_PAGES", 2)
    with pytest.raises(TooLarge, match="would print 3 pages; one PDF holds at most 2"):
        pdf.render(letters, templates_dir=site.templates)


def test_a_body_template_with_more_paragraphs_than_a_letter_may_have_is_refused(site):
    source = "{% for i in range(61) %}Paragraph {{ i }}.\n\n{% endfor %}"
    with pytest.raises(InvalidData) as refused:
        load_site(site, {"letter.en.txt": source.encode()})
    assert any(
        "would have 61 paragraphs; the limit is 60" in str(problem)
        for problem in refused.value.problems
    )


# --- a word longer than a line --------------------------------------------------------------


def long_word(length: int) -> str:
    """A word of `length` letters without a space, whose every part is different."""
    return "".join("abcdefghijklmnopqrstuvwxyz"[(n * 7 + n // 26) % 26] for n in range(length))


@pytest.mark.parametrize(
    ("field", "length"),
    [("note", limits.SENDER["note"]), ("body-kz-president", limits.BODY)],
    ids=["note", "edited-body"],
)
def test_a_long_word_is_printed_whole(console, field, length):
    client = console.client
    word = long_word(length)
    data = write_data(client, offices=["kz-president"], **{field: word})
    response = client.post("/letters/kz-president.pdf", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    with pdfplumber.open(io.BytesIO(response.data)) as document:
        lines = "\n".join(page.extract_text() for page in document.pages).splitlines()
    pieces = [line for line in lines if re.fullmatch("[a-z]+", line)]  # page furniture apart
    assert "".join(pieces) == word  # broken across lines (and pages), every character there

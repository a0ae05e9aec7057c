"""Tests of campaign.drafts: mailto links, .eml drafts, webmail links, copy texts."""

from __future__ import annotations

import email
import email.policy
import re
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.errors import InvalidData
from campaign.letters.drafts import (
    MAILTO_BUDGET,
    WEBMAIL_BUDGET,
    Mailto,
    eml,
    eml_filename,
    mailto,
    plain_copy,
    webmail_links,
)
from campaign.models import Address, Letter, Recipient, Sender

INJECTION = "x\r\nBcc: evil@example.com"
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
NOTE = "The ministry publishes no e-mail address; use the web form at interno.gov.it."


def make_letter(
    subject: str = "Free the prisoners",
    body: str = "First paragraph.\n\nSecond paragraph.",
    emails: tuple[str, ...] = ("a@x.org",),
    email_note: str = "",
    sender_name: str = "Ada Lovelace",
    sender_email: str = "",
    salutation: str = "Dear Minister,",
    recipient_id: str = "it-interior",
) -> Letter:
    """A letter to one office, built straight from the models."""
    recipient = Recipient(
        id=recipient_id,
        office="Ministry of the Interior",
        country="IT",
        language="it",
        address=Address(lines=("Piazza del Viminale 1",), city="Roma", country="IT"),
        salutation={"en": salutation},
        ask={"en": "Release them."},
        emails=emails,
        email_note=email_note,
        line=12,
    )
    sender = Sender(name=sender_name, email=sender_email)
    return Letter(
        recipient=recipient,
        sender=sender,
        language="en",
        subject=subject,
        place_date="Rome, 22 November 2026",
        salutation=salutation,
        body=body,
        closing="Yours sincerely,",
        signature=(sender_name, "Via Roma 1", "00100 Roma"),
    )


def query(link: str) -> tuple[str, dict[str, str]]:
    """The part before "?" and the decoded parameters, split by hand (no "+" as space)."""
    head, _, rest = link.partition("?")
    params = {}
    for pair in rest.split("&"):
        key, _, value = pair.partition("=")
        assert key not in params, f"{key} twice in {link}"
        params[key] = unquote(value, errors="strict")
    return head, params


def crlf(text: str) -> str:
    """Every line break of `text` as CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")


def lf(text: str) -> str:
    """Every line break of `text` as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse(data: bytes) -> email.message.EmailMessage:
    """An .eml parsed back the way a mail client would."""
    return email.message_from_bytes(data, policy=email.policy.default)


# Subjects that need no cleaning: no line breaks, no control characters, no surrogates.
SPECIALS = "&?#%+= =&amp;%20%0D%0A+Привет Ελλάδα 中文 😀\t"
clean_text = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=LINE_BREAKS
    )
    | st.sampled_from(SPECIALS)
)
any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from("\r\n"))
line_break = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n \n"])
bodies = st.lists(st.tuples(clean_text, line_break), max_size=8).map(
    lambda parts: "".join(text + brk for text, brk in parts)
)
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
    | st.sampled_from("\r\nБcc:\"<>,;@()\\ 'Иван")
)


# --- mailto ---------------------------------------------------------------------------------


@settings(max_examples=300)
@given(subject=clean_text, body=bodies)
def test_mailto_round_trips_subject_and_body(subject: str, body: str) -> None:
    letter = make_letter(subject=subject, body=body)
    result = mailto(letter, budget=10**9)
    assert result.link is not None and result.code == "" and result.reason == ""
    link = result.link
    assert result.length == len(link)
    assert re.fullmatch(
        r"mailto:[A-Za-z0-9._~%@,-]*\?subject=[A-Za-z0-9._~%-]*&body=[A-Za-z0-9._~%-]*", link
    )
    assert "+" not in link and " " not in link and "\r" not in link and "\n" not in link
    head, params = query(link)
    assert head == "mailto:a@x.org"
    assert set(params) == {"subject", "body"}
    assert params["subject"] == subject
    assert params["body"] == crlf(letter.text)
    encoded_body = link.split("&body=", 1)[1]
    assert "%0A" not in encoded_body.replace("%0D%0A", "")
    assert "%0D" not in encoded_body.replace("%0D%0A", "")
    assert link.count("%20") == subject.count(" ") + letter.text.count(" ")


def test_mailto_encodes_spaces_plus_and_line_breaks() -> None:
    link = mailto(make_letter(subject="a + b = c & d?", body="one two\nthree")).link
    assert link is not None
    assert "subject=a%20%2B%20b%20%3D%20c%20%26%20d%3F&" in link
    assert "one%20two%0D%0Athree" in link


@given(subject=any_text)
def test_mailto_subject_never_carries_a_line_break(subject: str) -> None:
    link = mailto(make_letter(subject=subject), budget=10**9).link
    assert link is not None
    decoded = query(link)[1]["subject"]
    assert not any(char in decoded for char in LINE_BREAKS)
    assert not re.search(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]", decoded)


def test_mailto_subject_line_breaks_become_one_space() -> None:
    link = mailto(make_letter(subject=INJECTION + "\n\n\r\nend")).link
    assert link is not None
    assert query(link)[1]["subject"] == "x Bcc: evil@example.com end"


def test_mailto_over_budget_gives_no_link_and_says_how_long() -> None:
    result = mailto(make_letter(body="word " * 400))
    assert result.link is None and result.code == "too-long"
    assert result.length > MAILTO_BUDGET
    assert f"({result.length:,} of 1,800 characters)" in result.reason
    assert ".eml" in result.reason


def test_mailto_budget_is_inclusive() -> None:
    letter = make_letter()
    length = mailto(letter, budget=10**9).length
    assert mailto(letter, budget=length).link is not None
    assert mailto(letter, budget=length - 1).link is None


def test_cyrillic_costs_more_than_english_of_the_same_length() -> None:
    english = make_letter(subject="Freedom", body="Release them now. " * 18)
    russian = make_letter(subject="Свобода", body="Освободите сейчас. " * 18)
    assert abs(len(english.text) - len(russian.text)) < 20  # about 400 characters each
    assert mailto(english).length < MAILTO_BUDGET / 2
    over = mailto(russian)
    assert over.link is None and over.code == "too-long"


def test_mailto_without_email_quotes_the_directory_note() -> None:
    result = mailto(make_letter(emails=(), email_note=NOTE))
    assert result == Mailto(None, f"No e-mail address is known for this office: {NOTE}", "no-email")


def test_mailto_without_email_or_note_still_explains() -> None:
    result = mailto(make_letter(emails=(" ",)))
    assert result.link is None and result.code == "no-email"
    assert result.reason == "No e-mail address is known for this office."


def test_mailto_lists_every_address() -> None:
    link = mailto(make_letter(emails=("a@x.org", "b@y.org"))).link
    assert link is not None and link.startswith("mailto:a@x.org,b@y.org?subject=")


def test_mailto_encodes_unusual_addresses() -> None:
    link = mailto(make_letter(emails=("a+b@x.org", "ü@пример.рф"))).link
    assert link is not None
    head, _ = query(link)
    assert head == "mailto:a%2Bb@x.org,%C3%BC@%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80.%D1%80%D1%84"
    assert [unquote(a) for a in head[len("mailto:") :].split(",")] == ["a+b@x.org", "ü@пример.рф"]


def test_mailto_leaves_out_the_senders_email() -> None:
    link = mailto(make_letter(sender_email="ada@example.net")).link
    assert link is not None and "ada%40example.net" not in link and "example.net" not in link


# --- .eml -----------------------------------------------------------------------------------


def test_eml_parses_back_to_the_letter() -> None:
    letter = make_letter(
        subject="Свобода для узников — now",
        body="Уважаемый министр,\n\nОсвободите их. " * 10,
        emails=("a@x.org", "b@y.org"),
    )
    data = eml(letter)
    message = parse(data)
    assert message["Subject"] == "Свобода для узников — now"
    assert message["To"] == "a@x.org, b@y.org"
    assert [a.addr_spec for a in message["To"].addresses] == ["a@x.org", "b@y.org"]
    assert message["X-Unsent"] == "1"
    assert message["MIME-Version"] == "1.0"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    assert "Date" not in message and "From" not in message
    assert lf(message.get_content()) == lf(letter.text)
    assert data.isascii()


def test_eml_uses_crlf_only() -> None:
    data = eml(make_letter(body="a\nb\r\nc\rd\n\n" + "long line " * 30))
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    assert all(len(line) <= 78 for line in data.split(b"\r\n"))


@pytest.mark.parametrize("where", ["subject", "sender_name"])
def test_eml_header_injection_gives_no_new_header(where: str) -> None:
    letter = make_letter(sender_email="ada@example.net", **{where: INJECTION})
    message = parse(eml(letter))
    assert "Bcc" not in message
    assert set(message.keys()) == {
        "To",
        "From",
        "Subject",
        "X-Unsent",
        "Content-Type",
        "Content-Transfer-Encoding",
        "MIME-Version",
    }
    headers = eml(letter).split(b"\r\n\r\n", 1)[0]
    assert b"\r\nBcc:" not in headers and b"x Bcc: evil@example.com" in headers


def test_eml_injected_subject_becomes_one_line() -> None:
    message = parse(eml(make_letter(subject=INJECTION)))
    assert message["Subject"] == "x Bcc: evil@example.com"


def test_eml_injected_sender_name_stays_a_display_name() -> None:
    message = parse(eml(make_letter(sender_name=INJECTION, sender_email="ada@example.net")))
    (sender,) = message["From"].addresses
    assert sender.display_name == "x Bcc: evil@example.com"
    assert sender.addr_spec == "ada@example.net"


@pytest.mark.parametrize(
    ("field", "value"),
    [("sender_email", "ada@example.net" + INJECTION), ("sender_email", "not an address")],
)
def test_eml_rejects_a_bad_sender_email(field: str, value: str) -> None:
    with pytest.raises(InvalidData) as error:
        eml(make_letter(**{field: value}))
    assert error.value.problems[0].where == "email"


def test_eml_rejects_a_bad_office_email_and_says_where() -> None:
    with pytest.raises(InvalidData) as error:
        eml(make_letter(emails=("a@x.org", "b@y.org" + INJECTION)))
    (problem,) = error.value.problems
    assert problem.where == "recipients.yaml:12"
    assert problem.field == "it-interior.emails[1]"


def test_eml_without_office_email_has_no_to_header() -> None:
    data = eml(make_letter(emails=()))
    message = parse(data)
    assert "To" not in message
    assert not data.startswith(b"To:") and b"\r\nTo:" not in data
    assert message["Subject"] == "Free the prisoners"


def test_eml_from_with_a_cyrillic_name() -> None:
    data = eml(make_letter(sender_name="Иван Петров", sender_email="ivan@example.org"))
    (sender,) = parse(data)["From"].addresses
    assert sender.display_name == "Иван Петров"
    assert sender.addr_spec == "ivan@example.org"
    assert data.isascii()


def test_eml_without_sender_email_has_no_from() -> None:
    assert "From" not in parse(eml(make_letter(sender_name="Ada")))


def test_eml_writes_an_international_domain_in_idna() -> None:
    message = parse(eml(make_letter(emails=("info@пример.рф",))))
    assert message["To"].addresses[0].addr_spec == "info@xn--e1afmkfd.xn--p1ai"


def test_eml_keeps_a_non_ascii_local_part_with_smtputf8() -> None:
    data = eml(make_letter(emails=("иван@example.org",)))
    assert data.decode("utf-8").startswith("To: иван@example.org\r\n")  # RFC 6532 header
    assert b"\n" not in data.replace(b"\r\n", b"")


@settings(max_examples=200)
@given(subject=any_text, name=names, body=bodies)
def test_eml_never_grows_headers_and_keeps_the_body(subject: str, name: str, body: str) -> None:
    letter = make_letter(subject=subject, sender_name=name, sender_email="a@b.org", body=body)
    data = eml(letter)
    assert b"\n" not in data.replace(b"\r\n", b"")
    message = parse(data)
    assert sorted(message.keys()) == sorted(
        [
            "To",
            "From",
            "Subject",
            "X-Unsent",
            "Content-Type",
            "Content-Transfer-Encoding",
            "MIME-Version",
        ]
    )
    assert message["From"].addresses[0].addr_spec == "a@b.org"
    assert lf(message.get_content()) == lf(letter.text)


@settings(max_examples=200)
@given(subject=clean_text)
def test_eml_subject_round_trips(subject: str) -> None:
    assert parse(eml(make_letter(subject=subject)))["Subject"] == subject.lstrip(
        " \t"
    )  # folding drops leading blanks


# --- webmail, file name, copy texts -------------------------------------------------------


@given(subject=clean_text, body=bodies)
def test_webmail_links_round_trip(subject: str, body: str) -> None:
    letter = make_letter(subject=subject, body=body, emails=("a@x.org", "b@y.org"))
    links = webmail_links(letter, budget=10**9)
    gmail_head, gmail = query(links["gmail"])
    outlook_head, outlook = query(links["outlook"])
    assert gmail_head == "https://mail.google.com/mail/"
    assert outlook_head == "https://outlook.office.com/mail/deeplink/compose"
    assert gmail == {
        "view": "cm",
        "fs": "1",
        "to": "a@x.org,b@y.org",
        "su": subject,
        "body": lf(letter.text),
    }
    assert outlook == {"to": "a@x.org,b@y.org", "subject": subject, "body": lf(letter.text)}
    assert all("+" not in link and " " not in link for link in links.values())


def test_webmail_links_are_https_urls() -> None:
    for link in webmail_links(make_letter()).values():
        parts = urlsplit(link)
        assert parts.scheme == "https" and parts.netloc in {
            "mail.google.com",
            "outlook.office.com",
        }


def test_webmail_links_without_office_email_have_an_empty_to() -> None:
    links = webmail_links(make_letter(emails=()))
    assert set(links) == {"gmail", "outlook"}
    assert query(links["gmail"])[1]["to"] == "" and query(links["outlook"])[1]["to"] == ""


def test_webmail_links_over_the_limit_are_left_out() -> None:
    letter = make_letter(body="Освободите их сейчас. " * 100)
    assert webmail_links(letter) == {}
    assert set(webmail_links(letter, budget=10**6)) == {"gmail", "outlook"}
    assert all(len(link) <= WEBMAIL_BUDGET for link in webmail_links(make_letter()).values())


def test_webmail_links_drop_only_the_one_that_is_too_long() -> None:
    links = webmail_links(make_letter(), budget=10**6)
    between = (len(links["gmail"]) + len(links["outlook"])) // 2
    assert len(links["gmail"]) != len(links["outlook"])
    shorter = min(links, key=lambda name: len(links[name]))
    assert set(webmail_links(make_letter(), budget=between)) == {shorter}


@pytest.mark.parametrize(
    ("recipient_id", "expected"),
    [
        ("it-interior", "it-interior.eml"),
        ("ru-prosecutor-general", "ru-prosecutor-general.eml"),
        ("../../etc/Passwd ü", "etc-passwd-u.eml"),
        ("Прокуратура", "letter.eml"),
        ("", "letter.eml"),
    ],
)
def test_eml_filename(recipient_id: str, expected: str) -> None:
    assert eml_filename(make_letter(recipient_id=recipient_id)) == expected


@given(recipient_id=st.text())
def test_eml_filename_is_always_safe(recipient_id: str) -> None:
    name = eml_filename(make_letter(recipient_id=recipient_id))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*\.eml|letter\.eml", name)
    assert len(name) <= 84


def test_plain_copy() -> None:
    letter = make_letter(subject="a\r\nb", body="x\r\ny", emails=("a@x.org", "b@y.org"))
    assert plain_copy(letter) == {
        "to": "a@x.org, b@y.org",
        "subject": "a b",
        "body": lf(letter.text),
    }
    assert "\r" not in plain_copy(letter)["body"]

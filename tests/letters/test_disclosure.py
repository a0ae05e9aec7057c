"""What each office learns of the supporter: every rule in every channel.

The PDF is read by position (the letterhead, the return line in the window, the date line,
the signature), the .eml parsed with `email`, the mailto link and the webmail links with
`urllib.parse`; the copy texts, the call script and the body templates are checked too.
"""

from __future__ import annotations

import dataclasses
import email
import email.policy
import io
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pdfplumber
import pytest

from campaign.letters import disclosure, drafts, pdf, render
from campaign.letters.senders import make_sender
from campaign.models import Address, Organisation
from campaign.rulebook import load_site
from tests.builders import ORGANISATION, set_disclosure

MM = 72 / 25.4
RULES = ("full", "city", "name", "organisation")
# Distinctive details, none of which the letters say by themselves.
SUPPORTER = make_sender(
    name="Maria Rossi",
    street="Via Zanardelli 7",
    postcode="34121",
    city="Trieste",
    country="IT",
    email="maria.rossi@example.net",
    note="I write as a teacher.",
)
STREET, POSTCODE, CITY, EMAIL = "Via Zanardelli 7", "34121", "Trieste", "maria.rossi@example.net"
# What each rule must keep out of everything the office receives.
HIDDEN = {
    "full": (),
    "city": (STREET, POSTCODE, EMAIL),
    "name": (STREET, POSTCODE, CITY, EMAIL),
    "organisation": (STREET, POSTCODE, CITY, EMAIL),
}
LETTERHEAD = {
    "full": ["Maria Rossi", STREET, f"{POSTCODE} {CITY}", "Italia", EMAIL],
    "city": ["Maria Rossi", CITY, "Italia"],
    "name": ["Maria Rossi"],
    "organisation": [
        "Maria Rossi",
        "Example Rights Foundation",
        "ul. Testowa 5",
        "00-950 WARSZAWA",
        "POLAND",
    ],
}
RETURN_LINE = {
    "full": f"Maria Rossi · {STREET} · {POSTCODE} {CITY} · Italia",
    "city": "",
    "name": "",
    "organisation": "Maria Rossi · Example Rights Foundation · ul. Testowa 5 · 00-950 WARSZAWA · "
    "POLAND",
}


@pytest.fixture
def appeal(site):
    """The bundled appeal, with the test organisation's return address."""
    set_disclosure(site, {}, organisation=ORGANISATION)
    return load_site(site).appeal


@pytest.fixture
def office(site):
    """The Italian Ministry of the Interior, as the bundled directory has it."""
    return load_site(site).directory.get("it-interior")


def letter_under(appeal, office, rule, sender=SUPPORTER, language="it"):
    """The office's letter from `sender` when its rule is `rule`."""
    return render.render_letter(
        appeal, dataclasses.replace(office, disclosure=rule), sender, language
    )


def mm_lines(page, x0, top, x1, bottom) -> list[str]:
    """The text lines inside a rectangle given in millimetres from the top left."""
    box = page.within_bbox((x0 * MM, top * MM, x1 * MM, bottom * MM))
    return [
        " ".join(line.split()) for line in (box.extract_text() or "").splitlines() if line.strip()
    ]


def squeezed(text: str) -> str:
    """Text without any white space (a return line may wrap in its zone)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """Each rule's Italian letter to it-interior as a PDF, read back: the pages' text and zones."""
    from tests.builders import copy_site

    site = copy_site(tmp_path_factory.mktemp("printed"))
    set_disclosure(site, {}, organisation=ORGANISATION)
    loaded = load_site(site)
    office = loaded.directory.get("it-interior")
    results = {}
    for rule in RULES:
        letter = letter_under(loaded.appeal, office, rule)
        data = pdf.render([letter], templates_dir=site.templates)
        with pdfplumber.open(io.BytesIO(data)) as document:
            page = document.pages[0]
            words = page.extract_words()
            closing = next(w for w in words if w["text"] == "saluti,")
            results[rule] = {
                "text": "\n".join(p.extract_text() or "" for p in document.pages),
                "letterhead": mm_lines(page, 100, 10, 191, 44.9),
                "return_zone": mm_lines(page, 19.9, 45, 105.1, 62.6),
                "window": mm_lines(page, 19.9, 62.7, 105.1, 90),
                "date": mm_lines(page, 100, 92, 191, 104),
                "under_closing": [
                    w["text"] for w in words if w["top"] > closing["bottom"] and w["x0"] < 100 * MM
                ],
                "letter": letter,
            }
    return results


# --- the sender each rule lets through ------------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_the_letter_carries_only_what_the_rule_allows(appeal, office, rule):
    letter = letter_under(appeal, office, rule)
    assert letter.disclosure == rule
    assert letter.sender.name == "Maria Rossi"
    assert letter.sender.note == SUPPORTER.note  # the supporter's own paragraph stays
    assert SUPPORTER.note in letter.body
    kept = {field: getattr(letter.sender, field) for field in ("street", "postcode", "email")}
    assert all(kept.values()) == (rule == "full")
    assert bool(letter.sender.city) == (rule in ("full", "city"))
    assert letter.place_date.startswith(f"{CITY}, ") == (rule in ("full", "city"))
    for hidden in HIDDEN[rule]:
        assert hidden not in letter.text and hidden not in repr(letter.sender)


def test_an_unknown_rule_shows_the_name_only():
    shown = disclosure.disclosed(SUPPORTER, "everything")
    assert (shown.name, shown.street, shown.city, shown.email) == ("Maria Rossi", "", "", "")


def test_a_hand_made_letter_is_disclosed_again_where_it_is_printed(appeal, office):
    letter = dataclasses.replace(letter_under(appeal, office, "full"), disclosure="name")
    assert disclosure.sender_block(letter).lines == ("Maria Rossi",)
    context = pdf.letter_context(letter)
    assert (context["sender_email"], context["return_line"]) == ("", "")


def test_the_office_default_comes_from_the_campaign(site):
    set_disclosure(site, {}, default="city")
    loaded = load_site(site)
    office = dataclasses.replace(loaded.directory.get("it-interior"), disclosure="")
    letter = render.render_letter(loaded.appeal, office, SUPPORTER)
    assert letter.disclosure == "city"
    assert letter.signature == ("Maria Rossi", CITY, "Italia")


def test_the_bundled_offices_rules(site):
    loaded = load_site(site)
    rules = {office.id: office.disclosure for office in loaded.directory.recipients}
    assert {rules[i] for i in rules if i.startswith("it-")} == {"full"}
    assert {rules[i] for i in rules if i.startswith("kz-")} == {"name"}
    assert loaded.appeal.campaign.disclosure == "name"  # the default protects
    assert loaded.appeal.campaign.organisation is None  # no source gives its address
    kazakh = [office for office in loaded.directory.recipients if office.id.startswith("kz-")]
    assert all(set(office.safety_note) == {"en", "it", "ru"} for office in kazakh)


# --- a body template or a call script cannot print what the office may not learn ------------


@pytest.mark.parametrize("rule", RULES)
def test_a_template_that_prints_every_field_prints_only_the_allowed_ones(appeal, office, rule):
    spy = "{{ sender.street }}|{{ sender.postcode }}|{{ sender.city }}|{{ sender.email }}"
    template = render.compile_source(appeal.folder, "letter.it.txt", spy + "\n\n{{ ask }}")
    spying = dataclasses.replace(appeal, bodies={**appeal.bodies, "it": template})
    body = letter_under(spying, office, rule).body
    expected = {
        "full": f"{STREET}|{POSTCODE}|{CITY}|{EMAIL}",
        "city": f"||{CITY}|",
        "name": "|||",
        "organisation": "|||",
    }
    assert body.splitlines()[0] == expected[rule]


@pytest.mark.parametrize("rule", RULES)
def test_the_call_script_follows_the_rule(appeal, office, rule):
    spy = render.compile_source(appeal.folder, "call", "{{ sender.name }} {{ sender.city }}.")
    spying = dataclasses.replace(appeal, call_scripts={"en": spy})
    script = render.render_call_script(
        spying, dataclasses.replace(office, disclosure=rule), SUPPORTER, "en"
    )
    assert script == ("Maria Rossi Trieste." if rule in ("full", "city") else "Maria Rossi .")


# --- the PDF, read by position ----------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES)
def test_the_pdf_letterhead_shows_what_the_rule_allows(printed, rule):
    assert printed[rule]["letterhead"] == LETTERHEAD[rule]


@pytest.mark.parametrize("rule", RULES)
def test_the_return_line_in_the_window(printed, rule):
    assert squeezed("".join(printed[rule]["return_zone"])) == squeezed(RETURN_LINE[rule])


@pytest.mark.parametrize("rule", RULES)
def test_the_recipient_shows_its_country_unless_the_office_may_know_the_letter_is_domestic(
    printed, rule
):
    window = printed[rule]["window"]
    assert "Piazza del Viminale 1" in window
    # A supporter in Italy writing to Rome: only an office that may learn the country is
    # written to without the country line (its absence would say where the letter is from).
    assert (window[-1] == "ITALY") == (rule in ("name", "organisation"))


@pytest.mark.parametrize("rule", RULES)
def test_the_date_line_and_the_signature(printed, rule):
    date = printed[rule]["date"]
    assert len(date) == 1 and date[0].endswith(printed[rule]["letter"].place_date.split(", ")[-1])
    assert date[0].startswith(f"{CITY},") == (rule in ("full", "city"))
    assert printed[rule]["under_closing"] == ["Maria", "Rossi"]  # the name, nothing else


@pytest.mark.parametrize("rule", RULES)
def test_nothing_hidden_is_anywhere_in_the_pdf(printed, rule):
    text = printed[rule]["text"]
    assert "Maria Rossi" in text and "Piazza del Viminale" in text
    for hidden in HIDDEN[rule]:
        assert hidden not in text, f"{hidden!r} is printed under {rule}"
    if rule == "city":  # the town: in the letterhead and the date line only
        assert text.count(CITY) == 2


def test_the_pdf_prints_exactly_the_sender_block(printed):
    for rule in RULES:
        block = disclosure.sender_block(printed[rule]["letter"])
        lines = [*block.lines, *([block.email] if block.email else [])]
        assert printed[rule]["letterhead"] == lines


# --- e-mail: the .eml, the mailto link, the webmail links, the copy texts ----------------------


def emailed(appeal, office, rule):
    """The letter to an office with an e-mail address, under `rule`."""
    with_email = dataclasses.replace(office, emails=("interno@example.org",), email_note="")
    return letter_under(appeal, with_email, rule)


SIGNATURES = {
    "full": f"Maria Rossi\n{STREET}\n{POSTCODE} {CITY}\nItalia\n{EMAIL}",
    "city": f"Maria Rossi\n{CITY}\nItalia",
    "name": "Maria Rossi",
    "organisation": "\n".join(LETTERHEAD["organisation"]),
}


@pytest.mark.parametrize("rule", RULES)
def test_the_eml_follows_the_rule(appeal, office, rule):
    letter = emailed(appeal, office, rule)
    raw = drafts.eml(letter)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["To"] == "interno@example.org"
    # The e-mail itself reveals the sender's address whatever the letter says (the preview says
    # so); the draft names it only where the letter does, else the mail program sends its own.
    if rule == "full":
        assert message["From"] == f"Maria Rossi <{EMAIL}>"
    else:
        assert message["From"] is None and message["Reply-To"] is None
    body = message.get_content().replace("\r\n", "\n")
    assert body.rstrip().endswith("Distinti saluti,\n" + SIGNATURES[rule])
    for hidden in HIDDEN[rule]:
        assert hidden not in body and hidden.encode() not in raw


@pytest.mark.parametrize("rule", RULES)
def test_the_mailto_link_follows_the_rule(appeal, office, rule):
    letter = emailed(appeal, office, rule)
    letter = dataclasses.replace(letter, body="Short.\n")  # within the link's budget
    link = drafts.mailto(letter).link
    parts = urlsplit(link)
    fields = parse_qs(parts.query, strict_parsing=True)
    assert parts.scheme == "mailto" and unquote(parts.path) == "interno@example.org"
    body = fields["body"][0].replace("\r\n", "\n")
    assert body.rstrip().endswith("Distinti saluti,\n" + SIGNATURES[rule])
    for hidden in HIDDEN[rule]:
        assert hidden not in unquote(link)


@pytest.mark.parametrize("rule", RULES)
def test_the_webmail_links_and_the_copy_texts_follow_the_rule(appeal, office, rule):
    letter = emailed(appeal, office, rule)
    for name, link in drafts.webmail_links(letter).items():
        fields = parse_qs(urlsplit(link).query)
        body = fields["body"][0]
        assert body.rstrip().endswith(SIGNATURES[rule]), name
        assert all(hidden not in unquote(link) for hidden in HIDDEN[rule]), name
    copy = drafts.plain_copy(letter)
    assert copy["body"].rstrip().endswith(SIGNATURES[rule])
    assert all(hidden not in " ".join(copy.values()) for hidden in HIDDEN[rule])


# --- what the supporter is told ---------------------------------------------------------------


def test_learned_names_the_typed_address_and_its_provider(appeal, office):
    learned = disclosure.learned(letter_under(appeal, office, "name"), "  maria.rossi@example.net ")
    assert (learned.email_address, learned.mail_provider) == (EMAIL, "example.net")
    assert learned.block.lines == ("Maria Rossi",) and learned.block.return_line == ""
    assert learned.organisation == ""
    assert disclosure.learned(letter_under(appeal, office, "name")).mail_provider == ""


def test_learned_under_organisation_names_the_organisation(appeal, office):
    learned = disclosure.learned(letter_under(appeal, office, "organisation"))
    assert learned.organisation == "Example Rights Foundation"
    assert learned.block.lines == tuple(LETTERHEAD["organisation"])


def test_the_organisation_lines_put_the_supporter_first_whatever_the_country_format():
    # Belgium's postal format puts the organisation before the person; the letter is signed by
    # the supporter, so the name stays first.
    brussels = Organisation(
        "Example Rights Foundation",
        Address(lines=("Rue de la Loi 1",), postcode="1000", city="Bruxelles", country="BE"),
    )
    lines = disclosure.organisation_lines("Maria Rossi", brussels)
    assert lines == [
        "Maria Rossi",
        "Example Rights Foundation",
        "Rue de la Loi 1",
        "1000 BRUXELLES",
        "BELGIUM",
    ]


def test_the_safety_note_in_the_interface_language_else_english(site):
    office = load_site(site).directory.get("kz-general-prosecutor")
    note, language = disclosure.safety_note(office, "ru")
    assert language == "ru" and note.startswith("Это ведомство")
    note, language = disclosure.safety_note(office, "de")
    assert language == "en" and note.startswith("This office belongs to the Kazakh state")
    assert disclosure.safety_note(load_site(site).directory.get("it-interior"), "it")[0] == ""

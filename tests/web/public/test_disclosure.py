"""The preview says what each office will learn about the supporter, per card and per channel,
in the interface language; the post lines are the ones the PDF prints."""

from __future__ import annotations

import html as entities
import io
import re

import pdfplumber
import pytest

from campaign import directory
from tests.builders import ORGANISATION, set_disclosure
from tests.web.pages import SENDER, write_data

MM = 72 / 25.4
HEADINGS = {
    "en": "What this office will learn about you",
    "it": "Che cosa saprà di te questo ufficio",
    "ru": "Что это ведомство узнает о вас",
}


def preview(client, language: str = "en", **changes):
    """The preview of every office's letter, in the interface `language`."""
    response = client.post(f"/write?lang={language}", data=write_data(client, **changes))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def block(html: str, element_id: str) -> str:
    """The HTML of the element with this id, up to the end of its own tag name."""
    start = html.index(f'id="{element_id}"')
    tag = html.rfind("<", 0, start)
    name = re.match(r"<(\w+)", html[tag:]).group(1)
    depth, position = 0, tag
    for match in re.finditer(rf"<(/?){name}\b", html[tag:]):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            position = tag + match.end()
            break
    return html[tag:position]


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, white space made single."""
    return " ".join(entities.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def printed_lines(html: str, office_id: str) -> dict[str, list[str]]:
    """The post panel's lists: what it says each place of the letter prints, line by line."""
    panel = block(html, f"learns-post-{office_id}")
    terms = [text_of(term) for term in re.findall(r"<dt>(.*?)</dt>", panel, re.S)]
    values = [
        [entities.unescape(span) for span in re.findall(r"<span[^>]*>(.*?)</span>", value)]
        for value in re.findall(r"<dd>(.*?)</dd>", panel, re.S)
    ]
    return dict(zip(terms, values, strict=True))


def test_each_card_says_what_its_office_learns(client):
    html = preview(client)
    kazakh = text_of(block(html, "learns-kz-nsc-atyrau"))
    assert kazakh.startswith("What this office will learn about you")
    assert "shows only your name: no address, no town, no e-mail address" in kazakh
    assert "A note from the organisers: This office belongs to the Kazakh state" in kazakh
    italian = text_of(block(html, "learns-it-interior"))
    assert "shows your name, your address and your e-mail address" in italian
    assert "A note from the organisers" not in italian  # no note for this office


def test_the_post_panel_lists_the_lines_printed(client):
    html = preview(client)
    assert printed_lines(html, "kz-nsc-atyrau") == {
        "At the top of the letter": ["Maria Rossi"],
        "Above the address, in the envelope window": ["nothing"],
        "The date line": [
            re.search(r'class="place-date"[^>]*>([^<]*)<', block(html, "card-kz-nsc-atyrau")).group(
                1
            )
        ],
        "Under your signature": ["Maria Rossi"],
    }
    full = printed_lines(html, "it-interior")
    assert full["At the top of the letter"] == [
        "Maria Rossi",
        "Via Roma 1",
        "20100 Milano",
        "Italia",
        "maria@example.org",
    ]
    assert full["Above the address, in the envelope window"] == [
        "Maria Rossi · Via Roma 1 · 20100 Milano · Italia"
    ]
    assert full["The date line"][0].startswith("Milano, ")


@pytest.mark.parametrize("office_id", ["it-interior", "kz-nsc-atyrau"])
def test_the_post_panel_and_the_pdf_agree(client, office_id):
    lines = printed_lines(preview(client), office_id)
    response = client.post(f"/letters/{office_id}.pdf", data=write_data(client))
    with pdfplumber.open(io.BytesIO(response.data)) as document:
        first = document.pages[0]
        letterhead = first.within_bbox((100 * MM, 10 * MM, 191 * MM, 44.9 * MM)).extract_text()
        zone = first.within_bbox((19.9 * MM, 45 * MM, 105.1 * MM, 62.6 * MM)).extract_text()
        text = first.extract_text()
    assert (letterhead or "").splitlines() == lines["At the top of the letter"]
    window = "".join(lines["Above the address, in the envelope window"])
    assert "".join((zone or "").split()) == ("".join(window.split()) if window != "nothing" else "")
    assert lines["The date line"][0].replace("\xa0", " ") in text  # PDF text: plain spaces


def test_a_card_of_an_office_that_learns_the_name_only_shows_nothing_else(client):
    card = block(preview(client), "card-kz-nsc-atyrau")
    shown = text_of(card)
    for hidden in ("Via Roma 1", "20100", "Milano"):
        assert hidden not in shown, hidden
    # The supporter's address appears once: where the e-mail panel says an e-mail reveals it.
    email_panel = text_of(block(card, "learns-email-kz-nsc-atyrau"))
    assert shown.count(SENDER["email"]) == email_panel.count(SENDER["email"]) == 1
    assert "Your mail provider, example.org, which the message's headers name too." in email_panel
    assert "send the letter by post instead" in email_panel


def test_the_channels_say_what_they_reveal(client):
    html = preview(client)
    phone = text_of(block(html, "learns-phone-kz-nsc-atyrau"))
    assert "unless you withhold it with your phone's caller-ID setting" in phone
    fax = text_of(block(html, "learns-fax-kz-embassy-italy-consular"))
    assert "The fax header of your machine or fax service" in fax
    assert 'id="learns-fax-kz-nsc-atyrau"' not in html  # no fax number: no fax panel
    full = text_of(block(html, "learns-email-it-interior"))
    assert "send the letter by post instead" not in full  # its letter names the address anyway


def test_without_an_e_mail_the_panel_speaks_of_the_address_you_send_from(client):
    email_panel = text_of(block(preview(client, email=""), "learns-email-kz-nsc-atyrau"))
    assert "The e-mail address you send from: an e-mail always shows where it comes from." in (
        email_panel
    )
    assert "Your mail provider, which the message's headers name too." in email_panel


@pytest.mark.parametrize("language", ["it", "ru"])
def test_the_panels_speak_the_interface_language(client, site, language):
    html = preview(client, language)
    panel = block(html, "learns-kz-general-prosecutor")
    assert HEADINGS[language] in text_of(panel)
    note = directory.load(site.recipients).get("kz-general-prosecutor").safety_note[language]
    assert f'<span lang="{language}">{entities.escape(note, quote=False)}</span>' in panel.replace(
        "&#39;", "'"
    )
    post = text_of(block(html, "learns-post-kz-general-prosecutor"))
    assert "What this office learns from the letter" not in post  # translated, not English
    assert "Maria Rossi" in post


def test_under_city_and_organisation(client, site):
    set_disclosure(
        site, {"it-interior": "city", "kz-president": "organisation"}, organisation=ORGANISATION
    )
    html = preview(client)
    city = printed_lines(html, "it-interior")
    assert city["At the top of the letter"] == ["Maria Rossi", "Milano", "Italia"]
    assert city["Above the address, in the envelope window"] == ["nothing"]
    assert "shows only your name, your town and your country" in text_of(
        block(html, "learns-it-interior")
    )
    organisation = printed_lines(html, "kz-president")
    assert organisation["At the top of the letter"] == [
        "Maria Rossi",
        "Example Rights Foundation",
        "ul. Testowa 5",
        "00-950 WARSZAWA",
        "POLAND",
    ]
    assert "the address of Example Rights Foundation, so that any answer goes to them" in text_of(
        block(html, "learns-kz-president")
    )


def test_the_live_links_follow_the_rule(client):
    data = write_data(client)
    response = client.post("/preview/links", data=data)
    links = response.get_json()
    kazakh = links["kz-nsc-atyrau"]["copy"]["body"]
    assert kazakh.rstrip().endswith("Maria Rossi")
    assert all(hidden not in kazakh for hidden in ("Via Roma 1", "Milano", "maria@example.org"))
    italian = links["it-foreign-affairs"]["copy"]["body"]
    assert italian.rstrip().endswith("maria@example.org")


# The disclosure's texts outside _learns.html: the console's, and the form's hints.
CONSOLE_TEXTS = (
    "What the letters show this office of the supporter",
    "Safety note for supporters (%(language)s)",
    "The campaign's default: %(rule)s",
    "The campaign's default",
    "Full: name, address and e-mail",
    "City: name, town and country",
    "Name only",
    "Organisation: the name over the organisation's return address",
    "What the office learns about the supporter",
    "What the letters show an office of the supporter, unless it has a rule of its own",
    "What offices learn about supporters",
    "The organisation's return address",
    "Name of the organisation",
    # the form's hints on the address and the e-mail, which not every office learns
    "Printed under your name and put in the e-mail drafts as the sender, for the offices "
    "allowed to see it.",
    "Optional. It is printed on the letters as the sender's address, so that an office can "
    "reply, but only for the offices allowed to see it: the preview says what each office will "
    "learn about you.",
)


def test_every_text_of_the_disclosure_is_translated():
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    from campaign.web.i18n import TRANSLATIONS

    template = TRANSLATIONS.parent / "templates" / "_learns.html"
    texts = {message for _, message, _, _ in extract_from_file("jinja2", str(template))}
    texts |= set(CONSOLE_TEXTS)
    assert len(texts) > 35
    for language in ("it", "ru"):
        with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
            catalog = read_po(file)
        missing = [text for text in texts if not (catalog.get(text) and catalog[text].string)]
        assert missing == [], language


def test_a_safety_note_and_a_typed_address_are_shown_as_text(client, site):
    from campaign.editing import offices
    from campaign.yamlfile import dump_document, load_document

    hostile = "<script>alert(1)</script> {{ 7*7 }} <b>bold</b>"
    document = load_document(site.recipients.read_bytes(), site.recipients.name)
    offices.update_office(document, "kz-president", {"safety_note": {"en": hostile}})
    site.recipients.write_bytes(dump_document(document, site.recipients.name))
    html = preview(client, email="\u202emaria@example.org")
    panel = block(html, "learns-kz-president")
    assert "<script>" not in panel and "&lt;script&gt;alert(1)&lt;/script&gt;" in panel
    assert "{{ 7*7 }}" in panel and "49" not in panel
    email_panel = block(html, "learns-email-kz-president")
    assert "\u202e" not in email_panel and "maria@example.org" in email_panel

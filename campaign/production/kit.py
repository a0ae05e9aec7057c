"""An event kit: for each office a letter to write by hand and a sheet of talking points, and
a case card for the table with the campaign's summary and a QR code to the campaign page.

The letter to write by hand is a letter like every other, printed by print.html through the
render pool: so the office's address sits exactly where the printed letter puts it, in the
envelope window. It carries the date line, the salutation, ruled lines and the closing formula
in the office's language, and no sender. The sheet of talking points (what the office is
asked, the points recipients.yaml gives for it, the campaign in short and its chronology) is
in the office's language and the supporter's (the interface language chosen); the card in the
supporter's. A kit is made for an open appeal, and for offices that take letters. The QR code is
drawn here (segno, as SVG), never fetched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from urllib.parse import urlsplit

import segno

from campaign import limits
from campaign.errors import CampaignError
from campaign.letters import states
from campaign.letters.pdf import check_paper
from campaign.letters.render import pick_subject
from campaign.letters.render_pool import RenderPool
from campaign.models import (
    LANGUAGES,
    OPEN,
    Letter,
    Recipient,
    Sender,
    localized,
    talking_points,
)
from campaign.production.documents import document_html, office_name
from campaign.production.labels import labels
from campaign.rulebook import Loaded
from campaign.text import long_date

TEMPLATE = "kit.html"
CASE_CARD = "case-card.pdf"
# The lines that fill the first page below the salutation, above the closing formula.
RULED_LINES = {"a4": 14, "letter": 11}
DATE_LINE = "_" * 28  # the place and date, written by hand on the printed line


def check_url(url: str) -> str:
    """The campaign page's address: http or https, with a host; else a CampaignError."""
    address = (url or "").strip()
    parts = urlsplit(address)
    if not address:
        raise CampaignError(
            "the campaign page's address is missing: give it with --url (or CAMPAIGN_URL), "
            "e.g. https://example.org/"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CampaignError(
            f'"{address[:100]}" is not a web address: the campaign page\'s address must start '
            "with https:// (or http://) and name a host"
        )
    if any(char.isspace() or ord(char) < 32 for char in address):
        raise CampaignError("the campaign page's address must not contain spaces or line breaks")
    if len(address) > limits.CAMPAIGN_URL:
        raise CampaignError(
            f"the campaign page's address is {len(address)} characters long; the limit is "
            f"{limits.CAMPAIGN_URL} (a longer one makes a QR code too dense to scan)"
        )
    return address


def handwritten_letter(loaded: Loaded, office: Recipient, paper: str = "a4") -> Letter:
    """The letter to write by hand to `office`: its window address, a date line, the
    salutation, ruled lines and the closing formula, in the office's language."""
    campaign, language = loaded.appeal.campaign, office.language
    nobody = Sender(name="")
    return Letter(
        recipient=office,
        sender=nobody,
        language=language,
        subject=pick_subject(campaign, language, nobody, office),
        place_date=DATE_LINE,
        salutation=localized(office.salutation, language) + ",",
        body="",
        closing=localized(campaign.closing, language),
        ruled_lines=RULED_LINES[check_paper(paper)],
    )


def make_kit(
    loaded: Loaded,
    offices: Sequence[Recipient],
    *,
    language: str,
    url: str,
    paper: str,
    pool: RenderPool,
) -> dict[str, bytes]:
    """The kit's files by name: <office>-letter.pdf and <office>-talking-points.pdf for each
    office, and case-card.pdf."""
    if language not in LANGUAGES:
        raise CampaignError(f'"{language}" is not a language; use one of {", ".join(LANGUAGES)}')
    address = check_url(url)
    state = states.state_of(loaded.appeal.campaign)
    if state != OPEN:
        raise CampaignError(f"the appeal is {state} now: an event kit is made for an open appeal")
    if not offices:
        raise CampaignError("choose at least one office for the kit")
    for office in offices:
        if states.is_paused(office):
            raise CampaignError(f"{states.paused_note(office)}; leave it out of the kit")
    letters = [handwritten_letter(loaded, office, paper) for office in offices]
    title = localized(loaded.appeal.campaign.title, language)
    files: dict[str, bytes] = {}
    for start in range(0, len(letters), limits.LETTERS_PER_REQUEST):
        batch = letters[start : start + limits.LETTERS_PER_REQUEST]
        _combined, singles = pool.split(
            batch, paper=paper, templates_dir=loaded.appeal.folder, title=title
        )
        files.update({f"{office}-letter.pdf": data for office, data in singles.items()})
    for office in offices:
        source = talking_points_html(loaded, office, language, paper)
        files[f"{office.id}-talking-points.pdf"] = pool.document(source, TEMPLATE)
    source = case_card_html(loaded, offices, language, address, paper)
    files[CASE_CARD] = pool.document(source, TEMPLATE)
    return files


def talking_points_html(loaded: Loaded, office: Recipient, language: str, paper: str) -> str:
    """The sheet of talking points for `office`: its language first, then the supporter's."""
    campaign = loaded.appeal.campaign
    languages = list(dict.fromkeys([office.language, language]))
    columns = [
        {
            "language": code,
            "words": labels(code),
            "title": localized(campaign.title, code),
            "office": office_name(office, code),
            "ask": as_sentence(localized(office.ask, code)),
            "points": talking_points(office, code),
            "summary": localized(campaign.summary, code),
            "events": [
                {
                    "date": long_date(dt.date.fromisoformat(event.date), code),
                    "text": localized(event.text, code),
                    "source": event.source,
                }
                for event in campaign.chronology
            ],
        }
        for code in languages
    ]
    cited = dict.fromkeys(event.source for event in campaign.chronology)
    return document_html(
        TEMPLATE,
        language=office.language,
        title=f"{labels(office.language)['talking_points']}: {columns[0]['office']}",
        paper=paper,
        sheet="talking-points",
        columns=columns,
        sources=[(source, campaign.sources.get(source, source)) for source in cited],
        source_words=labels(language),
    )


def case_card_html(
    loaded: Loaded,
    offices: Sequence[Recipient],
    language: str,
    url: str,
    paper: str,
) -> str:
    """The card for the table: the summary, the offices, a QR code to the campaign page."""
    campaign = loaded.appeal.campaign
    qr = segno.make(url, error="m")
    return document_html(
        TEMPLATE,
        language=language,
        title=localized(campaign.title, language),
        paper=paper,
        sheet="case-card",
        words=labels(language),
        campaign_title=localized(campaign.title, language),
        summary=localized(campaign.summary, language),
        organiser=campaign.organiser,
        offices=[office_name(office, language) for office in offices],
        qr=qr.svg_data_uri(border=4, dark="#000", light="#fff"),
        url=url,
        sources=[campaign.sources[source] for source in campaign.background_sources],
    )


def as_sentence(ask: str) -> str:
    """An office's ask ("to clarify ...", written to follow "I ask you to") as a sentence."""
    text = ask.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return text[:1].upper() + text[1:]

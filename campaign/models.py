"""Plain, frozen data: what the directory, the campaign and a letter are made of."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from campaign.text import lf

LANGUAGES = ("en", "it", "ru")  # the languages a letter can be written in
DEFAULT_LANGUAGE = "en"
# The appeal's life: supporters write while it is open; a pause stops every letter for now;
# a win shows the outcome (and offers thank-you letters, if there are any); closed is the end.
OPEN, PAUSED, WON, CLOSED = "open", "paused", "won", "closed"
APPEAL_STATES = (OPEN, PAUSED, WON, CLOSED)

Localized = Mapping[str, str]  # {"en": "...", "it": "...", "ru": "..."}


def localized(value: Localized, language: str) -> str:
    """The text in `language`, else in English, else the first one there is."""
    return value.get(language) or value.get(DEFAULT_LANGUAGE) or next(iter(value.values()), "")


@dataclass(frozen=True)
class Address:
    """A postal address, structured so it can be printed in its country's format."""

    lines: tuple[str, ...]  # street and house, building, entrance: as the post office expects
    city: str
    country: str  # ISO 3166 alpha-2
    postcode: str = ""
    region: str = ""


@dataclass(frozen=True)
class Phone:
    """A phone or fax number: E.164 where the digits allow it, else the source form only."""

    source: str  # as written in the source document
    e164: str = ""  # "+390636064651"; empty when the digits are ambiguous
    display: str = ""  # "+39 06 3606 4651"; the source form when there is no E.164


@dataclass(frozen=True)
class Pause:
    """Why an office gets no letters for now, and the office to write to instead, if any."""

    reason: Localized
    replacement: str = ""  # the id of an office that is not paused itself


@dataclass(frozen=True)
class Recipient:
    """One office of the directory."""

    id: str
    office: str
    country: str
    language: str
    address: Address
    salutation: Localized
    ask: Localized
    office_local: str = ""
    person: str = ""
    title: str = ""
    phones: tuple[Phone, ...] = ()
    faxes: tuple[Phone, ...] = ()
    emails: tuple[str, ...] = ()
    email_note: str = ""
    # What the sender block shows this office (directory.schema.DISCLOSURES); "" means the
    # campaign's default. The organiser's safety note is shown to supporters before they write.
    disclosure: str = ""
    safety_note: Localized = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    source: str = ""
    verified: str = ""  # ISO date of the last check
    line: int = 0  # line of the entry in recipients.yaml, for messages
    # The appeal's life: a paused office gets no letter; what a supporter could say in their
    # own words to this office, per language.
    pause: Pause | None = None
    talking_points: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sender:
    """The supporter who writes. Never stored: it lives for one request or one export."""

    name: str
    street: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""  # ISO 3166 alpha-2, or empty
    email: str = ""
    note: str = ""  # the supporter's own words: one paragraph of its own in the letter


@dataclass(frozen=True)
class Organisation:
    """The organisation whose return address stands for the supporter's own (`organisation`)."""

    name: str
    address: Address


@dataclass(frozen=True)
class Event:
    """One dated event of the chronology, with the document it comes from."""

    date: str  # ISO date
    text: Localized
    source: str


@dataclass(frozen=True)
class Update:
    """One entry of the update log: what happened since the appeal began, and who says so."""

    date: str  # ISO date
    text: Localized
    source: str = ""  # the id of one of the campaign's sources, or empty
    url: str = ""  # a web address where it is published, or empty (one of the two is given)


@dataclass(frozen=True)
class Quote:
    """A quote of a human-rights organisation, attributed."""

    text: str
    speaker: str
    role: str
    organisation: str
    source: str
    date: str = ""


@dataclass(frozen=True)
class Campaign:
    """The campaign: what the page says and what every letter shares."""

    id: str
    title: Localized
    summary: Localized
    background: Localized
    chronology: tuple[Event, ...]
    quotes: tuple[Quote, ...]
    subjects: Mapping[str, tuple[str, ...]]  # per language, the variants a supporter may get
    closing: Localized  # "Yours sincerely,"
    call_script: Localized  # Jinja, in the supporter's language: what to say on the phone
    organiser: str
    sources: Mapping[str, str]  # source id -> description of the document
    deadline: str = ""  # ISO date, or empty: when past, the appeal is closed
    background_sources: tuple[str, ...] = ()  # ids of the sources the background is drawn from
    # The appeal's life: open, paused (pause_reason says why), won (outcome says what
    # happened) or closed; the update log; the subjects of the thank-you letters, if any.
    state: str = "open"
    pause_reason: Localized = field(default_factory=dict)
    outcome: Localized = field(default_factory=dict)
    updates: tuple[Update, ...] = ()
    thanks_subjects: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    disclosure: str = "full"  # the rule of the offices that have none of their own
    organisation: Organisation | None = None  # the return address under `organisation`


@dataclass(frozen=True)
class Letter:
    """One appeal to one office, in one language. The PDF, the mailto and the .eml all read it."""

    recipient: Recipient
    sender: Sender
    language: str
    subject: str
    place_date: str  # "Rome, 22 November 2026"
    salutation: str  # "Dear Minister,"
    body: str  # paragraphs separated by blank lines; what a supporter may edit
    closing: str  # "Yours sincerely,"
    signature: tuple[str, ...] = field(default=())  # name, then address lines, then e-mail
    # What the office may learn (letters.disclosure): `sender` holds only that already, and
    # the letterhead, return line and signature follow the rule.
    disclosure: str = "full"
    organisation: Organisation | None = None  # the return address under `organisation`

    @property
    def paragraphs(self) -> list[str]:
        """The body split into paragraphs at blank lines."""
        return split_paragraphs(self.body)

    @property
    def text(self) -> str:
        """The whole letter as plain text, as an e-mail carries it."""
        parts = [self.salutation, *self.paragraphs, self.closing + "\n" + "\n".join(self.signature)]
        return "\n\n".join(parts) + "\n"


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of `text`: separated by one or more blank lines, each stripped."""
    paragraphs, current = [], []
    for line in lf(text).split("\n"):
        if line.strip():
            current.append(line.rstrip())
        elif current:
            paragraphs.append("\n".join(current).strip())
            current = []
    if current:
        paragraphs.append("\n".join(current).strip())
    return paragraphs

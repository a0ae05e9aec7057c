"""From a posted form to Letters and preview cards: only calls into the core, no new rules."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from campaign import limits
from campaign.directory import channels
from campaign.errors import InvalidData, Problem
from campaign.letters import disclosure, drafts, states
from campaign.letters.render import render_call_script, render_letter
from campaign.letters.senders import make_sender
from campaign.models import LANGUAGES, Letter, Phone, Recipient, Sender, split_paragraphs
from campaign.rulebook import Loaded
from campaign.text import multi_line, one_line
from campaign.web.public.forms import AUTO, WriteForm


@dataclass(frozen=True)
class Request:
    """A valid request for letters: who, to whom, in which language."""

    sender: Sender
    offices: list[Recipient]
    language: str  # "auto" or one of LANGUAGES


@dataclass(frozen=True)
class Card:
    """Everything the preview shows for one office."""

    letter: Letter
    address: list[str]
    translation: Letter | None  # the letter in the interface language, when it differs
    mailto: drafts.Mailto
    webmail: dict[str, str]
    copy: dict[str, str]
    call_script: str
    phones: tuple[Phone, ...]
    faxes: tuple[Phone, ...]
    channels: tuple[str, ...]  # for "I sent it"
    learned: disclosure.Learned  # what the office learns of the supporter, by each channel
    safety_note: str = ""  # the organisers' note on this office, in `safety_note_language`
    safety_note_language: str = ""
    talking_points: tuple[str, ...] = ()  # in the interface language, beside the editor
    standard: bool = False  # the template's text and no note: say, once, that yours counts more

    @property
    def id(self) -> str:
        """The office id."""
        return self.letter.recipient.id


def read_request(form: WriteForm, loaded: Loaded) -> Request:
    """The sender, the offices and the language of a posted form; InvalidData per field."""
    problems: list[Problem] = []
    try:
        sender = make_sender(**form.sender_values())
    except InvalidData as error:
        problems.extend(error.problems)
        sender = None
    known = {office.id: office for office in loaded.directory.recipients}
    chosen = [office_id for office_id in form.offices.data or [] if office_id in known]
    paused = [office_id for office_id in chosen if states.is_paused(known[office_id])]
    if not chosen or len(chosen) != len(form.offices.data or []):
        problems.append(Problem("offices", "choose at least one office from the list"))
    elif paused:  # a form from before the pause: no letter to it, from any channel
        problems.append(Problem("offices", "paused", known[paused[0]].office))
    elif len(set(chosen)) > limits.LETTERS_PER_REQUEST:
        problems.append(Problem("offices", "too many"))
    if form.language.data not in (AUTO, *LANGUAGES):
        problems.append(Problem("language", "choose auto or one of the letter languages"))
    if problems or sender is None:
        raise InvalidData(problems)
    return Request(
        sender, [known[office_id] for office_id in dict.fromkeys(chosen)], form.language.data
    )


def render_letters(loaded: Loaded, wanted: Request) -> list[Letter]:
    """One letter per chosen office, as the templates write it."""
    return [
        render_letter(loaded.appeal, office, wanted.sender, wanted.language)
        for office in wanted.offices
    ]


def apply_edits(letters: list[Letter], posted: MultiDict) -> tuple[list[Letter], list[Problem]]:
    """The letters with the subjects and bodies edited in the preview, and what is wrong.

    Edits over a limit are kept in the letters, so the preview can show them to be fixed.
    """
    subject_limit, body_limit = limits.SUBJECT, limits.BODY
    edited, problems = [], []
    for letter in letters:
        subject_field, body_field = field_names(letter.recipient.id)
        subject = one_line(posted.get(subject_field, letter.subject))
        body = multi_line(posted.get(body_field, letter.body))
        if not subject or len(subject) > subject_limit:
            problems.append(Problem(subject_field, "length"))
        if not body or len(body) > body_limit:
            problems.append(Problem(body_field, "length"))
        elif len(split_paragraphs(body)) > limits.PARAGRAPHS:
            problems.append(Problem(body_field, "paragraphs"))
        edited.append(dataclasses.replace(letter, subject=subject, body=body + "\n"))
    return edited, problems


def standard_ids(written: list[Letter], sent: list[Letter]) -> frozenset[str]:
    """The offices whose letter is sent as the template wrote it, from a supporter who wrote
    no note of their own (`written`: as rendered; `sent`: as edited in the preview)."""
    return frozenset(
        after.recipient.id
        for before, after in zip(written, sent, strict=True)
        if not after.sender.note and before.paragraphs == after.paragraphs
    )


def talking_points(office: Recipient, language: str) -> tuple[str, ...]:
    """What a supporter could say to `office` in their own words, in `language` (or English)."""
    points = office.talking_points
    return points.get(language) or points.get("en") or ()


def field_names(office_id: str) -> tuple[str, str]:
    """The names of the subject and body fields of an office's card."""
    return f"subject-{office_id}", f"body-{office_id}"


def card(
    loaded: Loaded,
    letter: Letter,
    ui_language: str,
    supporter_email: str = "",
    standard: bool = False,
) -> Card:
    """The preview card of one letter: address, translation, drafts, call script, points, and
    what the office learns about the supporter (`supporter_email`: the address as typed)."""
    office, sender = letter.recipient, letter.sender
    translation = None
    if letter.language != ui_language:
        translation = render_letter(loaded.appeal, office, sender, ui_language)
    note, note_language = disclosure.safety_note(office, ui_language)
    return Card(
        letter=letter,
        address=disclosure.window_lines(letter),
        translation=translation,
        mailto=drafts.mailto(letter),
        webmail=drafts.webmail_links(letter),
        copy=drafts.plain_copy(letter),
        call_script=render_call_script(loaded.appeal, office, sender, ui_language)
        if office.phones and loaded.appeal.call_scripts  # a thank-you letter has none
        else "",
        phones=office.phones,
        faxes=office.faxes,
        channels=channels(office),
        # The points argue the appeal: a thank-you letter has none.
        talking_points=() if loaded.appeal.thanks_only else talking_points(office, ui_language),
        standard=standard,
        learned=disclosure.learned(letter, supporter_email),
        safety_note=note,
        safety_note_language=note_language,
    )

"""From a posted form to Letters and preview cards: only calls into the core, no new rules."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from campaign import limits
from campaign.directory import channels
from campaign.errors import Problem
from campaign.letters import disclosure, drafts
from campaign.letters.render import render_call_script, render_letter
from campaign.letters.senders import LetterRequest, letter_request
from campaign.models import Letter, Phone, split_paragraphs, talking_points
from campaign.rulebook import Loaded
from campaign.text import multi_line, one_line
from campaign.web.public.forms import WriteForm


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


def read_request(form: WriteForm, loaded: Loaded) -> LetterRequest:
    """The sender, the offices and the language of a posted form; InvalidData per field."""
    return letter_request(
        form.sender_values(),
        form.offices.data or [],
        form.language.data or "",
        loaded.directory.recipients,
    )


def render_letters(loaded: Loaded, wanted: LetterRequest) -> list[Letter]:
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

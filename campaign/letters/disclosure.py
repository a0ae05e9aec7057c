"""What each office learns about the supporter: its disclosure rule, applied to the sender.

An office's rule (`disclosure` in recipients.yaml, else campaign.yaml's default) decides what
its letters show: `full` the name, address and e-mail; `city` the name, town and country;
`name` the name only; `organisation` the name over the organisation's return address.
`disclosed` empties what the office may not learn before any template, PDF or draft sees the
sender, so nothing downstream can print it; `sender_block` is what a letter shows of its sender
(letterhead, return line, e-mail line), which the PDF, the e-mail text and the preview's "what
this office will learn about you" all read, so they never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from campaign.directory.addresses import (
    joined_return_line,
    postal_lines,
    recipient_lines,
    sender_lines,
)
from campaign.models import DEFAULT_LANGUAGE, Campaign, Letter, Organisation, Recipient, Sender

# The rules in plain words, for the command line (the web says them in the interface language).
IN_WORDS = {
    "full": "your name, address and e-mail",
    "city": "your name, town and country",
    "name": "your name only",
    "organisation": "your name over the organisation's return address",
}
# Only an address a letter can be sent back to earns a return line in the envelope window: a
# name, or a name and a town, returns nothing and would only show on the envelope to everyone
# who handles it.
_RETURN_LINE_RULES = ("full", "organisation")


@dataclass(frozen=True)
class SenderBlock:
    """The sender as one letter shows it to its office."""

    lines: tuple[str, ...]  # the letterhead: the name, then the address lines shown
    email: str = ""  # the e-mail line of the letterhead and of the e-mail text, or ""
    return_line: str = ""  # printed small above the recipient, in the window; or ""

    @property
    def name(self) -> str:
        """The name the letter is signed with."""
        return self.lines[0] if self.lines else ""

    @property
    def signature(self) -> tuple[str, ...]:
        """What follows the closing in the e-mail text: the letterhead lines, then the e-mail."""
        return (*self.lines, *([self.email] if self.email else []))


@dataclass(frozen=True)
class Learned:
    """What one office learns of the supporter, per channel: the preview says it before each."""

    rule: str
    block: SenderBlock  # post and fax: what the letter prints; e-mail: what its text ends with
    place_date: str  # the date line, with the town when the rule shows it
    organisation: str  # under `organisation`: whose return address the letter gives
    email_address: str  # the address the supporter typed: an e-mail goes out from one
    mail_provider: str  # its domain, which the message's headers name too


def rule_for(campaign: Campaign, recipient: Recipient) -> str:
    """The office's own rule, else the campaign's default."""
    return recipient.disclosure or campaign.disclosure


def disclosed(sender: Sender, rule: str) -> Sender:
    """The supporter as an office under `rule` may know them: every other field empty.

    An unknown rule shows the name only (the validators refuse one; nothing leaks meanwhile).
    The note stays: it is the supporter's own paragraph of the letter.
    """
    if rule == "full":
        return sender
    if rule == "city":
        return Sender(name=sender.name, city=sender.city, country=sender.country, note=sender.note)
    return Sender(name=sender.name, note=sender.note)


def block_of(
    sender: Sender, rule: str, organisation: Organisation | None, language: str
) -> SenderBlock:
    """What a letter in `language` under `rule` shows of `sender` (disclosed here again)."""
    shown = disclosed(sender, rule)
    if rule == "organisation" and organisation is not None:
        lines = organisation_lines(shown.name, organisation)
    else:
        lines = sender_lines(shown, language)
    return_line = joined_return_line(lines) if rule in _RETURN_LINE_RULES else ""
    return SenderBlock(tuple(lines), shown.email, return_line)


def sender_block(letter: Letter) -> SenderBlock:
    """What `letter` shows of its sender, by its rule: the PDF, the drafts and the preview."""
    return block_of(letter.sender, letter.disclosure, letter.organisation, letter.language)


def window_lines(letter: Letter) -> list[str]:
    """The recipient's address as the letter prints it in the window.

    Its country line is left out for a letter posted inside that country, which only an office
    that may learn the supporter's country can be told by its absence.
    """
    shown = disclosed(letter.sender, letter.disclosure)
    return recipient_lines(letter.recipient, letter.language, from_country=shown.country)


def organisation_lines(name: str, organisation: Organisation) -> list[str]:
    """The supporter's name over the organisation's name and address, in its postal format."""
    return [name, *postal_lines(organisation.address, company=organisation.name)]


def learned(letter: Letter, supporter_email: str = "") -> Learned:
    """What the office of `letter` learns, by each channel; `supporter_email` as typed."""
    address = supporter_email.strip()
    organisation = letter.organisation
    return Learned(
        rule=letter.disclosure,
        block=sender_block(letter),
        place_date=letter.place_date,
        organisation=organisation.name
        if organisation and letter.disclosure == "organisation"
        else "",
        email_address=address,
        mail_provider=address.rpartition("@")[2] if "@" in address else "",
    )


def safety_note(recipient: Recipient, language: str) -> tuple[str, str]:
    """The organisers' safety note on an office in `language`, else in English; and which."""
    shown = language if language in recipient.safety_note else DEFAULT_LANGUAGE
    return recipient.safety_note.get(shown, ""), shown

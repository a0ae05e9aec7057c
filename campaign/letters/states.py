"""The appeal's life: its state today, the offices that take letters, and the letters offered.

campaign.yaml's `state` (open, paused, won, closed) with its `deadline`, and each office's
`paused`, decide what every way in makes: the campaign page, the form, the preview, every
download, and `campaign export`. One function for each decision, so that the web and the
command line never disagree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from campaign.errors import CampaignError
from campaign.letters.render import Appeal
from campaign.models import CLOSED, OPEN, PAUSED, WON, Campaign, Recipient, localized


class NoLetters(CampaignError):
    """The appeal makes no letters now (paused, closed, or won without a thank-you letter)."""


def state_of(campaign: Campaign, today: dt.date | None = None) -> str:
    """The state today: as written, but an open or paused appeal past its deadline is closed."""
    if campaign.state in (OPEN, PAUSED) and deadline_passed(campaign, today):
        return CLOSED
    return campaign.state


def deadline_passed(campaign: Campaign, today: dt.date | None = None) -> bool:
    """Whether the appeal has a deadline and it is over."""
    if not campaign.deadline:
        return False
    return (today or dt.date.today()) > dt.date.fromisoformat(campaign.deadline)


def thanks_appeal(appeal: Appeal) -> Appeal:
    """The thank-you letters as an Appeal: their bodies and subjects; no call script."""
    campaign = dataclasses.replace(appeal.campaign, subjects=appeal.campaign.thanks_subjects)
    return dataclasses.replace(
        appeal, campaign=campaign, bodies=appeal.thanks, call_scripts={}, thanks_only=True
    )


def letters_offered(appeal: Appeal, today: dt.date | None = None) -> Appeal | None:
    """What supporters may write now: the appeal while it is open, the thank-you letters once
    it is won (if the organisers wrote them), else nothing."""
    state = state_of(appeal.campaign, today)
    if state == OPEN:
        return appeal
    if state == WON and appeal.thanks:
        return thanks_appeal(appeal)
    return None


def require_letters(appeal: Appeal, today: dt.date | None = None) -> Appeal:
    """The letters offered now (see letters_offered), or NoLetters saying why there are none."""
    offered = letters_offered(appeal, today)
    if offered is None:
        raise NoLetters(why_no_letters(appeal.campaign, today))
    return offered


def why_no_letters(campaign: Campaign, today: dt.date | None = None) -> str:
    """Why no letters are made now, in English (for the command line)."""
    state = state_of(campaign, today)
    if state == PAUSED:
        reason = localized(campaign.pause_reason, "en")
        return f"the appeal is paused, so no letters are made: {reason}"
    if state == WON:
        return (
            "the appeal is won and there is no thank-you letter (thanks.en.txt), so no letters "
            f"are made: {localized(campaign.outcome, 'en')}"
        )
    if campaign.state == CLOSED:
        return "the appeal is closed (state: closed in campaign.yaml), so no letters are made"
    return f"the appeal closed on its deadline ({campaign.deadline}), so no letters are made"


# --- offices ------------------------------------------------------------------------------------


def is_paused(office: Recipient) -> bool:
    """Whether the office takes no letters for now."""
    return office.pause is not None


def writable(offices: Iterable[Recipient]) -> tuple[Recipient, ...]:
    """The offices that take letters: every one that is not paused, in directory order."""
    return tuple(office for office in offices if not is_paused(office))


def paused_note(office: Recipient) -> str:
    """Why an office is skipped, in English (for the command line)."""
    if office.pause is None:
        return ""
    note = f"{office.id} is paused: {localized(office.pause.reason, 'en')}"
    if office.pause.replacement:
        note += f" (write to {office.pause.replacement} instead)"
    return note

"""What the campaign page shows, in the interface language: read from campaign.yaml only."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from campaign.letters import states
from campaign.models import (
    CLOSED,
    OPEN,
    PAUSED,
    WON,
    Campaign,
    Recipient,
    localized,
    split_paragraphs,
)
from campaign.rulebook import Loaded


@dataclass(frozen=True)
class Office:
    """One office as the campaign page lists it."""

    id: str
    name: str
    other_name: str  # the office's name in its own language (or in English), when it differs
    country: str
    ask: str
    recipient: Recipient
    paused: list[str] = field(default_factory=list)  # why, in paragraphs; empty: takes letters
    replacement: str = ""  # the id of the office to write to instead
    replacement_name: str = ""  # and its name, as `name`


@dataclass(frozen=True)
class CampaignView:
    """The campaign's texts in one language, ready for the template."""

    title: str
    summary: str
    background: list[str]
    chronology: list[dict]
    quotes: list[dict]
    offices: list[Office]
    sources: dict[str, str]
    background_sources: list[str]
    organiser: str
    deadline: str
    closed: bool
    # The appeal's life: the state today and what it says (a pause's reason, the outcome),
    # which letters are offered ("appeal", "thanks" or ""), the update log, newest first.
    state: str = OPEN
    note: list[str] = field(default_factory=list)
    letters: str = "appeal"
    updates: list[dict] = field(default_factory=list)


def campaign_view(loaded: Loaded, language: str) -> CampaignView:
    """The campaign page's content in `language`, English where a text is missing."""
    campaign = loaded.appeal.campaign
    return CampaignView(
        title=localized(campaign.title, language),
        summary=localized(campaign.summary, language),
        background=split_paragraphs(localized(campaign.background, language)),
        chronology=[
            {"date": event.date, "text": localized(event.text, language), "source": event.source}
            for event in campaign.chronology
        ],
        quotes=[asdict(quote) for quote in campaign.quotes],
        offices=offices_view(loaded.directory.recipients, language),
        sources=dict(campaign.sources),
        background_sources=list(campaign.background_sources),
        organiser=campaign.organiser,
        deadline=campaign.deadline,
        closed=states.state_of(campaign) == CLOSED,
        **life_view(loaded, language),
    )


def life_view(loaded: Loaded, language: str) -> dict:
    """The state, its note, the letters offered and the update log, in `language`."""
    campaign = loaded.appeal.campaign
    state = states.state_of(campaign)
    note = {PAUSED: campaign.pause_reason, WON: campaign.outcome}.get(state, {})
    offered = states.letters_offered(loaded.appeal)
    return {
        "state": state,
        "note": split_paragraphs(localized(note, language)) if note else [],
        "letters": "" if offered is None else ("thanks" if offered.thanks_only else "appeal"),
        "updates": updates_view(campaign, language),
    }


def updates_view(campaign: Campaign, language: str) -> list[dict]:
    """The update log in `language`, newest first (entries of one day in the file's order)."""
    newest_first = sorted(campaign.updates, key=lambda update: update.date, reverse=True)
    return [
        {
            "date": update.date,
            "text": split_paragraphs(localized(update.text, language)),
            "source": update.source,
            "url": update.url,
        }
        for update in newest_first
    ]


def offices_view(recipients: Iterable[Recipient], language: str) -> list[Office]:
    """Every office as `office` gives it, a paused one with its replacement's name."""
    views = [office(recipient, language) for recipient in recipients]
    names = {view.id: view.name for view in views}
    return [
        dataclasses.replace(view, replacement_name=names.get(view.replacement, view.replacement))
        if view.replacement
        else view
        for view in views
    ]


def office(recipient: Recipient, language: str) -> Office:
    """The office named as people of `language` best know it, and what it is asked."""
    local = recipient.office_local
    own_language = language == recipient.language and local
    pause = recipient.pause
    return Office(
        id=recipient.id,
        name=local if own_language else recipient.office,
        other_name=recipient.office if own_language else (local or ""),
        country=recipient.country,
        ask=localized(recipient.ask, language),
        recipient=recipient,
        paused=split_paragraphs(localized(pause.reason, language)) if pause else [],
        replacement=pause.replacement if pause else "",
    )

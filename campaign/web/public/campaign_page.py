"""What the campaign page shows, in the interface language: read from campaign.yaml only."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from campaign.letters.campaign_file import campaign_is_closed
from campaign.models import Recipient, localized, split_paragraphs
from campaign.rulebook import Loaded

__all__ = ["CampaignView", "Office", "campaign_is_closed", "campaign_view", "office"]


@dataclass(frozen=True)
class Office:
    """One office as the campaign page lists it."""

    id: str
    name: str
    other_name: str  # the office's name in its own language (or in English), when it differs
    country: str
    ask: str
    recipient: Recipient


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
        offices=[office(recipient, language) for recipient in loaded.directory.recipients],
        sources=dict(campaign.sources),
        background_sources=list(campaign.background_sources),
        organiser=campaign.organiser,
        deadline=campaign.deadline,
        closed=campaign_is_closed(campaign),
    )


def office(recipient: Recipient, language: str) -> Office:
    """The office named as people of `language` best know it, and what it is asked."""
    local = recipient.office_local
    own_language = language == recipient.language and local
    return Office(
        id=recipient.id,
        name=local if own_language else recipient.office,
        other_name=recipient.office if own_language else (local or ""),
        country=recipient.country,
        ask=localized(recipient.ask, language),
        recipient=recipient,
    )

"""Changes to campaign.yaml as a round-trip document: its texts, chronology, quotes, subjects.

`editing.save` is the one way to save such a change; the rulebook checks the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from campaign.directory.schema import ADDRESS_KEYS
from campaign.errors import CampaignError
from campaign.models import LANGUAGES, OPEN
from campaign.yamlfile.edit import set_fields, to_plain

CAMPAIGN_FIELDS = (
    "title",
    "summary",
    "background",
    "deadline",
    "state",
    "pause_reason",
    "outcome",
    "chronology",
    "quotes",
    "updates",
    "subjects",
    "disclosure",
    "organisation",
)
CAMPAIGN_KEYS = (  # the order of campaign.yaml, for a key that is new
    "id",
    "organiser",
    "disclosure",
    "organisation",
    "title",
    "summary",
    "background",
    "deadline",
    "state",
    "pause_reason",
    "outcome",
    "sources",
    "chronology",
    "updates",
    "quotes",
    "subjects",
    "thanks_subjects",
    "closing",
    "call_script",
)
ORDERS = {
    **dict.fromkeys(("title", "summary", "background", "subjects", "text"), LANGUAGES),
    "chronology": ("date", "source", "text"),
    "quotes": ("text", "speaker", "role", "organisation", "source", "date"),
    **dict.fromkeys(("pause_reason", "outcome"), LANGUAGES),
    "updates": ("date", "source", "url", "text"),
    "organisation": ("name", "address"),
    "address": ADDRESS_KEYS,
}
STATE_FIELDS = ("state", "pause_reason", "outcome")  # what the console's state form sets


def campaign_fields(document: Any) -> dict[str, Any]:
    """The editable fields of a campaign.yaml document as plain values (dates as ISO text)."""
    fields = {key: to_plain(document.get(key)) for key in CAMPAIGN_FIELDS}
    fields["state"] = fields["state"] or OPEN
    fields["deadline"] = fields["deadline"] or ""
    return fields


def set_campaign_fields(document: Any, plain: Mapping[str, Any]) -> None:
    """Write the fields given in `plain` into a campaign.yaml document, in place."""
    for key in plain:
        if key not in CAMPAIGN_FIELDS:
            raise CampaignError(
                f"'{key}' cannot be edited here; the fields are: {', '.join(CAMPAIGN_FIELDS)}"
            )
    set_fields(document, dict(plain), CAMPAIGN_KEYS, orders=ORDERS)


def set_state(document: Any, plain: Mapping[str, Any]) -> None:
    """Set the appeal's state with its reason or outcome (STATE_FIELDS) in a document."""
    for key in plain:
        if key not in STATE_FIELDS:
            raise CampaignError(f"'{key}' is not part of the state: {', '.join(STATE_FIELDS)}")
    set_campaign_fields(document, plain)
    document.pop("open", None)  # the yes/no of earlier versions, which `state` replaces


def set_subjects(document: Any, language: str, subjects: Sequence[str]) -> None:
    """Replace the subject variants of one language in a campaign.yaml document."""
    current = to_plain(document.get("subjects")) or {}
    set_campaign_fields(
        document, {"subjects": {**current, check_language(language): list(subjects)}}
    )


def check_language(language: str) -> str:
    """`language` if letters are written in it."""
    if language not in LANGUAGES:
        raise CampaignError(f"unknown language '{language}'; use one of {', '.join(LANGUAGES)}")
    return language

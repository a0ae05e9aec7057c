"""campaign.yaml: read, check every field at once, and turn it into a Campaign."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from campaign import limits
from campaign.directory.recipients_file import read_address
from campaign.directory.schema import DISCLOSURES
from campaign.errors import InvalidData, Problem
from campaign.models import (
    APPEAL_STATES,
    LANGUAGES,
    OPEN,
    PAUSED,
    WON,
    Campaign,
    Event,
    Organisation,
    Quote,
    Update,
)
from campaign.text import web_address_problem
from campaign.yamlfile.read import Checker, load_document, node_line

_LOCALIZED = ("title", "summary", "background", "closing", "call_script")
_MULTI_LINE = ("summary", "background", "call_script")  # the others are printed on one line
_QUOTE_FIELDS = ("speaker", "role", "organisation")
_TEXT_LIMITS = {key: limits.CAMPAIGN[key] for key in ("title", "summary", "background")}


def parse_campaign(data: bytes, name: str = "campaign.yaml") -> Campaign:
    """Check the bytes of a campaign.yaml (read elsewhere, or edited); InvalidData if wrong."""
    document = load_document(data, name)
    if not isinstance(document, Mapping):
        raise InvalidData([Problem(f"{name}:1", "must be a mapping of campaign fields")])
    check = Checker(name, data.decode("utf-8").splitlines())
    texts: dict[str, Any] = {
        key: check.localized(
            document, key, key, multiline=key in _MULTI_LINE, limit=_TEXT_LIMITS.get(key, 0)
        )
        for key in _LOCALIZED
    }
    sources = _sources(check, document)
    disclosure, organisation = _disclosure(check, document)
    campaign = Campaign(
        id=check.text(document, "id", "id", required=True),
        organiser=check.text(document, "organiser", "organiser", required=True),
        chronology=tuple(_events(check, document, sources)),
        quotes=tuple(_quotes(check, document, sources)),
        subjects=_subjects(check, document),
        sources=sources,
        deadline=check.date(document, "deadline", "deadline"),
        background_sources=_background_sources(check, document, sources),
        **_life(check, document, sources),
        disclosure=disclosure,
        organisation=organisation,
        **texts,
    )
    if check.problems:
        raise InvalidData(check.problems)
    return campaign


def _sources(check: Checker, document: Mapping) -> dict[str, str]:
    """Source id -> its title and file name."""
    node = check.mapping(document, "sources", "sources", required=False) or {}
    result = {}
    for key, value in node.items():
        field = f"sources.{key}"
        if isinstance(value, Mapping):
            title = check.text(value, "title", f"{field}.title", required=True)
            file = check.text(value, "file", f"{field}.file", required=True)
            result[str(key)] = f"{title} ({file})"
        else:
            check.report(check.line(node, key), field, f"{key} needs `file:` and `title:` below it")
    return result


def _background_sources(
    check: Checker, document: Mapping, sources: dict[str, str]
) -> tuple[str, ...]:
    """The ids of the documents the summary and background state their facts from."""
    chosen = check.texts(document, "background_sources", "background_sources")
    items = document.get("background_sources") or []
    for index, source in enumerate(chosen):
        if source not in sources:
            check.report(
                check.line(items, index),
                f"background_sources[{index}]",
                f'"{source}" is not in sources: {", ".join(sources)}',
            )
    return tuple(chosen)


def _source(
    check: Checker,
    node: Mapping,
    field: str,
    sources: dict[str, str],
    *,
    required: bool = True,
    limit: int = 0,
) -> str:
    """node.source, which must name one of the sources ("" when optional and not given)."""
    source = check.text(node, "source", f"{field}.source", required=required, limit=limit)
    if source and source not in sources:
        check.report(
            check.line(node, "source"),
            f"{field}.source",
            f'"{source}" is not in sources: {", ".join(sources)}',
        )
    return source


def _events(check: Checker, document: Mapping, sources: dict[str, str]) -> list[Event]:
    """The chronology, in the order written."""
    events = []
    for index, node in check.mappings(
        document,
        "chronology",
        "chronology",
        what="event",
        first_key="date",
        max_items=limits.CAMPAIGN_ITEMS["chronology"],
    ):
        field = f"chronology[{index}]"
        events.append(
            Event(
                date=check.date(node, "date", f"{field}.date", required=True),
                source=_source(check, node, field, sources),
                text=check.localized(
                    node,
                    "text",
                    f"{field}.text",
                    multiline=True,
                    limit=limits.CAMPAIGN["event.text"],
                ),
            )
        )
    return events


def _quotes(check: Checker, document: Mapping, sources: dict[str, str]) -> list[Quote]:
    """The quotes with their attribution."""
    quotes = []
    for index, node in check.mappings(
        document,
        "quotes",
        "quotes",
        what="quote",
        first_key="text",
        max_items=limits.CAMPAIGN_ITEMS["quotes"],
    ):
        field = f"quotes[{index}]"
        values = {
            key: check.text(
                node, key, f"{field}.{key}", required=True, limit=limits.CAMPAIGN[f"quote.{key}"]
            )
            for key in _QUOTE_FIELDS
        }
        quotes.append(
            Quote(
                text=check.text(
                    node,
                    "text",
                    f"{field}.text",
                    required=True,
                    multiline=True,
                    limit=limits.CAMPAIGN["quote.text"],
                ),
                source=_source(check, node, field, sources),
                **values,
            )
        )
    return quotes


def _subjects(check: Checker, document: Mapping) -> dict[str, tuple[str, ...]]:
    """Subject variants per language; one line each, English required."""
    return check.lists_per_language(
        document,
        "subjects",
        "subjects",
        limit=limits.SUBJECT,
        max_items=limits.CAMPAIGN_ITEMS["subjects"],
    )


# --- the appeal's life: its state, the update log, the thank-you letters' subjects ---------------

_UPDATE_KEYS = ("date", "source", "url", "text")
_NOTES = {PAUSED: "pause_reason", WON: "outcome"}  # what each state must say, per language


def _life(check: Checker, document: Mapping, sources: dict[str, str]) -> dict[str, Any]:
    """The Campaign's fields of the appeal's life, each checked."""
    state = _state(check, document)
    return {
        "state": state,
        **{
            key: _note(check, document, key, needed=state == wanted)
            for wanted, key in _NOTES.items()
        },
        "updates": tuple(_updates(check, document, sources)),
        "thanks_subjects": check.lists_per_language(
            document,
            "thanks_subjects",
            "thanks_subjects",
            required=False,
            limit=limits.SUBJECT,
            max_items=limits.CAMPAIGN_ITEMS["subjects"],
        ),
    }


def _state(check: Checker, document: Mapping) -> str:
    """open, paused, won or closed (open when not given)."""
    if "open" in document:  # the one state replaced the yes/no of earlier versions
        check.report(
            check.key_line(document, "open"),
            "open",
            "`open:` is replaced by `state:`; write `state: open` (or paused, won, closed) "
            "instead of this line",
        )
    if "state" not in document:
        return OPEN
    state = check.text(document, "state", "state", required=True, limit=limits.CAMPAIGN["state"])
    if state and state not in APPEAL_STATES:
        check.report(
            check.line(document, "state"),
            "state",
            f'state "{state}" is not one of {", ".join(APPEAL_STATES)}',
        )
        return OPEN
    return state or OPEN


def _note(check: Checker, document: Mapping, key: str, *, needed: bool) -> dict[str, str]:
    """The reason of a pause or the outcome of a win, per language; required in that state."""
    value = document.get(key)
    if value is None or value == {} or (isinstance(value, str) and not value.strip()):
        if needed:
            state = document.get("state")
            check.report(
                check.line(document, key) if key in document else check.line(document, "state"),
                key,
                f"the appeal is {state}, so `{key}:` must say it to supporters: add it with "
                f"a text per language ({', '.join(LANGUAGES)}; English required)",
            )
        return {}
    return check.localized(document, key, key, multiline=True, limit=limits.CAMPAIGN["state.note"])


def _updates(check: Checker, document: Mapping, sources: dict[str, str]) -> list[Update]:
    """The update log, in the order written (the page shows it newest first)."""
    updates = []
    for index, node in check.mappings(
        document,
        "updates",
        "updates",
        what="update",
        first_key="date",
        max_items=limits.CAMPAIGN_ITEMS["updates"],
    ):
        field = f"updates[{index}]"
        check.unknown_keys(node, _UPDATE_KEYS, field)
        before = len(check.problems)
        source = _source(
            check, node, field, sources, required=False, limit=limits.CAMPAIGN["update.source"]
        )
        url = _web_address(check, node, f"{field}.url")
        if not source and not url and len(check.problems) == before:
            check.report(
                node_line(node),
                f"{field}.source",
                "an update needs its source: the id of a document under sources (source: ...), "
                "a web address where it is published (url: https://...), or both",
            )
        updates.append(
            Update(
                date=check.date(node, "date", f"{field}.date", required=True),
                text=check.localized(
                    node,
                    "text",
                    f"{field}.text",
                    multiline=True,
                    limit=limits.CAMPAIGN["update.text"],
                ),
                source=source,
                url=url,
            )
        )
    return updates


def _web_address(check: Checker, node: Mapping, path: str) -> str:
    """node.url, a web address a page may link to, or ""."""
    url = check.text(node, "url", path, limit=limits.CAMPAIGN["update.url"])
    problem = web_address_problem(url) if url else ""
    if problem:
        check.report(check.line(node, "url"), path, f'"{url}" is not a web address: {problem}')
        return ""
    return url


def _disclosure(check: Checker, document: Mapping) -> tuple[str, Organisation | None]:
    """The default disclosure rule (`full` when none is given) and the organisation's return
    address, which the rule `organisation` needs."""
    rule = check.choice(document, "disclosure", "disclosure", DISCLOSURES, "a disclosure rule")
    organisation = _organisation(check, document)
    written = document.get("organisation")
    misshapen = written is not None and not isinstance(written, Mapping)  # reported already
    if rule == "organisation" and organisation is None and not misshapen:
        check.report(
            check.line(document, "disclosure"),
            "disclosure",
            '"organisation" prints the organisation\'s return address instead of the '
            "supporter's, but there is none: add an `organisation:` block with its name and "
            "address (lines, postcode, city, country, as an office's), or choose full, city or "
            "name",
        )
    return rule or "full", organisation


def _organisation(check: Checker, document: Mapping) -> Organisation | None:
    """The organisation whose return address letters under `organisation` give, or None."""
    node = check.mapping(
        document, "organisation", "organisation", required=False, hint=", with its name and address"
    )
    if not node:  # absent, or emptied in the console
        return None
    check.unknown_keys(node, ("name", "address"), "organisation")
    name = check.text(
        node, "name", "organisation.name", required=True, limit=limits.CAMPAIGN["organisation"]
    )
    return Organisation(name, read_address(check, node, "organisation.address"))

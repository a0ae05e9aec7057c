"""campaign.yaml: read, check every field at once, and turn it into a Campaign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from campaign import limits
from campaign.directory.recipients_file import read_address
from campaign.directory.schema import DISCLOSURES
from campaign.errors import InvalidData, Problem
from campaign.models import LANGUAGES, Campaign, Event, Organisation, Quote
from campaign.yamlfile.read import Checker, load_document

_LOCALIZED = ("title", "summary", "background", "closing", "call_script")
_MULTI_LINE = ("summary", "background", "call_script")  # the others are printed on one line
_QUOTE_FIELDS = ("speaker", "role", "organisation")
_TEXT_LIMITS = {key: limits.CAMPAIGN[key] for key in ("title", "summary", "background")}


def campaign_is_closed(campaign: Campaign, today: dt.date | None = None) -> bool:
    """Closed by hand (`open: false`) or because its deadline has passed."""
    if not campaign.is_open:
        return True
    if not campaign.deadline:
        return False
    return (today or dt.date.today()) > dt.date.fromisoformat(campaign.deadline)


def parse_campaign(data: bytes, name: str = "campaign.yaml") -> Campaign:
    """Check the bytes of a campaign.yaml (read elsewhere, or edited); InvalidData if wrong."""
    document = load_document(data, name)
    if not isinstance(document, Mapping):
        raise InvalidData([Problem(f"{name}:1", "must be a mapping of campaign fields")])
    check = Checker(name, data.decode("utf-8").splitlines())
    texts = {
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
        is_open=_is_open(check, document),
        background_sources=_background_sources(check, document, sources),
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


def _source(check: Checker, node: Mapping, field: str, sources: dict[str, str]) -> str:
    """node.source, which must name one of the sources."""
    source = check.text(node, "source", f"{field}.source", required=True)
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
    node = check.mapping(document, "subjects", "subjects", hint=", with a list per language")
    if node is None:
        return {}
    check.unknown_keys(node, LANGUAGES, "subjects")
    variants = {
        language: tuple(
            check.texts(
                node,
                language,
                f"subjects.{language}",
                required=True,
                limit=limits.SUBJECT,
                max_items=limits.CAMPAIGN_ITEMS["subjects"],
            )
        )
        for language in LANGUAGES
        if language in node or language == "en"
    }
    return {language: texts for language, texts in variants.items() if texts}


def _is_open(check: Checker, document: Mapping) -> bool:
    """Whether the organisers keep the appeal open (true unless `open: false`)."""
    value = document.get("open", True)
    if not isinstance(value, bool):
        check.report(
            check.line(document, "open"),
            "open",
            f"open is {value!r}; write true or false, without quotes",
        )
        return True
    return value


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

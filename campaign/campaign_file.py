"""campaign.yaml: read, check every field at once, and turn it into a Campaign."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from campaign.errors import CampaignError, InvalidData, Problem
from campaign.models import LANGUAGES, Campaign, Event, Quote

_LOCALIZED = ("title", "summary", "background", "closing", "call_script")
_QUOTE_FIELDS = ("text", "speaker", "role", "organisation", "source")


class _Checker:
    """Collects the problems of one file, each with the line it is on."""

    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def add(self, node: Any, key: Any, field: str, message: str) -> None:
        """Note a problem with `node[key]` (or with `node` itself when key is None)."""
        self.problems.append(Problem(f"{self.name}:{_line(node, key)}", message, field))

    def text(self, node: CommentedMap, key: str, field: str, *, required: bool = True) -> str:
        """node[key] as text; a number, a date or a yes/no where text belongs is a problem."""
        value = node.get(key, "")
        if isinstance(value, str):
            if required and not value.strip():
                self.add(node, key if key in node else None, field, "is required")
            return value.strip()
        self.add(node, key, field, f"{value!r} is not text; put it in quotes")
        return ""

    def localized(self, node: CommentedMap, key: str, field: str) -> dict[str, str]:
        """A per-language mapping with English required."""
        value = node.get(key)
        if not isinstance(value, dict):
            self.add(
                node, key if key in node else None, field, "needs a text per language: en, it, ru"
            )
            return {}
        for language in value:
            if language not in LANGUAGES:
                self.add(
                    value,
                    language,
                    f"{field}.{language}",
                    f"unknown language; use {', '.join(LANGUAGES)}",
                )
        texts = {lang: self.text(value, lang, f"{field}.{lang}", required=False) for lang in value}
        if not texts.get("en"):
            self.add(value, None, f"{field}.en", "the English text is required")
        return {lang: text for lang, text in texts.items() if text}


def _line(node: Any, key: Any) -> int:
    """1-based line of node[key], or of node, in the file."""
    lc = getattr(node, "lc", None)
    if lc is None:
        return 0
    try:
        if key is not None and isinstance(node, CommentedMap) and key in node:
            return (
                lc.value(key)[0] + 1
                if not isinstance(node[key], dict | list)
                else lc.key(key)[0] + 1
            )
        if key is not None and isinstance(node, CommentedSeq):
            return lc.item(key)[0] + 1
    except (KeyError, IndexError, TypeError):
        pass
    return lc.line + 1


def read_yaml(path: Path) -> Any:
    """The YAML document at `path`, or a Problem with the line of a syntax error."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CampaignError(f"{path}: file not found") from None
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 0
        raise InvalidData(
            [Problem(f"{path.name}:{line}", f"YAML syntax: {error.problem}")]
        ) from None


def load_campaign(path: Path) -> Campaign:
    """Read campaign.yaml; raise InvalidData listing every problem with its line."""
    document = read_yaml(path)
    check = _Checker(path.name)
    if not isinstance(document, dict):
        raise InvalidData([Problem(f"{path.name}:1", "must be a mapping of campaign fields")])
    texts = {key: check.localized(document, key, key) for key in _LOCALIZED}
    sources = _sources(check, document)
    campaign = Campaign(
        id=check.text(document, "id", "id"),
        organiser=check.text(document, "organiser", "organiser"),
        chronology=tuple(_events(check, document, sources)),
        quotes=tuple(_quotes(check, document, sources)),
        subjects=_subjects(check, document),
        sources=sources,
        deadline=_deadline(check, document),
        is_open=_is_open(check, document),
        **texts,
    )
    if check.problems:
        raise InvalidData(check.problems)
    return campaign


def _sources(check: _Checker, document: CommentedMap) -> dict[str, str]:
    """Source id -> its title and file name."""
    node = document.get("sources") or {}
    result = {}
    for key, value in node.items():
        if isinstance(value, dict):
            title = check.text(value, "title", f"sources.{key}.title")
            file = check.text(value, "file", f"sources.{key}.file")
            result[str(key)] = f"{title} ({file})"
        else:
            check.add(node, key, f"sources.{key}", "needs file: and title:")
    return result


def _source(check: _Checker, node: CommentedMap, field: str, sources: dict[str, str]) -> str:
    """node.source, which must name one of the sources."""
    source = check.text(node, "source", f"{field}.source")
    if source and source not in sources:
        check.add(
            node, "source", f"{field}.source", f'"{source}" is not in sources: {", ".join(sources)}'
        )
    return source


def _events(check: _Checker, document: CommentedMap, sources: dict[str, str]) -> list[Event]:
    """The chronology, in the order written."""
    events = []
    for index, node in enumerate(document.get("chronology") or []):
        field = f"chronology[{index}]"
        date = _iso_date(check, node, "date", f"{field}.date", required=True)
        source = _source(check, node, field, sources)
        events.append(
            Event(date=date, source=source, text=check.localized(node, "text", f"{field}.text"))
        )
    return events


def _quotes(check: _Checker, document: CommentedMap, sources: dict[str, str]) -> list[Quote]:
    """The quotes with their attribution."""
    quotes = []
    for index, node in enumerate(document.get("quotes") or []):
        field = f"quotes[{index}]"
        values = {
            key: check.text(node, key, f"{field}.{key}") for key in _QUOTE_FIELDS if key != "source"
        }
        quotes.append(Quote(source=_source(check, node, field, sources), **values))
    return quotes


def _subjects(check: _Checker, document: CommentedMap) -> dict[str, tuple[str, ...]]:
    """Subject variants per language; one line each, English required."""
    node = document.get("subjects") or {}
    result = {}
    for language, variants in node.items():
        if language not in LANGUAGES or not isinstance(variants, list) or not variants:
            check.add(
                node,
                language,
                f"subjects.{language}",
                "needs a list of subject lines in en, it or ru",
            )
            continue
        for index, subject in enumerate(variants):
            if (
                not isinstance(subject, str)
                or not subject.strip()
                or "\n" in subject
                or "\r" in subject
            ):
                check.add(
                    variants, index, f"subjects.{language}[{index}]", "must be one line of text"
                )
        result[language] = tuple(str(s).strip() for s in variants)
    if "en" not in result:
        check.add(
            document,
            "subjects" if "subjects" in document else None,
            "subjects.en",
            "English subjects are required",
        )
    return result


def _iso_date(check: _Checker, node: CommentedMap, key: str, field: str, *, required: bool) -> str:
    """An ISO date (YYYY-MM-DD), written plain or in quotes."""
    value = node.get(key, "")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat() if value or required else ""
    except ValueError:
        check.add(
            node, key if key in node else None, field, f"{value!r} is not a date; write YYYY-MM-DD"
        )
        return ""


def _deadline(check: _Checker, document: CommentedMap) -> str:
    """The deadline, or empty for none."""
    return _iso_date(check, document, "deadline", "deadline", required=False)


def _is_open(check: _Checker, document: CommentedMap) -> bool:
    """Whether the organisers keep the appeal open (true unless `open: false`)."""
    value = document.get("open", True)
    if not isinstance(value, bool):
        check.add(document, "open", "open", f"{value!r} must be true or false")
        return True
    return value

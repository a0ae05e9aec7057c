"""The campaign form: campaign.yaml's editable fields <-> flat form fields; problems -> fields.

Names are flat and safe as HTML ids: "title-en", "chronology-2-date", "quotes-0-speaker".
Lists (chronology, quotes) show every item plus one empty row to add another; an item can be
removed with its checkbox. `letter_edits` checks the result as `campaign check` does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from campaign.models import LANGUAGES
from campaign.web.admin.office_form import too_long

TEXT_LIMITS = {"title": 200, "summary": 2000, "background": 10_000}
EVENT_LIMITS = {"date": 10, "source": 64, **{f"text-{lang}": 1000 for lang in LANGUAGES}}
QUOTE_LIMITS = {
    "text": 3000,
    "speaker": 200,
    "role": 300,
    "organisation": 200,
    "source": 64,
    "date": 10,
}
LISTS = {"chronology": EVENT_LIMITS, "quotes": QUOTE_LIMITS}
MAX_ITEMS = 200
DEADLINE_LIMIT = 10


def from_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for the campaign fields (letter_edits.open_campaign)."""
    values = {"deadline": str(fields.get("deadline") or "")}
    for key in TEXT_LIMITS:
        for language in LANGUAGES:
            values[f"{key}-{language}"] = (fields.get(key) or {}).get(language, "")
    for index, event in enumerate(fields.get("chronology") or []):
        values[f"chronology-{index}-date"] = str(event.get("date") or "")
        values[f"chronology-{index}-source"] = str(event.get("source") or "")
        texts = event.get("text") or {}
        for language in LANGUAGES:
            values[f"chronology-{index}-text-{language}"] = texts.get(language, "")
    for index, quote in enumerate(fields.get("quotes") or []):
        for key in QUOTE_LIMITS:
            values[f"quotes-{index}-{key}"] = str(quote.get(key) or "")
    values["chronology-count"] = str(len(fields.get("chronology") or []))
    values["quotes-count"] = str(len(fields.get("quotes") or []))
    return values


def count(values: Mapping[str, str], key: str) -> int:
    """How many items of a list the form shows (the extra empty row not included)."""
    try:
        return max(0, min(int(values.get(f"{key}-count", "0")), MAX_ITEMS))
    except ValueError:
        return 0


def limits(values: Mapping[str, str]) -> dict[str, int]:
    """Every field's limit, for the items the form holds (and the empty row)."""
    found = {"deadline": DEADLINE_LIMIT}
    for key, limit in TEXT_LIMITS.items():
        found.update({f"{key}-{language}": limit for language in LANGUAGES})
    for name, item_limits in LISTS.items():
        for index in range(count(values, name) + 1):
            found.update({f"{name}-{index}-{key}": limit for key, limit in item_limits.items()})
    return found


def read(form: MultiDict) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The posted values (line ends as LF) and the errors of those over their limit."""
    values = {
        "chronology-count": form.get("chronology-count", "0")[:4],
        "quotes-count": form.get("quotes-count", "0")[:4],
    }
    errors = {}
    for name, limit in limits(values).items():
        text = form.get(name, "").replace("\r\n", "\n").replace("\r", "\n")
        values[name] = text
        if len(text) > limit:
            errors[name] = [too_long(limit, len(text))]
    for name in LISTS:
        for index in range(count(values, name) + 1):
            if form.get(f"{name}-{index}-remove"):
                values[f"{name}-{index}-remove"] = "1"
    return values, errors


def to_plain(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """The campaign fields for letter_edits.set_campaign_fields, and which rows became items."""
    plain: dict[str, Any] = {"deadline": values["deadline"].strip()}
    for key in TEXT_LIMITS:
        texts = {language: values[f"{key}-{language}"].strip() for language in LANGUAGES}
        plain[key] = {language: text for language, text in texts.items() if text}
    rows: dict[str, list[int]] = {}
    for name, item_limits in LISTS.items():
        items, rows[name] = [], []
        for index in range(count(values, name) + 1):
            item = {key: values[f"{name}-{index}-{key}"].strip() for key in item_limits}
            if values.get(f"{name}-{index}-remove") or not any(item.values()):
                continue
            items.append(_event(item) if name == "chronology" else _quote(item))
            rows[name].append(index)
        plain[name] = items
    return plain, rows


def field_name(path: str, rows: Mapping[str, list[int]]) -> str | None:
    """The form field of a problem's path ("chronology[1].text.it" -> "chronology-3-text-it")."""
    match = re.fullmatch(r"(chronology|quotes)\[(\d+)\]\.(\w+)(?:\.(\w+))?", path)
    if match:
        name, index, key, language = match.groups()
        kept = rows.get(name, [])
        row = kept[int(index)] if int(index) < len(kept) else int(index)
        return f"{name}-{row}-{key}" + (f"-{language}" if language else "")
    match = re.fullmatch(r"(title|summary|background)\.(\w+)", path)
    if match:
        return f"{match[1]}-{match[2]}"
    return "deadline" if path == "deadline" else None


def _event(item: Mapping[str, str]) -> dict[str, Any]:
    """A chronology event in the file's shape."""
    texts = {language: item[f"text-{language}"] for language in LANGUAGES}
    return {
        "date": item["date"],
        "source": item["source"],
        "text": {language: text for language, text in texts.items() if text},
    }


def _quote(item: Mapping[str, str]) -> dict[str, str]:
    """A quote in the file's shape (an empty date left out)."""
    return {key: value for key, value in item.items() if value or key != "date"}

"""The office form: its fields and limits, plain office <-> form values, problems -> fields.

The form shows an office as text (lists one item a line, tags separated by commas); the
core (`edits`, `directory`) does every check. A phone whose digits are ambiguous is kept as
written with "as written: " in front, as the file keeps it with {source: ...}.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from campaign import directory
from campaign.directory import phones
from campaign.errors import Problem
from campaign.models import LANGUAGES

AS_WRITTEN = "as written:"


@dataclass(frozen=True)
class Field:
    """One input of the form: its name, what it is and how long it may be."""

    name: str
    limit: int
    kind: str = "text"  # text, textarea, select, date
    required: bool = False


FIELDS = (
    Field("id", 64, required=True),
    Field("office", 200, required=True),
    Field("office_local", 200),
    Field("person", 200),
    Field("title", 200),
    Field("country", 2, "select", required=True),
    Field("language", 2, "select", required=True),
    *(Field(f"salutation_{language}", 200) for language in LANGUAGES),
    Field("address_lines", 500, "textarea", required=True),
    Field("postcode", 20),
    Field("city", 100, required=True),
    Field("region", 100),
    Field("address_country", 2, "select", required=True),
    Field("phones", 500, "textarea"),
    Field("faxes", 500, "textarea"),
    Field("emails", 1000, "textarea"),
    Field("email_note", 1000, "textarea"),
    *(Field(f"ask_{language}", 2000, "textarea") for language in LANGUAGES),
    Field("tags", 300),
    Field("source", 300),
    Field("verified", 10, "date"),
)
LIMITS = {field.name: field.limit for field in FIELDS}
ADDRESS_FIELDS = {
    "lines": "address_lines",
    "postcode": "postcode",
    "city": "city",
    "region": "region",
    "country": "address_country",
}


def labels() -> dict[str, str]:
    """Each field's label, in the interface language."""
    names = {
        "id": _("Id (a short slug, e.g. it-interior)"),
        "office": _("Office, in English"),
        "office_local": _("Office, in its own language"),
        "person": _("Officeholder"),
        "title": _("Title"),
        "country": _("Country of the office"),
        "language": _("Language the office is written to in"),
        "address_lines": _("Street and house (one line each)"),
        "postcode": _("Postcode"),
        "city": _("City"),
        "region": _("Region or province"),
        "address_country": _("Country of the address"),
        "phones": _("Phones (one a line)"),
        "faxes": _("Faxes (one a line)"),
        "emails": _("E-mail addresses (one a line)"),
        "email_note": _("Note on e-mail (required when there is no address)"),
        "tags": _("Tags (separated by commas)"),
        "source": _("Source document"),
        "verified": _("Last checked against the source"),
    }
    for language in LANGUAGES:
        names[f"salutation_{language}"] = _("Salutation (%(language)s)", language=language)
        names[f"ask_{language}"] = _("What the office is asked (%(language)s)", language=language)
    return names


def from_plain(plain: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for an office as the file has it (edits.office_plain)."""
    address = plain.get("address") or {}
    values = {key: str(plain.get(key) or "") for key in directory.TEXT_KEYS}
    for language in LANGUAGES:
        values[f"salutation_{language}"] = (plain.get("salutation") or {}).get(language, "")
        values[f"ask_{language}"] = (plain.get("ask") or {}).get(language, "")
    values["address_lines"] = "\n".join(address.get("lines") or [])
    for key, name in ADDRESS_FIELDS.items():
        if key != "lines":
            values[name] = str(address.get(key) or "")
    for key in ("phones", "faxes"):
        values[key] = "\n".join(_phone_line(item) for item in plain.get(key) or [])
    values["emails"] = "\n".join(plain.get("emails") or [])
    values["tags"] = ", ".join(plain.get("tags") or [])
    return values


def read(form: MultiDict) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The posted values (line ends as LF) and the errors of the ones over their limit."""
    values, errors = {}, {}
    for field in FIELDS:
        text = form.get(field.name, "").replace("\r\n", "\n").replace("\r", "\n")
        values[field.name] = text
        if len(text) > field.limit:
            errors[field.name] = [too_long(field.limit, len(text))]
    return values, errors


def too_long(limit: int, length: int) -> str:
    """The message of a field over its limit."""
    return _(
        "Please shorten this to %(limit)d characters (it has %(length)d).",
        limit=limit,
        length=length,
    )


def to_plain(values: Mapping[str, str]) -> dict[str, Any]:
    """The office in the YAML schema, from the form's values (for edits.add/update_office)."""
    country = values["country"].strip()
    plain: dict[str, Any] = {key: values[key].strip() for key in directory.TEXT_KEYS}
    for key in ("salutation", "ask"):
        texts = {language: values[f"{key}_{language}"].strip() for language in LANGUAGES}
        plain[key] = {language: text for language, text in texts.items() if text}
    address = {key: values[name].strip() for key, name in ADDRESS_FIELDS.items() if key != "lines"}
    address = {key: text for key, text in address.items() if text}
    plain["address"] = {"lines": _lines(values["address_lines"]), **address}
    for key in ("phones", "faxes"):
        plain[key] = [_phone_item(line, country) for line in _lines(values[key])]
    plain["emails"] = _lines(values["emails"])
    plain["tags"] = [tag.strip() for tag in values["tags"].split(",") if tag.strip()]
    return plain


def errors_by_field(
    problems: list[Problem], office_ids: set[str]
) -> tuple[dict[str, list[str]], list[str]]:
    """Problems of this office by form field; the others (elsewhere in the file) as sentences."""
    errors: dict[str, list[str]] = {}
    others = []
    for problem in problems:
        label, _dot, path = problem.field.partition(".")
        name = form_field(path) if label in office_ids or label.startswith("recipients[") else None
        if name:
            errors.setdefault(name, []).append(form_message(problem.message))
        else:
            others.append(f"{problem.where}: {problem.field}: {problem.message}")
    return errors, others


def form_message(message: str) -> str:
    """A problem as said next to a form field: "required" rather than the YAML key to add."""
    if message.startswith("missing required key"):
        return _("This is required: fill it in.")
    return message


def form_field(path: str) -> str | None:
    """The form field of a dotted path inside an office ("address.city" -> "city")."""
    parts = re.split(r"[.\[]", path)
    head = parts[0]
    if head == "address":
        return ADDRESS_FIELDS.get(parts[1] if len(parts) > 1 else "lines", "address_lines")
    if head in ("salutation", "ask"):
        language = parts[1] if len(parts) > 1 and parts[1] in LANGUAGES else "en"
        return f"{head}_{language}"
    return head if head in LIMITS else None


def _lines(text: str) -> list[str]:
    """The non-empty lines of a text, stripped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _phone_line(item: Any) -> str:
    """A phone of the file as a line of the form."""
    if isinstance(item, Mapping):
        return f"{AS_WRITTEN} {item.get('source', '')}"
    return str(item)


def _phone_item(line: str, country: str) -> str | dict[str, str]:
    """A line of the form as the file keeps the phone: E.164, or {source: ...}."""
    if line.lower().startswith(AS_WRITTEN):
        return {"source": line[len(AS_WRITTEN) :].strip()}
    return phones.file_value(line, country)

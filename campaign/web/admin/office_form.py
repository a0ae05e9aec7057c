"""The office form (add, edit), the confirmations of duplicate and delete; problems -> fields.

The form shows an office as text (lists one item a line, tags separated by commas); the
core (`edits`, `directory`) does every check, the form only bounds sizes (`campaign.limits`).
A phone whose digits are ambiguous is kept as written with "as written: " in front, as the
file keeps it with {source: ...}.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field

from campaign import directory
from campaign.directory import phones
from campaign.directory.addresses import countries
from campaign.directory.schema import DISCLOSURES
from campaign.errors import Problem
from campaign.limits import OFFICE, OFFICE_ITEMS
from campaign.models import LANGUAGES, Recipient
from campaign.web.admin.fields import (
    EditForm,
    add_errors,
    area_field,
    by_name,
    choice_field,
    flat_values,
    line_field,
    stripped,
)
from campaign.web.public.forms import disclosure_label

AS_WRITTEN = "as written:"
ADDRESS_FIELDS = {
    "lines": "address_lines",
    "postcode": "postcode",
    "city": "city",
    "region": "region",
    "country": "address_country",
}


def one_a_line(key: str, item: str, extra: int = 0) -> int:
    """The size of a text area of a list, one item a line: every item at its limit."""
    return OFFICE_ITEMS[key] * (extra + OFFICE[item] + 1)


def office_fields() -> Iterator[tuple[str, Field]]:
    """The inputs of the office form, in the order of the page."""
    yield "id", line_field(_l("Id (a short slug, e.g. it-interior)"), OFFICE["id"])
    yield "office", line_field(_l("Office, in English"), OFFICE["office"])
    yield "office_local", line_field(_l("Office, in its own language"), OFFICE["office_local"])
    yield "person", line_field(_l("Officeholder"), OFFICE["person"])
    yield "title", line_field(_l("Title"), OFFICE["title"])
    yield "country", choice_field(_l("Country of the office"), OFFICE["country"])
    yield "language", choice_field(_l("Language the office is written to in"), OFFICE["language"])
    for language in LANGUAGES:
        label = _l("Salutation (%(language)s)", language=language)
        yield f"salutation_{language}", line_field(label, OFFICE["salutation"])
    lines = one_a_line("address.lines", "address.lines")
    yield "address_lines", area_field(_l("Street and house (one line each)"), lines)
    yield "postcode", line_field(_l("Postcode"), OFFICE["postcode"])
    yield "city", line_field(_l("City"), OFFICE["city"])
    yield "region", line_field(_l("Region or province"), OFFICE["region"])
    yield "address_country", choice_field(_l("Country of the address"), OFFICE["country"])
    # A phone the source leaves ambiguous is a line "as written: <the source's digits>".
    phones = {key: one_a_line(key, "phone", len(AS_WRITTEN) + 1) for key in ("phones", "faxes")}
    yield "phones", area_field(_l("Phones (one a line)"), phones["phones"])
    yield "faxes", area_field(_l("Faxes (one a line)"), phones["faxes"])
    yield "emails", area_field(_l("E-mail addresses (one a line)"), one_a_line("emails", "email"))
    note = _l("Note on e-mail (required when there is no address)")
    yield "email_note", area_field(note, OFFICE["email_note"])
    shown = _l("What the letters show this office of the supporter")
    yield "disclosure", choice_field(shown, max(map(len, DISCLOSURES)))
    for language in LANGUAGES:
        label = _l("Safety note for supporters (%(language)s)", language=language)
        yield f"safety_note_{language}", area_field(label, OFFICE["safety_note"])
    for language in LANGUAGES:
        label = _l("What the office is asked (%(language)s)", language=language)
        yield f"ask_{language}", area_field(label, OFFICE["ask"])
    yield from life_fields()
    tags = OFFICE_ITEMS["tags"] * (OFFICE["tag"] + len(", "))
    yield "tags", line_field(_l("Tags (separated by commas)"), tags)
    yield "source", line_field(_l("Source document"), OFFICE["source"])
    yield "verified", line_field(_l("Last checked against the source"), OFFICE["verified"])


def life_fields() -> Iterator[tuple[str, Field]]:
    """The appeal's life of an office: talking points, and a pause with its replacement."""
    points = OFFICE_ITEMS["talking_points"] * (OFFICE["talking_point"] + 1)
    for language in LANGUAGES:
        label = _l("Talking points (%(language)s), one a line", language=language)
        yield f"talking_points_{language}", area_field(label, points)
    yield "paused", BooleanField(_l("This office takes no letters for now"))
    for language in LANGUAGES:
        label = _l("Why it is paused (%(language)s)", language=language)
        yield f"pause_reason_{language}", area_field(label, OFFICE["pause.reason"])
    yield "replacement", choice_field(_l("Write to this office instead"), OFFICE["id"])


class OfficeForm(EditForm):
    """One office as the organiser edits it; its fields are `office_fields()`."""

    def set_choices(
        self, ui_language: str, offices: Iterable[Recipient] = (), default_rule: str = ""
    ) -> None:
        """The countries named in the interface language, the letter languages, and the
        offices that could replace this one while it is paused, and the disclosure rules (the
        campaign's `default_rule` named as the one an office without its own follows)."""
        country_choices = [("", _("(choose)")), *countries(ui_language).items()]
        self["country"].choices = country_choices
        self["address_country"].choices = country_choices
        self["language"].choices = [(code, code) for code in LANGUAGES]
        others = [(office.id, f"{office.office} ({office.id})") for office in offices]
        self["replacement"].choices = [("", _("(no replacement)")), *others]
        self["disclosure"].choices = disclosure_choices(default_rule)

    def values(self) -> dict[str, str]:
        """The typed values by field name (for `to_plain` and `merge`)."""
        return flat_values(self)

    def typed_id(self) -> str:
        """The id the organiser typed."""
        return (self["id"].data or "").strip()


for _name, _field in office_fields():  # in the page's order: fields sort by creation
    setattr(OfficeForm, _name, _field)
del _name, _field


class DuplicateForm(EditForm):
    """The id of the copy of an office."""

    new_id = line_field(_l("Id of the copy"), OFFICE["id"], filters=[stripped])


class DeleteForm(EditForm):
    """The confirmation of a delete: only the version the organiser saw."""


def disclosure_choices(default_rule: str) -> list[tuple[str, str]]:
    """The disclosure rules, and "" for the campaign's default (named when known)."""
    default = (
        _("The campaign's default: %(rule)s", rule=disclosure_label(default_rule))
        if default_rule
        else _("The campaign's default")
    )
    return [("", default), *((rule, disclosure_label(rule)) for rule in DISCLOSURES)]


def from_plain(plain: Mapping[str, Any]) -> dict[str, str]:
    """The form's values for an office as the file has it (edits.office_plain)."""
    address = plain.get("address") or {}
    values = {key: str(plain.get(key) or "") for key in directory.TEXT_KEYS}
    for language in LANGUAGES:
        values[f"salutation_{language}"] = (plain.get("salutation") or {}).get(language, "")
        values[f"ask_{language}"] = (plain.get("ask") or {}).get(language, "")
        values[f"safety_note_{language}"] = (plain.get("safety_note") or {}).get(language, "")
    values["address_lines"] = "\n".join(address.get("lines") or [])
    for key, name in ADDRESS_FIELDS.items():
        if key != "lines":
            values[name] = str(address.get(key) or "")
    for key in ("phones", "faxes"):
        values[key] = "\n".join(_phone_line(item) for item in plain.get(key) or [])
    values["emails"] = "\n".join(plain.get("emails") or [])
    values["tags"] = ", ".join(plain.get("tags") or [])
    values.update(life_values(plain))
    return values


def life_values(plain: Mapping[str, Any]) -> dict[str, str]:
    """The form's values of the talking points and the pause."""
    points, pause = plain.get("talking_points") or {}, plain.get("paused") or {}
    values = {"paused": "1" if pause else "", "replacement": str(pause.get("replacement") or "")}
    for language in LANGUAGES:
        values[f"talking_points_{language}"] = "\n".join(points.get(language) or [])
        values[f"pause_reason_{language}"] = (pause.get("reason") or {}).get(language, "")
    return values


def life_plain(values: Mapping[str, str]) -> dict[str, Any]:
    """The talking points and the pause in the YAML schema, from the form's values."""
    points = {language: _lines(values[f"talking_points_{language}"]) for language in LANGUAGES}
    pause: dict[str, Any] = {}
    if values["paused"]:
        reasons = {language: values[f"pause_reason_{language}"].strip() for language in LANGUAGES}
        pause["reason"] = {language: text for language, text in reasons.items() if text}
        if values["replacement"].strip():
            pause["replacement"] = values["replacement"].strip()
    return {
        "talking_points": {language: items for language, items in points.items() if items},
        "paused": pause,
    }


def to_plain(values: Mapping[str, str]) -> dict[str, Any]:
    """The office in the YAML schema, from the form's values (for edits.add/update_office)."""
    country = values["country"].strip()
    plain: dict[str, Any] = {key: values[key].strip() for key in directory.TEXT_KEYS}
    for key in ("salutation", "ask", "safety_note"):
        texts = {language: values[f"{key}_{language}"].strip() for language in LANGUAGES}
        plain[key] = {language: text for language, text in texts.items() if text}
    address = {key: values[name].strip() for key, name in ADDRESS_FIELDS.items() if key != "lines"}
    address = {key: text for key, text in address.items() if text}
    plain["address"] = {"lines": _lines(values["address_lines"]), **address}
    for key in ("phones", "faxes"):
        plain[key] = [_phone_item(line, country) for line in _lines(values[key])]
    plain["emails"] = _lines(values["emails"])
    plain["tags"] = [tag.strip() for tag in values["tags"].split(",") if tag.strip()]
    plain.update(life_plain(values))
    return plain


def errors_by_field(problems: list[Problem], office_ids: set[str], form: OfficeForm) -> list[str]:
    """Put the problems of this office next to their fields; the others (elsewhere in the
    file) come back as sentences."""
    fields = by_name(form)
    others = []
    for problem in problems:
        label, _dot, path = problem.field.partition(".")
        mine = label in office_ids or label.startswith("recipients[")
        name = form_field(path, fields) if mine else None
        if name:
            add_errors(fields[name], [form_message(problem.message)])
        else:
            others.append(f"{problem.where}: {problem.field}: {problem.message}")
    return others


def form_message(message: str) -> str:
    """A problem as said next to a form field: "required" rather than the YAML key to add."""
    if message.startswith("missing required key"):
        return _("This is required: fill it in.")
    return message


def form_field(path: str, names: Mapping[str, object]) -> str | None:
    """The form field of a dotted path inside an office ("address.city" -> "city")."""
    parts = re.split(r"[.\[]", path)
    head = parts[0]
    if head == "paused":  # paused.reason.en, paused.replacement
        key = parts[1] if len(parts) > 1 else "reason"
        language = parts[2] if len(parts) > 2 and parts[2] in LANGUAGES else "en"
        return "replacement" if key == "replacement" else f"pause_reason_{language}"
    if head == "talking_points":
        language = parts[1] if len(parts) > 1 and parts[1] in LANGUAGES else "en"
        return f"talking_points_{language}"
    if head == "address":
        return ADDRESS_FIELDS.get(parts[1] if len(parts) > 1 else "lines", "address_lines")
    if head in ("salutation", "ask", "safety_note"):
        language = parts[1] if len(parts) > 1 and parts[1] in LANGUAGES else "en"
        return f"{head}_{language}"
    return head if head in names else None


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

"""The campaign form: campaign.yaml's editable fields <-> the form; problems -> fields.

The names are those WTForms gives lists and sub-forms, safe as HTML ids: "title-en",
"chronology-2-date", "chronology-2-text-it", "quotes-0-speaker". The lists (chronology,
quotes) show every item plus one empty row to add another; an item is removed with its
checkbox; "chronology-count" says how many rows are saved items. `letter_edits` checks the
result as `campaign check` does; the form only bounds sizes (`campaign.limits`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, FieldList, Form, FormField, HiddenField, RadioField

from campaign.directory.schema import DISCLOSURES
from campaign.errors import Problem
from campaign.limits import CAMPAIGN, CAMPAIGN_ITEMS, OFFICE, OFFICE_ITEMS
from campaign.models import APPEAL_STATES, LANGUAGES
from campaign.web.admin.common import problem_text
from campaign.web.admin.fields import (
    EditForm,
    add_errors,
    area_field,
    by_name,
    choice_field,
    line_field,
)

TEXTS = ("title", "summary", "background")  # one text in each language
ORGANISATION_ADDRESS = ("postcode", "city", "region", "country")  # and its lines
QUOTE_KEYS = ("text", "speaker", "role", "organisation", "source", "date")
LISTS = ("chronology", "quotes", "updates")


def in_each_language(limit: int, one_line: bool = False) -> type[Form]:
    """A sub-form of one text in each language: "title-en", "title-it", "title-ru"."""
    make = line_field if one_line else area_field
    fields = {language: make(None, limit) for language in LANGUAGES}
    return type("InEachLanguage", (Form,), fields)


class EventForm(Form):
    """One event of the chronology."""

    date = line_field(_l("Date"), CAMPAIGN["event.date"])
    source = choice_field(_l("Source"), CAMPAIGN["event.source"])
    text = FormField(in_each_language(CAMPAIGN["event.text"]))
    remove = BooleanField(_l("Remove this event"))


class UpdateForm(EventForm):
    """One entry of the update log: an event with its document and/or its web address."""

    source = choice_field(_l("Source document"), CAMPAIGN["update.source"])
    url = line_field(_l("Web address where it is published"), CAMPAIGN["update.url"])
    text = FormField(in_each_language(CAMPAIGN["update.text"]))
    remove = BooleanField(_l("Remove this update"))


class QuoteForm(Form):
    """One quote, as published."""

    text = area_field(_l("Quote"), CAMPAIGN["quote.text"])
    speaker = line_field(_l("Speaker"), CAMPAIGN["quote.speaker"])
    role = line_field(_l("Role"), CAMPAIGN["quote.role"])
    organisation = line_field(_l("Organisation"), CAMPAIGN["quote.organisation"])
    source = choice_field(_l("Source"), CAMPAIGN["quote.source"])
    date = line_field(_l("Date (optional)"), CAMPAIGN["quote.date"])
    remove = BooleanField(_l("Remove this quote"))


class OrganisationForm(Form):
    """The organisation's return address, for offices whose rule is `organisation`."""

    name = line_field(_l("Name of the organisation"), CAMPAIGN["organisation"])
    lines = area_field(
        _l("Street and house (one line each)"),
        OFFICE_ITEMS["address.lines"] * (OFFICE["address.lines"] + 1),
    )
    postcode = line_field(_l("Postcode"), OFFICE["postcode"])
    city = line_field(_l("City"), OFFICE["city"])
    region = line_field(_l("Region or province"), OFFICE["region"])
    country = choice_field(_l("Country"), OFFICE["country"])


class CampaignForm(EditForm):
    """The texts, the deadline, the chronology and the quotes of campaign.yaml."""

    title = FormField(in_each_language(CAMPAIGN["title"], one_line=True))
    summary = FormField(in_each_language(CAMPAIGN["summary"]))
    background = FormField(in_each_language(CAMPAIGN["background"]))
    deadline = line_field(_l("Last day of the appeal"), CAMPAIGN["deadline"])
    # Every saved item and the empty row; rows past the cap are not read at all.
    chronology = FieldList(FormField(EventForm), max_entries=CAMPAIGN_ITEMS["chronology"] + 1)
    quotes = FieldList(FormField(QuoteForm), max_entries=CAMPAIGN_ITEMS["quotes"] + 1)
    updates = FieldList(FormField(UpdateForm), max_entries=CAMPAIGN_ITEMS["updates"] + 1)
    chronology_count = HiddenField(name="chronology-count")
    quotes_count = HiddenField(name="quotes-count")
    updates_count = HiddenField(name="updates-count")
    # What an office without a rule of its own learns of the supporter, and the return address
    # the rule `organisation` prints.
    disclosure = choice_field(
        _l("What the letters show an office of the supporter, unless it has a rule of its own"),
        max(map(len, DISCLOSURES)),
    )
    organisation = FormField(OrganisationForm)

    def process(self, *args: Any, **kwargs: Any) -> None:
        """Read the form, then add the empty row of each list (to add an item)."""
        super().process(*args, **kwargs)
        for name in LISTS:
            rows = self[name]
            while len(rows.entries) <= self.count(name):
                rows.append_entry()

    def count(self, name: str) -> int:
        """How many rows of a list are saved items (the rows after them add new ones)."""
        said = (self[f"{name}_count"].data or "")[:4]
        return min(int(said), CAMPAIGN_ITEMS[name]) if said.isascii() and said.isdigit() else 0


def incomplete(form: CampaignForm) -> list[str]:
    """Why the posted form cannot be the whole form (a count missing, rows missing), or [].

    Saving a form that lost rows on the way would delete those events or quotes silently.
    """
    problems = []
    for name in LISTS:
        said = form[f"{name}_count"].data or ""
        posted = sum(1 for row in form[name] if any(_typed_values(row.form)))
        if (not (said.isascii() and said.isdigit())) or posted < min(
            int(said), CAMPAIGN_ITEMS[name]
        ):
            problems.append(
                _(
                    "The form arrived incomplete (%(list)s), so nothing was saved. Reload it.",
                    list=name,
                )
            )
    return problems


def _typed_values(form: Form) -> list[Any]:
    """Every value typed or ticked in a row, nested forms included."""
    values = []
    for field in form:
        if isinstance(field, FormField):
            values.extend(_typed_values(field.form))
        else:
            values.append(field.data)
    return [value for value in values if value not in (None, "", False)]


def opened(fields: Mapping[str, Any], version: str) -> CampaignForm:
    """The form for the campaign fields as saved (letter_edits.open_campaign)."""
    return CampaignForm(formdata=MultiDict({**from_fields(fields), "version": version}))


def from_fields(fields: Mapping[str, Any]) -> dict[str, str]:
    """The form's values by field name for the campaign fields (also what merge compares)."""
    values = {"deadline": str(fields.get("deadline") or "")}
    for key in TEXTS:
        for language in LANGUAGES:
            values[f"{key}-{language}"] = (fields.get(key) or {}).get(language, "")
    for index, event in enumerate(fields.get("chronology") or []):
        values[f"chronology-{index}-date"] = str(event.get("date") or "")
        values[f"chronology-{index}-source"] = str(event.get("source") or "")
        texts = event.get("text") or {}
        for language in LANGUAGES:
            values[f"chronology-{index}-text-{language}"] = texts.get(language, "")
    for index, quote in enumerate(fields.get("quotes") or []):
        for key in QUOTE_KEYS:
            values[f"quotes-{index}-{key}"] = str(quote.get(key) or "")
    for index, update in enumerate(fields.get("updates") or []):
        for key in ("date", "source", "url"):
            values[f"updates-{index}-{key}"] = str(update.get(key) or "")
        for language in LANGUAGES:
            values[f"updates-{index}-text-{language}"] = (update.get("text") or {}).get(
                language, ""
            )
    for name in LISTS:
        values[f"{name}-count"] = str(len(fields.get(name) or []))
    values.update(disclosure_values(fields))
    return values


def disclosure_values(fields: Mapping[str, Any]) -> dict[str, str]:
    """The form's values of the default disclosure rule and the organisation's address."""
    organisation = _mapping(fields.get("organisation"))
    address = _mapping(organisation.get("address"))
    values = {
        "disclosure": str(fields.get("disclosure") or ""),
        "organisation-name": str(organisation.get("name") or ""),
        "organisation-lines": "\n".join(str(line) for line in address.get("lines") or []),
    }
    for key in ORGANISATION_ADDRESS:
        values[f"organisation-{key}"] = str(address.get(key) or "")
    return values


def _mapping(value: Any) -> Mapping[str, Any]:
    """`value` if it is a mapping (a hand-edited file may hold anything), else {}."""
    return value if isinstance(value, Mapping) else {}


def to_plain(form: CampaignForm) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The campaign fields for letter_edits.set_campaign_fields, and which rows became items."""
    plain: dict[str, Any] = {"deadline": _typed(form.deadline)}
    for key in TEXTS:
        plain[key] = _texts(form[key])
    rows: dict[str, list[str]] = {}
    for name in LISTS:
        items, rows[name] = [], []
        for row in form[name]:
            item = _quote(row.form) if name == "quotes" else _event(row.form)
            if row.form.remove.data or item is None:
                continue
            items.append(item)
            rows[name].append(row.name)
        plain[name] = items
    plain.update(_disclosure(form))
    return plain, rows


def _disclosure(form: CampaignForm) -> dict[str, Any]:
    """The default rule (left as it is when none was posted) and the organisation's address
    ({} when every field is empty: the file then has none)."""
    typed = _typed(form.disclosure)
    fields = form.organisation.form
    lines = [line.strip() for line in (fields.lines.data or "").split("\n") if line.strip()]
    typed_address = {key: _typed(fields[key]) for key in ORGANISATION_ADDRESS}
    address: dict[str, Any] = {"lines": lines}
    address.update((key, text) for key, text in typed_address.items() if text)
    name = _typed(fields["name"])
    organisation = {"name": name, "address": address} if name or any(address.values()) else {}
    return {**({"disclosure": typed} if typed else {}), "organisation": organisation}


def add_problems(form: CampaignForm, problems: list[Problem], rows) -> list[str]:
    """Put the problems of a save next to their fields; the ones without a field come back as
    sentences."""
    fields = by_name(form)
    others = []
    for problem in problems:
        name = field_name(problem.field, rows)
        if name in fields:
            add_errors(fields[name], [problem.message])
        else:
            others.append(problem_text(problem))
    return others


def field_name(path: str, rows: Mapping[str, list[str]]) -> str | None:
    """The form field of a problem's path ("chronology[1].text.it" -> "chronology-3-text-it")."""
    if disclosure_field(path):
        return disclosure_field(path)
    match = re.fullmatch(r"(chronology|quotes|updates)\[(\d+)\]\.(\w+)(?:\.(\w+))?", path)
    if match:
        name, index, key, language = match.groups()
        kept = rows.get(name, [])
        row = kept[int(index)] if int(index) < len(kept) else f"{name}-{index}"
        return f"{row}-{key}" + (f"-{language}" if language else "")
    match = re.fullmatch(r"(title|summary|background)\.(\w+)", path)
    if match:
        return f"{match[1]}-{match[2]}"
    return "deadline" if path == "deadline" else None


def disclosure_field(path: str) -> str | None:
    """The field of a problem of the default rule or of the organisation's address; an office
    whose own rule needs the organisation's address points at its name."""
    if path == "disclosure":
        return "disclosure"
    match = re.fullmatch(r"organisation\.address(?:\.(\w+))?(?:\[\d+\])?", path)
    if match:
        key = match[1] or "lines"
        return f"organisation-{key}" if key in ("lines", *ORGANISATION_ADDRESS) else None
    if path in ("organisation", "organisation.name") or path.endswith(".disclosure"):
        return "organisation-name"
    return None


class StateForm(EditForm):
    """The appeal's state, with the reason of a pause and the outcome of a win."""

    state = RadioField(_l("State of the appeal"), validate_choice=False)
    pause_reason = FormField(in_each_language(CAMPAIGN["state.note"]))
    outcome = FormField(in_each_language(CAMPAIGN["state.note"]))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state.choices = [(state, state) for state in APPEAL_STATES]


def state_form(fields: Mapping[str, Any], version: str) -> StateForm:
    """The state form as saved (campaign_fields.campaign_fields)."""
    values = {"state": str(fields.get("state") or ""), "version": version}
    for key in ("pause_reason", "outcome"):
        for language in LANGUAGES:
            values[f"{key}-{language}"] = (fields.get(key) or {}).get(language, "")
    return StateForm(formdata=MultiDict(values))


def state_plain(form: StateForm) -> dict[str, Any]:
    """The state fields for campaign_fields.set_state."""
    return {
        "state": _typed(form.state),
        "pause_reason": _texts(form.pause_reason),
        "outcome": _texts(form.outcome),
    }


def add_state_problems(form: StateForm, problems: list[Problem]) -> list[str]:
    """Put the problems of the state's save next to its fields; the others as sentences."""
    fields = by_name(form)
    others = []
    for problem in problems:
        key, _dot, language = problem.field.partition(".")
        name = key if key == "state" else f"{key}-{language or 'en'}"
        if name not in fields:
            others.append(problem_text(problem))
        else:
            add_errors(fields[name], [problem.message])
    return others


def _typed(field) -> str:
    """A field's value without the spaces around it."""
    return (field.data or "").strip()


def _texts(texts: FormField) -> dict[str, str]:
    """The languages of a text that are filled in."""
    typed = {language: _typed(texts[language]) for language in LANGUAGES}
    return {language: text for language, text in typed.items() if text}


def _event(event: EventForm) -> dict[str, Any] | None:
    """A chronology event (or an update, with its web address) in the file's shape; None for an
    empty row. An update leaves out the source or address not given."""
    item: dict[str, Any] = {"date": _typed(event.date), "source": _typed(event.source)}
    if isinstance(event, UpdateForm):
        item["url"] = _typed(event.url)
    item["text"] = _texts(event.text)
    if not any(item.values()):
        return None
    if isinstance(event, UpdateForm):
        return {key: value for key, value in item.items() if value or key not in ("source", "url")}
    return item


def _quote(quote: QuoteForm) -> dict[str, str] | None:
    """A quote in the file's shape (an empty date left out); None for an empty row."""
    item = {key: _typed(quote[key]) for key in QUOTE_KEYS}
    if not any(item.values()):
        return None
    return {key: value for key, value in item.items() if value or key != "date"}

"""Importing offices from a CSV after a preview: what it adds and changes, field by field.

`preview_import` reads UTF-8 with or without a byte order mark, comma or semicolon, and lists
the offices it would add, change and leave alone, with every row's problems at its CSV line,
each row checked by the directory's own validator; nothing is written. `apply_import` makes the
changes in a document, for one `editing.save` (which checks the whole campaign again, so an
imported office that would break a letter is refused). The import never deletes an office, and
a column left out of the file leaves that field as it is.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from campaign import directory, limits
from campaign.directory import phones
from campaign.directory.interchange import COLUMNS, LINE_SEPARATOR, LIST_SEPARATOR, uncell
from campaign.editing import offices
from campaign.editing.changes import Change, field_changes
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.models import LANGUAGES
from campaign.yamlfile.edit import is_empty, normal, set_fields

_PHONE_COLUMNS = ("phones", "faxes")


@dataclass(frozen=True)
class ImportRow:
    """One office of an imported CSV and what importing it would do."""

    line: int  # the CSV line the row starts on (the header is line 1)
    id: str
    action: str  # "add", "change", "unchanged" or "invalid"
    changes: tuple[Change, ...] = ()
    problems: tuple[Problem, ...] = ()
    plain: Mapping[str, Any] | None = None  # the office as it would be saved


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do; nothing is written until `apply_import`."""

    name: str
    columns: tuple[str, ...]
    rows: tuple[ImportRow, ...]
    problems: tuple[Problem, ...]  # every problem: the file's own and each row's

    @property
    def ok(self) -> bool:
        """Whether the import can be applied (no problems at all)."""
        return not self.problems

    def rows_to(self, action: str) -> list[ImportRow]:
        """The rows that would be added, changed, left unchanged or are invalid."""
        return [row for row in self.rows if row.action == action]


def preview_import(data: bytes, document: Any, name: str = "import.csv") -> ImportPreview:
    """What importing the CSV `data` into the directory `document` would add and change."""
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
    except csv.Error as error:
        raise InvalidData([Problem(f"{name}:1", f"cannot be read as CSV ({error})")]) from None
    file_problems = _header_problems(header, name)
    if file_problems:
        return ImportPreview(name, tuple(header), (), tuple(file_problems))
    existing = offices.offices_plain(document)
    rows: list[ImportRow] = []
    seen: dict[str, int] = {}
    for line, cells in _records(reader, name):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= limits.IMPORT_ROWS:
            raise InvalidData([Problem(f"{name}:{line}", f"more than {limits.IMPORT_ROWS} rows")])
        rows.append(_row(name, line, dict(zip(header, cells, strict=False)), existing, seen))
    problems = [*file_problems, *(p for row in rows for p in row.problems)]
    return ImportPreview(name, tuple(header), tuple(rows), tuple(problems))


def apply_import(preview: ImportPreview, document: Any) -> None:
    """Add and change the offices of a problem-free preview in `document` (for one save)."""
    if not preview.ok:
        count = len(preview.problems)
        raise CampaignError(
            f"{preview.name} has {count} problem{'s' if count > 1 else ''}; correct the file "
            "and upload it again"
        )
    for row in preview.rows:
        if row.plain is None:
            continue
        if row.action == "add":
            offices.add_office(document, row.plain)
        elif row.action == "change":
            offices.update_office(document, row.id, row.plain)


# --- helpers --------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    """The CSV text: UTF-8, a byte order mark removed."""
    if len(data) > limits.IMPORT_BYTES:
        raise InvalidData([Problem(name, f"is over {limits.IMPORT_BYTES // 1_000_000} MB")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidData(
            [Problem(f"{name}:{line}", 'is not UTF-8 text; save it as "CSV UTF-8"')]
        ) from None


def _delimiter(text: str) -> str:
    """Comma or semicolon, whichever the header line uses (spreadsheets in Italy use ";")."""
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;").delimiter
    except csv.Error:
        return ";" if first.count(";") > first.count(",") else ","


def _header_problems(header: list[str], name: str) -> list[Problem]:
    """Problems of the header line: no id column, unknown or repeated columns."""
    problems = []
    if "id" not in header:
        problems.append(
            Problem(
                f"{name}:1",
                f"has no 'id' column; the first line must name the columns: {', '.join(COLUMNS)}",
            )
        )
    for index, column in enumerate(header):
        if column not in COLUMNS:
            problems.append(
                Problem(
                    f"{name}:1", f"unknown column '{column}'; the columns are: {', '.join(COLUMNS)}"
                )
            )
        elif column in header[:index]:
            problems.append(Problem(f"{name}:1", f"the column '{column}' appears twice"))
    return problems


def _records(reader: Any, name: str) -> Iterable[tuple[int, list[str]]]:
    """Each record with the line it starts on (a quoted cell may span lines)."""
    line = reader.line_num + 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise InvalidData([Problem(f"{name}:{line}", f"cannot be read as CSV ({error})")]) from None


def _row(
    name: str, line: int, cells: dict[str, str], existing: dict[str, dict], seen: dict[str, int]
) -> ImportRow:
    """One CSV row compared with the directory, and validated as an office."""
    where = f"{name}:{line}"
    office_id = uncell(cells.get("id", "")).strip()
    if not office_id:
        return ImportRow(line, "", "invalid", problems=(Problem(where, "the id is empty"),))
    if office_id in seen:
        problem = Problem(where, f"id '{office_id}' is already on line {seen[office_id]}", "id")
        return ImportRow(line, office_id, "invalid", problems=(problem,))
    seen[office_id] = line
    old = existing.get(office_id)
    candidate = _merged(old or {}, cells)
    problems = _validate(candidate, where)
    changes: tuple[Change, ...] = ()
    if old is None:
        action = "add"
    else:
        changes = tuple(field_changes(old, candidate, directory.ENTRY_KEYS, offices.ORDERS))
        action = "change" if changes else "unchanged"
    return ImportRow(
        line, office_id, "invalid" if problems else action, changes, problems, candidate
    )


def _merged(old: Mapping[str, Any], cells: Mapping[str, str]) -> dict[str, Any]:
    """The office as it would be: the existing fields, with the columns of the row over them."""
    plain = dict(normal(old))
    values = {column: uncell(value).strip() for column, value in cells.items()}
    country = str(values.get("country", plain.get("country")) or "")
    for key in directory.TEXT_KEYS:
        if key in values:
            plain[key] = values[key]
    for key in ("salutation", "ask", "safety_note"):
        texts = dict(plain.get(key) or {})
        for language in LANGUAGES:
            if f"{key}_{language}" in values:
                texts[language] = values[f"{key}_{language}"]
        plain[key] = {language: text for language, text in texts.items() if text}
    plain["address"] = _merged_address(plain.get("address") or {}, values)
    for key in _PHONE_COLUMNS:
        if key in values:
            plain[key] = [
                phones.file_value(item, country, plain.get(key) or [])
                for item in _split(values[key], LIST_SEPARATOR)
            ]
    for key in ("emails", "tags"):
        if key in values:
            plain[key] = _split(values[key], LIST_SEPARATOR)
    return normal({key: value for key, value in plain.items() if not is_empty(value)})


def _merged_address(address: Mapping[str, Any], values: Mapping[str, str]) -> dict[str, Any]:
    """The address with the address columns of the row over it."""
    address = dict(address)
    if "address_lines" in values:
        address["lines"] = _split(values["address_lines"], LINE_SEPARATOR)
    for column, key in (
        ("postcode", "postcode"),
        ("city", "city"),
        ("region", "region"),
        ("address_country", "country"),
    ):
        if column in values:
            address[key] = values[column]
    return address


def _validate(plain: Mapping[str, Any], where: str) -> tuple[Problem, ...]:
    """The problems of one office, checked exactly as recipients.yaml is, at the CSV line."""
    entry = CommentedMap()
    set_fields(entry, plain, directory.ENTRY_KEYS, orders=offices.ORDERS)
    try:
        directory.parse(CommentedMap(recipients=CommentedSeq([entry])), where, alone=True)
    except InvalidData as error:
        return tuple(error.problems)
    return ()


def _split(text: str, separator: str) -> list[str]:
    """The items of a joined cell, stripped, empty ones left out."""
    return [item.strip() for item in text.split(separator) if item.strip()]

"""The directory as CSV and vCard, and importing a CSV after a preview.

CSV: one row per office, flat columns (COLUMNS); lists joined with "; ", address lines with
" | ". Phones are written in international form with spaces ("+39 06 3606 4651": the E.164
digits, which a spreadsheet does not turn into a number), or as written in the source where
the digits are ambiguous. A text cell that a spreadsheet would run as a formula (= + - @ at
the start) gets a leading apostrophe, which the import takes off again.

Import: `preview_import` reads UTF-8 with or without a byte order mark, comma or semicolon,
and lists the offices it would add, change (field by field) and leave alone, with every row's
problems at its CSV line; nothing is written. `apply_import` makes the changes in a document,
for one `edits.edit_directory` save. The import never deletes an office, and a column left out
of the file leaves that field as it is.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from campaign import directory
from campaign.directory.addresses import country_name
from campaign.editing import offices as edits
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.models import LANGUAGES, Phone, Recipient
from campaign.yamlfile.edit import is_empty, normal, set_fields

COLUMNS = (
    "id",
    "office",
    "office_local",
    "person",
    "title",
    "country",
    "language",
    *(f"salutation_{language}" for language in LANGUAGES),
    "address_lines",
    "postcode",
    "city",
    "region",
    "address_country",
    "phones",
    "faxes",
    "emails",
    "email_note",
    *(f"ask_{language}" for language in LANGUAGES),
    "tags",
    "source",
    "verified",
)
LIST_SEPARATOR = ";"
LINE_SEPARATOR = "|"
MAX_IMPORT_BYTES = 2_000_000
MAX_IMPORT_ROWS = 2_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_COLUMNS = ("phones", "faxes")
_UUID_NAMESPACE = uuid.UUID("6f0e5d3c-4a1b-4c8e-9b7a-2d1e0f3c5a79")  # stable vCard UIDs


# --- export -----------------------------------------------------------------------------------


def export_csv(recipients: Iterable[Recipient], *, bom: bool = True) -> str:
    """The offices as CSV text (CRLF rows; a BOM first so that spreadsheets read it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for recipient in recipients:
        row = csv_row(recipient)
        writer.writerow([_cell(column, row[column]) for column in COLUMNS])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def csv_row(recipient: Recipient) -> dict[str, str]:
    """One office as the flat CSV columns."""
    address = recipient.address
    row = {
        "id": recipient.id,
        "office": recipient.office,
        "office_local": recipient.office_local,
        "person": recipient.person,
        "title": recipient.title,
        "country": recipient.country,
        "language": recipient.language,
        "address_lines": f" {LINE_SEPARATOR} ".join(address.lines),
        "postcode": address.postcode,
        "city": address.city,
        "region": address.region,
        "address_country": address.country,
        "phones": _joined(_phone_text(phone) for phone in recipient.phones),
        "faxes": _joined(_phone_text(phone) for phone in recipient.faxes),
        "emails": _joined(recipient.emails),
        "email_note": recipient.email_note,
        "tags": _joined(recipient.tags),
        "source": recipient.source,
        "verified": recipient.verified,
    }
    for language in LANGUAGES:
        row[f"salutation_{language}"] = recipient.salutation.get(language, "")
        row[f"ask_{language}"] = recipient.ask.get(language, "")
    return row


def export_vcard(recipients: Iterable[Recipient]) -> str:
    """The offices as vCard 4.0 (RFC 6350): CRLF line ends, lines folded at 75 octets."""
    return "".join(vcard(recipient) for recipient in recipients)


def vcard(recipient: Recipient) -> str:
    """One office as a vCard."""
    address = recipient.address
    name = recipient.person or recipient.office
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, recipient.id)}",
        f"KIND:{'individual' if recipient.person else 'org'}",
        f"FN:{_escape(name)}",
        f"ORG:{_escape(recipient.office)}",
    ]
    if recipient.title:
        lines.append(f"TITLE:{_escape(recipient.title)}")
    country = country_name(address.country, "en") or address.country
    street = ",".join(_escape(line) for line in address.lines)  # one value per line
    others = (address.city, address.region, address.postcode, country)
    # ADR: post office box; extended address; street; locality; region; postal code; country
    lines.append(f"ADR;TYPE=work:;;{street};{';'.join(_escape(part) for part in others)}")
    lines += [_tel(phone, "voice") for phone in recipient.phones]
    lines += [_tel(phone, "fax") for phone in recipient.faxes]
    lines += [f"EMAIL;TYPE=work:{_escape(email)}" for email in recipient.emails]
    lines.append(f"LANG:{recipient.language}")
    if recipient.tags:
        lines.append(f"CATEGORIES:{','.join(_escape(tag) for tag in recipient.tags)}")
    note = "\n".join(
        text
        for text in (recipient.office_local, recipient.email_note, _source_note(recipient))
        if text
    )
    if note:
        lines.append(f"NOTE:{_escape(note)}")
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def fold(line: str, limit: int = 75) -> str:
    """A content line folded into lines of at most `limit` octets (RFC 6350, 3.2).

    Continuation lines start with one space, and a UTF-8 sequence is never split.
    """
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


# --- import -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One office of an imported CSV and what importing it would do."""

    line: int  # the CSV line the row starts on (the header is line 1)
    id: str
    action: str  # "add", "change", "unchanged" or "invalid"
    changes: tuple[edits.FieldChange, ...] = ()
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
    existing = edits.offices_plain(document)
    rows, seen = [], {}
    for line, cells in _records(reader, name):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise InvalidData([Problem(f"{name}:{line}", f"more than {MAX_IMPORT_ROWS} rows")])
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
        if row.action == "add":
            edits.add_office(document, row.plain)
        elif row.action == "change":
            edits.update_office(document, row.id, row.plain)


# --- import helpers ---------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    """The CSV text: UTF-8, a byte order mark removed."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InvalidData([Problem(name, f"is over {MAX_IMPORT_BYTES // 1_000_000} MB")])
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
    office_id = _uncell(cells.get("id", "")).strip()
    if not office_id:
        return ImportRow(line, "", "invalid", problems=(Problem(where, "the id is empty"),))
    if office_id in seen:
        problem = Problem(where, f"id '{office_id}' is already on line {seen[office_id]}", "id")
        return ImportRow(line, office_id, "invalid", problems=(problem,))
    seen[office_id] = line
    old = existing.get(office_id)
    candidate = _merged(old or {}, cells)
    problems = _validate(candidate, where)
    if old is None:
        action, changes = "add", ()
    else:
        changes = edits.field_changes(old, candidate)
        action = "change" if changes else "unchanged"
    return ImportRow(
        line, office_id, "invalid" if problems else action, changes, problems, candidate
    )


def _merged(old: Mapping[str, Any], cells: Mapping[str, str]) -> dict[str, Any]:
    """The office as it would be: the existing fields, with the columns of the row over them."""
    plain = dict(normal(old))
    values = {column: _uncell(value).strip() for column, value in cells.items()}
    country = values.get("country", plain.get("country", ""))
    for key in directory.TEXT_KEYS:
        if key in values:
            plain[key] = values[key]
    for key in ("salutation", "ask"):
        texts = dict(plain.get(key) or {})
        for language in LANGUAGES:
            if f"{key}_{language}" in values:
                texts[language] = values[f"{key}_{language}"]
        plain[key] = {language: text for language, text in texts.items() if text}
    plain["address"] = _merged_address(plain.get("address") or {}, values)
    for key in _PHONE_COLUMNS:
        if key in values:
            plain[key] = [
                phone_value(item, country, plain.get(key) or [])
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


def phone_value(text: str, country: str, old: list) -> str | dict[str, str]:
    """A phone cell as the directory writes it: E.164, or {source: ...} as it was kept."""
    if {"source": text} in old:
        return {"source": text}
    try:
        number = phonenumbers.parse(text, country or None)
    except phonenumbers.NumberParseException:
        return text  # the validation reports it, with the fix
    if not phonenumbers.is_valid_number(number):
        return text
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validate(plain: Mapping[str, Any], where: str) -> tuple[Problem, ...]:
    """The problems of one office, checked exactly as recipients.yaml is, at the CSV line."""
    entry = CommentedMap()
    set_fields(entry, plain, directory.ENTRY_KEYS, orders=edits.ORDERS)
    try:
        directory.parse(CommentedMap(recipients=CommentedSeq([entry])), where)
    except InvalidData as error:
        return tuple(error.problems)
    return ()


def _split(text: str, separator: str) -> list[str]:
    """The items of a joined cell, stripped, empty ones left out."""
    return [item.strip() for item in text.split(separator) if item.strip()]


def _joined(items: Iterable[str]) -> str:
    """A list as one cell."""
    return f"{LIST_SEPARATOR} ".join(items)


def _phone_text(phone: Phone) -> str:
    """A phone as a CSV cell: international form with spaces, or the source form."""
    return phone.display if phone.e164 else phone.source


def _cell(column: str, value: str) -> str:
    """A cell that no spreadsheet runs as a formula (phones are numbers, left as they are)."""
    if column not in _PHONE_COLUMNS and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _uncell(value: str) -> str:
    """A cell as read back: the apostrophe that `_cell` added taken off."""
    if value.startswith("'") and value[1:].startswith(_FORMULA_START):
        return value[1:]
    return value


# --- vCard helpers ----------------------------------------------------------------------------


def _escape(text: str) -> str:
    """A text value escaped for vCard: backslash, comma, semicolon and line breaks."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def _tel(phone: Phone, kind: str) -> str:
    """A TEL property: a tel: URI for an E.164 number, else the number as written (text)."""
    if phone.e164:
        return f"TEL;VALUE=uri;TYPE={kind}:tel:{phone.e164}"
    return f"TEL;VALUE=text;TYPE={kind}:{_escape(phone.source)}"


def _source_note(recipient: Recipient) -> str:
    """Where the entry comes from, for the vCard note."""
    if not recipient.source:
        return ""
    checked = f", checked {recipient.verified}" if recipient.verified else ""
    return f"Source: {recipient.source}{checked}"

"""The directory as CSV and vCard, for spreadsheets and address books.

CSV: one row per office, flat columns (COLUMNS); lists joined with "; ", address lines with
" | ". Phones are written in international form with spaces ("+39 06 3606 4651": the E.164
digits, which a spreadsheet does not turn into a number), or as written in the source where
the digits are ambiguous. Every cell that a spreadsheet would run as a formula (= + - @, tab
or CR at the start; a phone's "+" too) gets a leading apostrophe, which spreadsheets hide and
the import (`editing.csv_import`) takes off again.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterable

from campaign.directory.addresses import country_name
from campaign.directory.schema import ENTRY_KEYS, TEXT_KEYS
from campaign.models import LANGUAGES, Phone, Recipient
from campaign.text import lf

# The flat columns, in the order of the schema; the nested fields spread over several.
_COLUMNS_OF = {
    "salutation": tuple(f"salutation_{language}" for language in LANGUAGES),
    "address": ("address_lines", "postcode", "city", "region", "address_country"),
    "ask": tuple(f"ask_{language}" for language in LANGUAGES),
    # The appeal's life is edited in recipients.yaml and the console, not in spreadsheets: an
    # import leaves a pause and the talking points as they are.
    "paused": (),
    "talking_points": (),
    "safety_note": tuple(f"safety_note_{language}" for language in LANGUAGES),
}
COLUMNS = tuple(column for key in ENTRY_KEYS for column in _COLUMNS_OF.get(key, (key,)))
LIST_SEPARATOR = ";"
LINE_SEPARATOR = "|"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UUID_NAMESPACE = uuid.UUID("6f0e5d3c-4a1b-4c8e-9b7a-2d1e0f3c5a79")  # stable vCard UIDs


# --- export -----------------------------------------------------------------------------------


def export_csv(recipients: Iterable[Recipient], *, bom: bool = True) -> str:
    """The offices as CSV text (CRLF rows; a BOM first so that spreadsheets read it as UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for recipient in recipients:
        row = csv_row(recipient)
        writer.writerow([_cell(row[column]) for column in COLUMNS])
    return ("\ufeff" if bom else "") + buffer.getvalue()


def csv_row(recipient: Recipient) -> dict[str, str]:
    """One office as the flat CSV columns."""
    address = recipient.address
    row = {key: getattr(recipient, key) for key in TEXT_KEYS}
    row.update(
        {
            "address_lines": f" {LINE_SEPARATOR} ".join(address.lines),
            "postcode": address.postcode,
            "city": address.city,
            "region": address.region,
            "address_country": address.country,
            "phones": joined(_phone_text(phone) for phone in recipient.phones),
            "faxes": joined(_phone_text(phone) for phone in recipient.faxes),
            "emails": joined(recipient.emails),
            "tags": joined(recipient.tags),
        }
    )
    for language in LANGUAGES:
        row[f"salutation_{language}"] = recipient.salutation.get(language, "")
        row[f"ask_{language}"] = recipient.ask.get(language, "")
        row[f"safety_note_{language}"] = recipient.safety_note.get(language, "")
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


def joined(items: Iterable[str]) -> str:
    """A list as one cell."""
    return f"{LIST_SEPARATOR} ".join(items)


def _phone_text(phone: Phone) -> str:
    """A phone as a CSV cell: international form with spaces, or the source form."""
    return phone.display if phone.e164 else phone.source


def _cell(value: str) -> str:
    """A cell that no spreadsheet runs as a formula, in every column ("+39 06 ..." too)."""
    if value.startswith(FORMULA_START):
        return "'" + value
    return value


# --- vCard helpers ----------------------------------------------------------------------------


def _escape(text: str) -> str:
    """A text value escaped for vCard: backslash, comma, semicolon and line breaks."""
    text = text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return lf(text).replace("\n", "\\n")


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


def uncell(value: str) -> str:
    """A cell as read back: the apostrophe that the export added taken off."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value

"""Load, validate and save recipients.yaml: the directory of the offices to write to.

Round-trip YAML (ruamel) keeps the organisers' comments, key order and quoting when the web
console saves an edit. Validation reports every problem at once, each with its line.
Saving is the shared safe save of `safe_files`: a lock file beside the directory, a version
check against the version the editor started from, a temporary file in the same folder, fsync,
`os.replace`, and the previous version kept as `recipients.yaml.bak`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from campaign.directory.addresses import COUNTRY_CODES
from campaign.errors import CampaignError, InvalidData
from campaign.models import LANGUAGES, Address, Phone, Recipient
from campaign.storage import safe_files
from campaign.yamlfile.read import Checker, dump_document, load_document, node_line

ENTRY_KEYS = (
    "id",
    "office",
    "office_local",
    "person",
    "title",
    "country",
    "language",
    "salutation",
    "address",
    "phones",
    "faxes",
    "emails",
    "email_note",
    "ask",
    "tags",
    "source",
    "verified",
)
ADDRESS_KEYS = ("lines", "postcode", "city", "region", "country")
# The entry's fields that hold one line of text (the others are mappings or lists).
TEXT_KEYS = (
    "id",
    "office",
    "office_local",
    "person",
    "title",
    "country",
    "language",
    "email_note",
    "source",
    "verified",
)
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
LOCK_TIMEOUT = safe_files.LOCK_TIMEOUT  # seconds a save waits for another save to finish


@dataclass(frozen=True)
class Directory:
    """The loaded directory: validated recipients plus the round-trip document for editing."""

    path: Path
    recipients: tuple[Recipient, ...]
    version: str  # sha256 hex of the file's bytes; save() checks it to detect conflicts
    document: Any = field(repr=False, compare=False)  # ruamel CommentedMap

    @property
    def ids(self) -> tuple[str, ...]:
        """The office ids, in file order."""
        return tuple(recipient.id for recipient in self.recipients)

    def get(self, id: str) -> Recipient:
        """The recipient with this id, or a CampaignError listing the known ids."""
        for recipient in self.recipients:
            if recipient.id == id:
                return recipient
        raise CampaignError(f"unknown office id '{id}'; known ids: {', '.join(self.ids)}")


def load(path: str | os.PathLike[str]) -> Directory:
    """Read and validate a recipients.yaml; InvalidData lists every problem found."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise CampaignError(
            f"{path}: no such file; create it or give the path of your recipients.yaml"
        ) from None
    except OSError as error:
        raise CampaignError(f"{path}: cannot read it ({error.strerror})") from None
    return _build(path, data)


def parse(document: Any, name: str, *, text: str | None = None) -> tuple[Recipient, ...]:
    """Validate a loaded document; `text` (the file's text) only improves the fix hints."""
    checker = Checker(name, (text or "").splitlines())
    recipients = _recipients(checker, document)
    if checker.problems:
        raise InvalidData(checker.problems)
    return recipients


def save(
    path: str | os.PathLike[str],
    document: Any,
    expected_version: str,
    *,
    on_saved: safe_files.OnSaved | None = None,
) -> Directory:
    """Validate and atomically write `document`, unless the file changed since `expected_version`.

    A file that does not exist yet has the version "". The previous version is kept as
    `<name>.bak` beside the file. `on_saved(old, new)` runs under the lock after the write.
    """
    path = Path(path)
    data = _dump(document)
    directory = _build(path, data)  # InvalidData here: nothing has been written
    safe_files.safe_write(
        path, data, expected_version, on_saved=on_saved, lock_timeout=LOCK_TIMEOUT
    )
    return directory


def from_bytes(path: str | os.PathLike[str], data: bytes) -> Directory:
    """Validate the bytes of a directory file named `path` (read elsewhere)."""
    return _build(Path(path), data)


backup_path = safe_files.backup_path  # where save() keeps the previous version


def to_plain(recipient: Recipient) -> dict[str, Any]:
    """The recipient as a plain dict in the YAML schema (key order as in the file)."""
    address = recipient.address
    return {
        "id": recipient.id,
        "office": recipient.office,
        "office_local": recipient.office_local,
        "person": recipient.person,
        "title": recipient.title,
        "country": recipient.country,
        "language": recipient.language,
        "salutation": dict(recipient.salutation),
        "address": {
            "lines": list(address.lines),
            "postcode": address.postcode,
            "city": address.city,
            "region": address.region,
            "country": address.country,
        },
        "phones": [_plain_phone(phone) for phone in recipient.phones],
        "faxes": [_plain_phone(phone) for phone in recipient.faxes],
        "emails": list(recipient.emails),
        "email_note": recipient.email_note,
        "ask": dict(recipient.ask),
        "tags": list(recipient.tags),
        "source": recipient.source,
        "verified": recipient.verified,
    }


# --- reading and writing ---------------------------------------------------------------


def _build(path: Path, data: bytes) -> Directory:
    """Parse and validate the bytes of a directory file."""
    document = load_document(data, str(path))
    recipients = parse(document, str(path), text=data.decode("utf-8"))
    return Directory(path, recipients, safe_files.version(data), document)


def _dump(document: Any) -> bytes:
    """The document as the bytes of a YAML file."""
    return dump_document(document, "the directory")


def _plain_phone(phone: Phone) -> str | dict[str, str]:
    """A phone as written in the file: E.164, or {source: ...} when it has none."""
    return phone.e164 or {"source": phone.source}


# --- validation ----------------------------------------------------------------------------


def _recipients(checker: Checker, document: Any) -> tuple[Recipient, ...]:
    """Every valid entry of the document; problems go to the checker."""
    if not isinstance(document, Mapping) or not isinstance(document.get("recipients"), list):
        checker.report(
            node_line(document) or 1,
            "recipients",
            "the file must hold 'recipients:' followed by a list of offices ('- id: ...')",
        )
        return ()
    checker.unknown_keys(document, ("recipients",), "")
    if not document["recipients"]:
        checker.report(checker.line(document, "recipients"), "recipients", "no offices; add one")
    entries = checker.mappings(document, "recipients", "recipients", what="office", first_key="id")
    recipients = [_recipient(checker, entry, index) for index, entry in entries]
    _check_unique_ids(checker, recipients)
    return tuple(recipients)


def _check_unique_ids(checker: Checker, recipients: list[Recipient]) -> None:
    """Report every id used a second time."""
    first_line: dict[str, int] = {}
    for recipient in recipients:
        if not recipient.id:
            continue
        if recipient.id in first_line:
            checker.report(
                recipient.line,
                f"{recipient.id}.id",
                f"duplicate id '{recipient.id}' (first used on line {first_line[recipient.id]}); "
                "give each office its own id",
            )
        else:
            first_line[recipient.id] = recipient.line


def _recipient(checker: Checker, entry: Mapping, index: int) -> Recipient:
    """One entry as a Recipient; fields with problems are left empty."""
    raw_id = entry.get("id")
    label = raw_id if isinstance(raw_id, str) and SLUG.match(raw_id) else f"recipients[{index}]"
    checker.unknown_keys(entry, ENTRY_KEYS, label)
    entry_id = checker.text(entry, "id", f"{label}.id", required=True)
    if entry_id and not SLUG.match(entry_id):
        checker.report(
            checker.line(entry, "id"),
            f"{label}.id",
            f"id '{entry_id}' is not a slug; use lowercase letters, digits and single hyphens, "
            "e.g. it-interior",
        )
        entry_id = ""
    country = _country(checker, entry, f"{label}.country")
    language = _language(checker, entry, f"{label}.language")
    required_languages = ("en", language) if language else ("en",)
    return Recipient(
        id=entry_id,
        office=checker.text(entry, "office", f"{label}.office", required=True),
        office_local=checker.text(entry, "office_local", f"{label}.office_local"),
        person=checker.text(entry, "person", f"{label}.person"),
        title=checker.text(entry, "title", f"{label}.title"),
        country=country,
        language=language,
        address=_address(checker, entry, f"{label}.address"),
        salutation=checker.localized(
            entry, "salutation", f"{label}.salutation", required=required_languages
        ),
        ask=checker.localized(entry, "ask", f"{label}.ask", required=required_languages),
        phones=_phones(checker, entry, "phones", label, country),
        faxes=_phones(checker, entry, "faxes", label, country),
        emails=_emails(checker, entry, label),
        email_note=_email_note(checker, entry, label),
        tags=tuple(checker.texts(entry, "tags", f"{label}.tags")),
        source=checker.text(entry, "source", f"{label}.source"),
        verified=checker.date(entry, "verified", f"{label}.verified"),
        line=node_line(entry),
    )


def _country(checker: Checker, node: Mapping, path: str) -> str:
    """An ISO 3166-1 alpha-2 code at node['country'], or ""."""
    code = checker.text(node, "country", path, required=True)
    if not code or code in COUNTRY_CODES:
        return code
    fix = (
        f'write it in capitals: "{code.upper()}"'
        if code.upper() in COUNTRY_CODES
        else "use the two-letter code, e.g. IT for Italy, KZ for Kazakhstan"
    )
    checker.report(
        checker.line(node, "country"), path, f"'{code}' is not an ISO 3166-1 country code; {fix}"
    )
    return ""


def _language(checker: Checker, node: Mapping, path: str) -> str:
    """A letter language at node['language'], or ""."""
    language = checker.text(node, "language", path, required=True)
    if not language or language in LANGUAGES:
        return language
    checker.report(
        checker.line(node, "language"),
        path,
        f"language '{language}' has no letters; use one of {', '.join(LANGUAGES)}",
    )
    return ""


def _address(checker: Checker, entry: Mapping, path: str) -> Address:
    """The structured postal address."""
    node = checker.mapping(entry, "address", path)
    if node is None:
        return Address(lines=(), city="", country="")
    checker.unknown_keys(node, ADDRESS_KEYS, path)
    return Address(
        lines=tuple(checker.texts(node, "lines", f"{path}.lines", required=True)),
        city=checker.text(node, "city", f"{path}.city", required=True),
        country=_country(checker, node, f"{path}.country"),
        postcode=checker.text(node, "postcode", f"{path}.postcode"),
        region=checker.text(node, "region", f"{path}.region"),
    )


def _phones(
    checker: Checker, entry: Mapping, key: str, label: str, region: str
) -> tuple[Phone, ...]:
    """Phones or faxes: E.164 strings, or {source: ...} kept as written; duplicates reported."""
    items = checker.sequence(entry, key, f"{label}.{key}")
    phones: list[Phone] = []
    seen: dict[str, int] = {}
    for index in range(len(items)):
        path = f"{label}.{key}[{index}]"
        phone = _phone(checker, items, index, path, region)
        if phone is None:
            continue
        number = phone.e164 or phone.source
        if number in seen:
            checker.report(
                checker.line(items, index),
                path,
                f"{number} is already listed as {key}[{seen[number]}]; remove this one",
            )
            continue
        seen[number] = index
        phones.append(phone)
    return tuple(phones)


def _phone(checker: Checker, items: list, index: int, path: str, region: str) -> Phone | None:
    """One phone item, normalised with phonenumbers; None after reporting a problem."""
    item = items[index]
    if isinstance(item, Mapping):
        checker.unknown_keys(item, ("source",), path)
        written = checker.text(item, "source", f"{path}.source", required=True)
        return Phone(source=written, display=written) if written else None
    written = checker.text(items, index, path, required=True)
    if not written:
        return None
    keep = f'or keep it as written with {{source: "{written}"}}'
    try:
        number = phonenumbers.parse(written, region or None)
    except phonenumbers.NumberParseException as error:
        checker.report(
            checker.line(items, index),
            path,
            f'"{written}" is not a phone number ({error}); '
            f"write it as +<country code> <number>, {keep}",
        )
        return None
    if not phonenumbers.is_valid_number(number):
        checker.report(
            checker.line(items, index),
            path,
            f'"{written}" is not a valid phone number{f" in {region}" if region else ""}; '
            f"check the digits and the country code, {keep}",
        )
        return None
    return Phone(
        source=checker.source_comment(items, index) or written,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def _emails(checker: Checker, entry: Mapping, label: str) -> tuple[str, ...]:
    """The e-mail addresses, validated without DNS and normalised."""
    path = f"{label}.emails"
    items = checker.sequence(entry, "emails", path)
    emails = []
    for index in range(len(items)):
        address = checker.text(items, index, f"{path}[{index}]", required=True)
        if not address:
            continue
        try:
            emails.append(validate_email(address, check_deliverability=False).normalized)
        except EmailNotValidError as error:
            checker.report(
                checker.line(items, index),
                f"{path}[{index}]",
                f'"{address}" is not a valid e-mail address ({error}); correct it, or remove it '
                "and say in email_note how to reach the office",
            )
    return tuple(emails)


def _email_note(checker: Checker, entry: Mapping, label: str) -> str:
    """The note on the e-mails; required when no e-mail address is listed."""
    note = checker.text(entry, "email_note", f"{label}.email_note")
    written = entry.get("email_note")
    unwritten = written is None or (isinstance(written, str) and not written.strip())
    if unwritten and not entry.get("emails"):
        checker.report(
            checker.line(entry, "emails"),
            f"{label}.email_note",
            "no e-mail address is listed, so email_note must say why, e.g. "
            '"The source lists no e-mail for this office."',
        )
    return note

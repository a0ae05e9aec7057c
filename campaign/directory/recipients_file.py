"""Load and validate recipients.yaml: the directory of the offices to write to.

Round-trip YAML (ruamel) keeps the organisers' comments, key order and quoting when the console
saves an edit (`campaign.editing`). Validation reports every problem at once, each with its
line, and applies the limits of `campaign.limits`.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError, validate_email

from campaign import limits
from campaign.directory import phones as phone_numbers
from campaign.directory.addresses import COUNTRY_CODES
from campaign.directory.schema import ADDRESS_KEYS, DISCLOSURES, ENTRY_KEYS, PAUSE_KEYS, TEXT_KEYS
from campaign.errors import CampaignError, InvalidData
from campaign.models import LANGUAGES, Address, Pause, Phone, Recipient
from campaign.storage import safe_files
from campaign.text import SLUG
from campaign.yamlfile.read import Checker, load_document, node_line


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

    def line_of(self, id: str, key: str) -> int:
        """The line of one field of an office in the file (of the office when not written)."""
        entries = self.document.get("recipients") or []
        for entry in entries:
            if isinstance(entry, Mapping) and entry.get("id") == id:
                return Checker(str(self.path)).line(entry, key)
        return 0


def load(path: str | os.PathLike[str]) -> Directory:
    """Read and validate a recipients.yaml; InvalidData lists every problem found."""
    path = Path(path)
    data = safe_files.read_if_exists(path)
    if data is None:
        raise CampaignError(
            f"{path}: no such file; create it or give the path of your recipients.yaml"
        )
    return _build(path, data)


def parse(
    document: Any, name: str, *, text: str | None = None, alone: bool = False
) -> tuple[Recipient, ...]:
    """Validate a loaded document; `text` (the file's text) only improves the fix hints.

    With `alone`, the offices are checked each on its own (the CSV import's rows): what one
    says of another (a replacement) is checked when the whole directory is.
    """
    checker = Checker(name, (text or "").splitlines())
    recipients = _recipients(checker, document)
    if not alone:
        _check_replacements(checker, document, recipients)
    if checker.problems:
        raise InvalidData(checker.problems)
    return recipients


def from_bytes(path: str | os.PathLike[str], data: bytes) -> Directory:
    """Validate the bytes of a directory file named `path` (read elsewhere)."""
    return _build(Path(path), data)


def to_plain(recipient: Recipient) -> dict[str, Any]:
    """The recipient as a plain dict in the YAML schema (key order as in the file)."""
    address = recipient.address
    plain: dict[str, Any] = {key: getattr(recipient, key) for key in TEXT_KEYS}
    plain.update(
        salutation=dict(recipient.salutation),
        address={
            "lines": list(address.lines),
            **{key: getattr(address, key) for key in ADDRESS_KEYS if key != "lines"},
        },
        phones=[_plain_phone(phone) for phone in recipient.phones],
        faxes=[_plain_phone(phone) for phone in recipient.faxes],
        emails=list(recipient.emails),
        safety_note=dict(recipient.safety_note),
        ask=dict(recipient.ask),
        tags=list(recipient.tags),
        paused=_plain_pause(recipient.pause),
        talking_points={key: list(items) for key, items in recipient.talking_points.items()},
    )
    return {key: plain[key] for key in ENTRY_KEYS}


def _plain_pause(pause: Pause | None) -> dict[str, Any]:
    """A pause as the file writes it ({} for none)."""
    if pause is None:
        return {}
    plain: dict[str, Any] = {"reason": dict(pause.reason)}
    if pause.replacement:
        plain["replacement"] = pause.replacement
    return plain


# --- reading and writing ---------------------------------------------------------------


def _build(path: Path, data: bytes) -> Directory:
    """Parse and validate the bytes of a directory file."""
    document = load_document(data, str(path))
    recipients = parse(document, str(path), text=data.decode("utf-8"))
    return Directory(path, recipients, safe_files.version(data), document)


def _plain_phone(phone: Phone) -> str | dict[str, str]:
    """A phone as written in the file: E.164, or {source: ...} when it has none."""
    return phone.e164 or {"source": phone.source}


# --- validation ----------------------------------------------------------------------------

_LIMIT, _ITEMS = limits.OFFICE, limits.OFFICE_ITEMS


def _text(checker: Checker, entry: Mapping, key: str, label: str) -> str:
    """An optional one-line field of an office, within its limit."""
    return checker.text(entry, key, f"{label}.{key}", limit=_LIMIT[key])


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
    entry_id = checker.text(entry, "id", f"{label}.id", required=True, limit=_LIMIT["id"])
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
        office=checker.text(
            entry, "office", f"{label}.office", required=True, limit=_LIMIT["office"]
        ),
        office_local=_text(checker, entry, "office_local", label),
        person=_text(checker, entry, "person", label),
        title=_text(checker, entry, "title", label),
        country=country,
        language=language,
        address=read_address(checker, entry, f"{label}.address"),
        salutation=checker.localized(
            entry,
            "salutation",
            f"{label}.salutation",
            required=required_languages,
            limit=_LIMIT["salutation"],
        ),
        ask=checker.localized(
            entry, "ask", f"{label}.ask", required=required_languages, limit=_LIMIT["ask"]
        ),
        phones=_phones(checker, entry, "phones", label, country),
        faxes=_phones(checker, entry, "faxes", label, country),
        emails=_emails(checker, entry, label),
        email_note=_email_note(checker, entry, label),
        disclosure=checker.choice(
            entry, "disclosure", f"{label}.disclosure", DISCLOSURES, "a disclosure rule"
        ),
        safety_note=_safety_note(checker, entry, label),
        tags=tuple(
            checker.texts(
                entry, "tags", f"{label}.tags", limit=_LIMIT["tag"], max_items=_ITEMS["tags"]
            )
        ),
        source=_text(checker, entry, "source", label),
        verified=checker.date(entry, "verified", f"{label}.verified"),
        line=node_line(entry),
        pause=_pause(checker, entry, f"{label}.paused"),
        talking_points=checker.lists_per_language(
            entry,
            "talking_points",
            f"{label}.talking_points",
            required=False,
            limit=_LIMIT["talking_point"],
            max_items=_ITEMS["talking_points"],
        ),
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


def read_address(checker: Checker, entry: Mapping, path: str) -> Address:
    """The structured postal address at entry["address"] (an office's, the organisation's)."""
    node = checker.mapping(entry, "address", path)
    if node is None:
        return Address(lines=(), city="", country="")
    checker.unknown_keys(node, ADDRESS_KEYS, path)
    return Address(
        lines=tuple(
            checker.texts(
                node,
                "lines",
                f"{path}.lines",
                required=True,
                limit=_LIMIT["address.lines"],
                max_items=_ITEMS["address.lines"],
            )
        ),
        city=checker.text(node, "city", f"{path}.city", required=True, limit=_LIMIT["city"]),
        country=_country(checker, node, f"{path}.country"),
        postcode=checker.text(node, "postcode", f"{path}.postcode", limit=_LIMIT["postcode"]),
        region=checker.text(node, "region", f"{path}.region", limit=_LIMIT["region"]),
    )


def _phones(
    checker: Checker, entry: Mapping, key: str, label: str, region: str
) -> tuple[Phone, ...]:
    """Phones or faxes: E.164 strings, or {source: ...} kept as written; duplicates reported."""
    items = checker.sequence(entry, key, f"{label}.{key}", max_items=_ITEMS[key])
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
    limit = limits.OFFICE["phone"]
    try:
        if isinstance(item, Mapping):
            checker.unknown_keys(item, ("source",), path)
            written = checker.text(item, "source", f"{path}.source", required=True, limit=limit)
            return phone_numbers.as_written(written) if written else None
        written = checker.text(items, index, path, required=True, limit=limit)
        if not written:
            return None
        phone = phone_numbers.parse(written, region)
    except ValueError as error:
        checker.report(checker.line(items, index), path, str(error))
        return None
    return dataclasses.replace(phone, source=checker.source_comment(items, index) or written)


def _emails(checker: Checker, entry: Mapping, label: str) -> tuple[str, ...]:
    """The e-mail addresses, validated without DNS and normalised."""
    path = f"{label}.emails"
    items = checker.sequence(entry, "emails", path, max_items=_ITEMS["emails"])
    emails = []
    for index in range(len(items)):
        address = checker.text(
            items, index, f"{path}[{index}]", required=True, limit=_LIMIT["email"]
        )
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
    note = _text(checker, entry, "email_note", label)
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


# --- the appeal's life: paused offices ------------------------------------------------------


def _pause(checker: Checker, entry: Mapping, path: str) -> Pause | None:
    """The office's pause: why (per language, English required) and its replacement, if any."""
    node = checker.mapping(entry, "paused", path, required=False, hint=": reason and replacement")
    if not node:  # absent, empty or `{}`: the office takes letters
        return None
    checker.unknown_keys(node, PAUSE_KEYS, path)
    reason = checker.localized(
        node, "reason", f"{path}.reason", multiline=True, limit=_LIMIT["pause.reason"]
    )
    replacement = checker.text(
        node, "replacement", f"{path}.replacement", limit=_LIMIT["pause.replacement"]
    )
    return Pause(reason=reason, replacement=replacement)


def _check_replacements(checker: Checker, document: Any, recipients: tuple[Recipient, ...]) -> None:
    """Each replacement is another office of the directory that takes letters itself.

    A replacement that is paused is refused, so replacements never form a chain or a cycle:
    a supporter offered one can always write to it.
    """
    by_id = {recipient.id: recipient for recipient in recipients if recipient.id}
    for recipient in recipients:
        wanted = recipient.pause.replacement if recipient.pause else ""
        if not wanted:
            continue
        path = f"{recipient.id}.paused.replacement"
        other = by_id.get(wanted)
        if wanted == recipient.id:
            message = f"{wanted} cannot replace itself; name another office, or no replacement"
        elif other is None:
            known = ", ".join(key for key in by_id if key != recipient.id)
            message = f"'{wanted}' is not an office of the directory; known ids: {known}"
        elif other.pause is not None:
            message = (
                f"{wanted} is paused itself, so supporters could not write to it; name an "
                "office that takes letters"
            )
        else:
            continue
        checker.report(_replacement_line(checker, document, recipient), path, message)


def _replacement_line(checker: Checker, document: Any, recipient: Recipient) -> int:
    """The line of an office's `replacement:` (else of the office)."""
    for entry in document.get("recipients") or []:
        if isinstance(entry, Mapping) and entry.get("id") == recipient.id:
            paused = entry.get("paused")
            if isinstance(paused, Mapping) and "replacement" in paused:
                return checker.line(paused, "replacement")
    return recipient.line


def _safety_note(checker: Checker, entry: Mapping, label: str) -> dict[str, str]:
    """The organisers' safety note, per language: optional; when given, English is required
    (supporters read it in the interface language, else in English)."""
    if not entry.get("safety_note"):  # absent, empty, or emptied in the console ({})
        return {}
    path = f"{label}.safety_note"
    return checker.localized(entry, "safety_note", path, limit=_LIMIT["safety_note"])

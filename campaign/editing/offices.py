"""Edit recipients.yaml from the console: add, update, duplicate, delete offices; conflicts; audit.

The change functions (`add_office`, `update_office`, ...) work on the round-trip document and
take an office as a plain dict in the YAML schema (as `directory.to_plain` gives it); they
change only what differs, so comments and key order survive. `edit_directory` is the one way
to save such a change: it loads the file fresh, applies the change, saves it with the safe save
of `directory.save` (version check, validation, atomic write, backup), keeps the new version in
the history and writes the audit log. A conflict says which offices and fields someone else
changed since the editor opened the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from campaign import directory
from campaign.directory import ADDRESS_KEYS, ENTRY_KEYS, Directory
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.models import LANGUAGES
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile.edit import is_empty, normal, set_fields, to_plain
from campaign.yamlfile.read import dump_document, load_document

ORDERS = {"address": ADDRESS_KEYS, "salutation": LANGUAGES, "ask": LANGUAGES}
FLOW = ("tags",)  # lists written [a, b] when new, as in the bundled file
SHOW_LIMIT = 80  # characters of a value shown in a change or conflict message

Change = Callable[[Any], None]


@dataclass(frozen=True)
class FieldChange:
    """One field of one office, before and after, as short texts for the page."""

    field: str  # "phones", "salutation.it", "address.city"
    old: str
    new: str


@dataclass(frozen=True)
class OfficeChange:
    """What happened to one office between two versions of the directory."""

    office: str
    action: str  # "added", "deleted" or "changed"
    fields: tuple[FieldChange, ...] = ()


# --- changes to the document -----------------------------------------------------------------


def add_office(document: Any, plain: Mapping[str, Any]) -> None:
    """Append a new office (a plain dict in the YAML schema) to the directory."""
    entries = _entries(document)
    office_id = str(plain.get("id") or "")
    if office_id in _ids(entries):
        raise CampaignError(f"there is already an office with the id '{office_id}'; pick another")
    entries.append(_new_entry(plain, entries))
    _separate(entries, len(entries) - 2)


def update_office(document: Any, office_id: str, plain: Mapping[str, Any]) -> None:
    """Change the fields given in `plain` of one office in place; other fields stay as they are.

    A nested mapping (salutation, address, ask) is given whole: its keys left out are removed.
    """
    entries = _entries(document)
    _, entry = _find(entries, office_id)
    new_id = plain.get("id", office_id)
    if new_id != office_id and new_id in _ids(entries):
        raise CampaignError(f"there is already an office with the id '{new_id}'; pick another")
    set_fields(
        entry, _in_schema_order(plain), ENTRY_KEYS, orders=ORDERS, flow=FLOW, model=_model(entries)
    )


def duplicate_office(document: Any, office_id: str, new_id: str) -> None:
    """Insert a copy of an office, with the id `new_id`, right after it."""
    entries = _entries(document)
    index, entry = _find(entries, office_id)
    if new_id in _ids(entries):
        raise CampaignError(f"there is already an office with the id '{new_id}'; pick another")
    copied = _new_entry({**to_plain(entry), "id": new_id}, entries)
    entries.insert(index + 1, copied)
    original_slot, copied_slot = _trailing(entry), _trailing(copied)
    if original_slot is not None and copied_slot is not None:  # what heads the next entry
        copied_slot[2], original_slot[2] = original_slot[2], None
    _separate(entries, index)
    _separate(entries, index + 1)


def delete_office(document: Any, office_id: str) -> None:
    """Remove an office from the directory."""
    entries = _entries(document)
    index, entry = _find(entries, office_id)
    if index > 0:
        _keep_comments_after(entry, entries[index - 1])
    del entries[index]
    if index == len(entries) and entries:
        _end_without_blank_line(entries[-1])


def set_ask(document: Any, office_id: str, language: str, text: str) -> None:
    """Set what one office is asked, in one language (the letter editor's ask field)."""
    if language not in LANGUAGES:
        raise CampaignError(f"unknown language '{language}'; use one of {', '.join(LANGUAGES)}")
    _, entry = _find(_entries(document), office_id)
    asks = to_plain(entry.get("ask") or {})
    update_office(document, office_id, {"ask": {**asks, language: text}})


def office_plain(document: Any, office_id: str) -> dict[str, Any]:
    """One office of the document as a plain dict, as written in the file."""
    return to_plain(_find(_entries(document), office_id)[1])


# --- saving ----------------------------------------------------------------------------------


def open_directory(path: str | os.PathLike[str], *, instance: str | os.PathLike[str]) -> Directory:
    """Load the directory for an edit page; its version is kept so a conflict can be explained."""
    data, _ = versions.remember(instance, path)
    return directory.from_bytes(path, data)


def edit_directory(
    path: str | os.PathLike[str],
    expected_version: str,
    change: Change,
    who: str,
    summary: str = "",
    *,
    instance: str | os.PathLike[str],
    action: str = "",
) -> Directory:
    """Apply `change(document)` to the file as it is now and save it safely, with history and log.

    ConflictError (with `.changes`) when the file is no longer `expected_version`; InvalidData
    when the result does not validate; in both cases nothing is written.
    """
    path = Path(path)
    versions.check_who(who)
    data = safe_files.read_if_exists(path)
    if data is None:
        raise CampaignError(f"{path}: no such file")
    if safe_files.version(data) != expected_version:
        raise directory_conflict(path, expected_version, data, change, instance=instance)
    document = load_document(data, path.name)
    before = offices_plain(document)
    change(document)
    changes = compare(before, offices_plain(document))
    if not changes and dump_document(document, path.name) == data:
        return directory.from_bytes(path, data)  # nothing to save
    try:
        saved = directory.save(
            path, document, expected_version, on_saved=versions.keeper(instance, path.name, who)
        )
    except ConflictError:
        current = safe_files.read_if_exists(path)
        raise directory_conflict(
            path, expected_version, current, change, instance=instance, base=data
        ) from None
    _log(instance, who, path.name, changes, summary, action)
    return saved


def restore_directory(
    path: str | os.PathLike[str],
    version_id: str,
    who: str,
    *,
    instance: str | os.PathLike[str],
    expected_version: str,
) -> Directory:
    """Bring back a kept version of the directory: validated, saved safely, itself a version."""
    path = Path(path)
    versions.check_who(who)
    old = versions.read(instance, path.name, version_id)
    current = safe_files.read_if_exists(path)
    if safe_files.version(current) != expected_version:
        raise directory_conflict(path, expected_version, current, None, instance=instance)
    restored = directory.from_bytes(path, old)  # InvalidData: nothing is written
    safe_files.safe_write(
        path, old, expected_version, on_saved=versions.keeper(instance, path.name, who)
    )
    changes = compare(_plain_of_bytes(current, path.name), offices_plain(restored.document))
    _log(instance, who, path.name, changes, f"restored the version {version_id}", "restore")
    return restored


# --- comparing versions ------------------------------------------------------------------------


def offices_plain(document: Any) -> dict[str, dict[str, Any]]:
    """Each office of a document as a normalised plain dict, by id (or by position)."""
    entries = document.get("recipients") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        return {}
    offices = {}
    for index, entry in enumerate(entries):
        plain = normal(entry) if isinstance(entry, Mapping) else {"entry": normal(entry)}
        key = plain.get("id") if isinstance(plain.get("id"), str) else f"recipients[{index}]"
        offices[key] = plain
    return offices


def compare(
    before: Mapping[str, dict[str, Any]], after: Mapping[str, dict[str, Any]]
) -> list[OfficeChange]:
    """The offices added, deleted and changed (field by field) from `before` to `after`."""
    changes = [OfficeChange(office, "deleted") for office in before if office not in after]
    for office, plain in after.items():
        if office not in before:
            changes.append(OfficeChange(office, "added"))
        elif plain != before[office]:
            changes.append(OfficeChange(office, "changed", field_changes(before[office], plain)))
    return changes


def field_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    order: Sequence[str] = ENTRY_KEYS,
    orders: Mapping[str, Sequence[str]] = ORDERS,
) -> tuple[FieldChange, ...]:
    """The fields that differ between two plain records (mappings by key, lists by item)."""
    changes = []
    for key in _keys_in_order(old, new, order):
        before, after = normal(old.get(key)), normal(new.get(key))
        if before == after:
            continue
        if isinstance(before, dict | type(None)) and isinstance(after, dict | type(None)):
            for sub in _keys_in_order(before or {}, after or {}, orders.get(key, ())):
                sub_before, sub_after = (before or {}).get(sub), (after or {}).get(sub)
                if normal(sub_before) != normal(sub_after):
                    changes.append(FieldChange(f"{key}.{sub}", show(sub_before), show(sub_after)))
        elif _records(before) and _records(after):
            for index in range(max(len(before or []), len(after or []))):
                item_before = before[index] if index < len(before or []) else None
                item_after = after[index] if index < len(after or []) else None
                if item_before != item_after:
                    changes.append(
                        FieldChange(f"{key}[{index}]", show(item_before), show(item_after))
                    )
        else:
            changes.append(FieldChange(key, show(before), show(after)))
    return tuple(changes)


def show(value: Any) -> str:
    """A value as a short text for a message: lists joined with "; ", long texts cut."""
    value = normal(value)
    if is_empty(value):
        return "(empty)"
    if isinstance(value, list):
        text = "; ".join(show(item) for item in value)
    elif isinstance(value, dict):
        text = (
            value["source"]
            if set(value) == {"source"}
            else ", ".join(f"{key}: {show(item)}" for key, item in value.items())
        )
    else:
        text = str(value)
    return text if len(text) <= SHOW_LIMIT else text[: SHOW_LIMIT - 1] + "…"


def directory_conflict(
    path: Path,
    expected_version: str,
    current: bytes | None,
    change: Change | None,
    *,
    instance: str | os.PathLike[str],
    base: bytes | None = None,
) -> ConflictError:
    """A ConflictError listing what someone else changed since `expected_version`."""
    base = base if base is not None else versions.find(instance, path.name, expected_version)
    headline = (
        f"{path.name} was changed by someone else since you opened it, so nothing was saved; "
        "reload it and make your change again"
    )
    current_version = safe_files.version(current)
    theirs_before = _plain_of_bytes(base, path.name)
    theirs_after = _plain_of_bytes(current, path.name)
    if base is None or theirs_before is None or theirs_after is None:
        return ConflictError(headline, [], current_version)
    mine = _touched(base, path.name, change)
    lines = conflict_lines(compare(theirs_before, theirs_after), mine)
    if not lines:
        lines = [f"{path.name}: comments or layout were changed since you opened it"]
    return ConflictError(headline, lines, current_version)


def conflict_lines(theirs: list[OfficeChange], mine: set[str]) -> list[str]:
    """One sentence per office or field someone else changed; the ones you changed too first."""
    lines = []
    for change in theirs:
        if change.action != "changed":
            also = " (you were editing it)" if change.office in mine else ""
            lines.append(f"{change.office} was {change.action} by someone else{also}")
            continue
        for field in change.fields:
            dotted = f"{change.office}.{field.field}"
            also = "; you changed it too" if dotted in mine else ""
            lines.append(
                f"{dotted} was changed by someone else since you opened it: "
                f"{field.old} → {field.new}{also}"
            )
    return sorted(lines, key=lambda line: "you changed it too" not in line)


# --- helpers -------------------------------------------------------------------------------------


def _entries(document: Any) -> list:
    """The list of offices of a document, or CampaignError."""
    entries = document.get("recipients") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise CampaignError("the directory has no 'recipients:' list; fix the file by hand first")
    return entries


def _ids(entries: list) -> list[str]:
    """The office ids of the entries, in file order."""
    return [entry.get("id") for entry in entries if isinstance(entry, Mapping)]


def _find(entries: list, office_id: str) -> tuple[int, CommentedMap]:
    """The index and entry of an office, or CampaignError listing the known ids."""
    for index, entry in enumerate(entries):
        if isinstance(entry, Mapping) and entry.get("id") == office_id:
            return index, entry
    known = ", ".join(str(i) for i in _ids(entries))
    raise CampaignError(f"unknown office id '{office_id}'; known ids: {known}")


def _in_schema_order(plain: Mapping[str, Any]) -> dict[str, Any]:
    """The plain office with its keys in ENTRY_KEYS order (unknown keys last, to be refused)."""
    rank = {key: index for index, key in enumerate(ENTRY_KEYS)}
    return dict(sorted(plain.items(), key=lambda item: rank.get(item[0], len(rank))))


def _new_entry(plain: Mapping[str, Any], entries: list) -> CommentedMap:
    """A new entry from a plain office: keys in schema order, quoted like the other entries."""
    entry = CommentedMap()
    set_fields(
        entry, _in_schema_order(plain), ENTRY_KEYS, orders=ORDERS, flow=FLOW, model=_model(entries)
    )
    return entry


def _model(entries: list) -> dict[str, Any]:
    """For each key, its value in the first entry that has it: the style new values copy."""
    model: dict[str, Any] = {}
    for entry in entries:
        if isinstance(entry, Mapping):
            for key, value in entry.items():
                if not is_empty(value):
                    model.setdefault(key, value)
    return model


def _separate(entries: list, index: int) -> None:
    """A blank line after entry `index` (unless it is the last), as between the other offices."""
    if index < 0 or index >= len(entries) - 1 or not isinstance(entries[index], CommentedMap):
        return
    entry = entries[index]
    last = list(entry)[-1] if entry else None
    if last is None or isinstance(entry[last], Mapping | list):
        return
    item = entry.ca.items.setdefault(last, [None, None, None, None])
    if item[2] is None:
        item[2] = CommentToken("\n\n", CommentMark(0), None)


def _trailing(entry: Any) -> list | None:
    """The comment slot after an entry's last value, which holds what precedes the next entry."""
    if not isinstance(entry, CommentedMap) or not entry:
        return None
    last = list(entry)[-1]
    if isinstance(entry[last], Mapping | list):
        return None
    return entry.ca.items.setdefault(last, [None, None, None, None])


def _keep_comments_after(deleted: Any, previous: Any) -> None:
    """Move the comments after a deleted entry (before the next one) to the previous entry."""
    source, target = _trailing(deleted), _trailing(previous)
    if source is None or target is None or source[2] is None or "#" not in source[2].value:
        return
    if target[2] is None or "#" not in target[2].value:
        target[2] = source[2]
    else:
        target[2].value = target[2].value.rstrip("\n") + "\n" + source[2].value[1:]


def _end_without_blank_line(entry: Any) -> None:
    """Remove a blank-line-only comment after the last entry (the file then ends cleanly)."""
    if not isinstance(entry, CommentedMap) or not entry:
        return
    item = entry.ca.items.get(list(entry)[-1])
    if item and len(item) > 2 and item[2] is not None and not item[2].value.strip():
        item[2] = None


def _records(value: Any) -> bool:
    """Whether a value is a list of mappings (or nothing), compared item by item."""
    return value is None or (
        isinstance(value, list) and all(isinstance(item, dict) for item in value)
    )


def _keys_in_order(a: Mapping, b: Mapping, order: Sequence[str]) -> list[str]:
    """The keys of two mappings, in `order` first, then any others."""
    keys = dict.fromkeys([*a, *b])
    return [key for key in order if key in keys] + [key for key in keys if key not in order]


def _plain_of_bytes(data: bytes | None, name: str) -> dict[str, dict[str, Any]] | None:
    """The offices of a version of the file, or None if it cannot be read."""
    if data is None:
        return None
    try:
        return offices_plain(load_document(data, name))
    except InvalidData:
        return None


def _touched(base: bytes, name: str, change: Change | None) -> set[str]:
    """The offices and dotted fields that `change` alters when applied to `base`."""
    if change is None:
        return set()
    try:
        document = load_document(base, name)
        before = offices_plain(document)
        change(document)
    except (CampaignError, KeyError, TypeError, ValueError):
        return set()
    touched = set()
    for office_change in compare(before, offices_plain(document)):
        touched.add(office_change.office)
        touched.update(f"{office_change.office}.{f.field}" for f in office_change.fields)
    return touched


def _log(
    instance: str | os.PathLike[str],
    who: str,
    file_name: str,
    changes: list[OfficeChange],
    summary: str,
    action: str,
) -> None:
    """Write the audit entry of a directory save."""
    offices = {change.office for change in changes}
    office = next(iter(offices)) if len(offices) == 1 else ""
    if not action:
        kinds = {change.action for change in changes}
        single = {"added": "add", "deleted": "delete", "changed": "update"}
        action = single[kinds.pop()] if office and len(kinds) == 1 else "edit"
    described = "; ".join(
        f"{change.office} {change.action}"
        + (f" ({', '.join(f.field for f in change.fields)})" if change.fields else "")
        for change in changes
    )
    fields = [f"{change.office}.{f.field}" for change in changes for f in change.fields]
    audit.record(
        instance,
        who,
        file_name,
        action,
        office=office,
        summary=" — ".join(part for part in (summary, described) if part),
        fields=fields,
    )

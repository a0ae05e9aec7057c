"""Changes to recipients.yaml as a round-trip document: add, update, duplicate, delete an office.

The functions work on the ruamel document loaded from the file and take an office as a plain
dict in the YAML schema (as `directory.to_plain` gives it); they change only what differs, so
comments and key order survive. `editing.save` is the one way to save such a change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

from campaign.directory import ADDRESS_KEYS, ENTRY_KEYS
from campaign.directory.schema import PAUSE_KEYS
from campaign.errors import CampaignError
from campaign.models import LANGUAGES
from campaign.yamlfile.edit import is_empty, normal, set_fields, to_plain

ORDERS = {"address": ADDRESS_KEYS, "salutation": LANGUAGES, "ask": LANGUAGES}
ORDERS.update(paused=PAUSE_KEYS, reason=LANGUAGES, talking_points=LANGUAGES)  # appeal's life
ORDERS["safety_note"] = LANGUAGES
FLOW = ("tags",)  # lists written [a, b] when new, as in the bundled file


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
    if "paused" in plain and is_empty(plain["paused"]) and "paused" in entry:
        del entry["paused"]  # an office that takes letters again: no empty `paused: {}` left


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


def offices_plain(document: Any) -> dict[str, dict[str, Any]]:
    """Each office of a document as a normalised plain dict, by id (or by position)."""
    entries = document.get("recipients") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        return {}
    offices: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        plain = normal(entry) if isinstance(entry, Mapping) else {"entry": normal(entry)}
        office_id = plain.get("id")
        offices[office_id if isinstance(office_id, str) else f"recipients[{index}]"] = plain
    return offices


# --- helpers -------------------------------------------------------------------------------------


def _entries(document: Any) -> list:
    """The list of offices of a document, or CampaignError."""
    entries = document.get("recipients") if isinstance(document, Mapping) else None
    if not isinstance(entries, list):
        raise CampaignError("the directory has no 'recipients:' list; fix the file by hand first")
    return entries


def _ids(entries: list) -> list[str]:
    """The office ids of the entries, in file order."""
    return [str(entry.get("id")) for entry in entries if isinstance(entry, Mapping)]


def _find(entries: list, office_id: str) -> tuple[int, CommentedMap]:
    """The index and entry of an office, or CampaignError listing the known ids."""
    for index, entry in enumerate(entries):
        if isinstance(entry, CommentedMap) and entry.get("id") == office_id:
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

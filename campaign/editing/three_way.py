"""Three-way merge of a YAML save: my edit onto the file as someone else saved it meanwhile.

base = the version the editor opened, theirs = the file now, mine = the edit applied to base.
When no field was changed by both (an office's field in recipients.yaml, or an office added
or deleted; a field of campaign.yaml, per language where it has languages; a list counts as
one field) and not both changed the order of the offices, the merge is base with both sets of
changes. It is made by applying my edit to the file as it is now, which keeps their comments
and changes, and checked to be exactly that merge. An edit may do more than it says: the
office form sends every field back, so on their version it would undo their change to a field
I did not touch. Then the fields I changed are set, one by one, on their version instead.
Anything else is NotMerged: the pipeline refuses the save as a conflict.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from campaign.editing import campaign_fields, offices
from campaign.errors import CampaignError
from campaign.site import CAMPAIGN_FILE
from campaign.yamlfile import dump_document, load_document
from campaign.yamlfile.edit import normal

ORDER = "the order of the offices"  # what a conflict names when both reordered the offices

Edit = Callable[[bytes], bytes]


class NotMerged(Exception):
    """The save cannot be merged; `fields` are those both changed ([] when nothing overlaps)."""

    def __init__(self, fields: list[str]):
        super().__init__(", ".join(fields))
        self.fields = fields


@dataclass(frozen=True)
class _Kind:
    """How one kind of YAML file is seen and changed by the merge."""

    tree: Callable[[Any], dict[str, Any]]  # the document as a plain, normalised tree
    order: Callable[[Any], list[str]]  # the ids of its records, in file order
    set_top: Callable[[Any, str, Any], None]  # set one top-level field of the tree
    set_record: Callable[[Any, str, str, Any], None] | None  # set one field of one record


def mergeable(file_name: str) -> bool:
    """Whether saves of this file are merged (the YAML files: not the letters, plain text)."""
    return file_name.endswith((".yaml", ".yml"))


def merge(file_name: str, base: bytes, theirs: bytes, edit: Edit) -> bytes:
    """The file as it is now (`theirs`) with my `edit` of `base` merged in; or NotMerged."""
    kind = _CAMPAIGN if file_name == CAMPAIGN_FILE else _DIRECTORY
    mine = edit(base)
    try:
        documents = [load_document(data, file_name) for data in (base, theirs, mine)]
    except CampaignError:  # someone left the file unreadable: nothing to merge onto
        raise NotMerged([]) from None
    base_tree, their_tree, my_tree = (kind.tree(document) for document in documents)
    expected, both = merged_values(base_tree, their_tree, my_tree)
    order = merged_order(*(kind.order(document) for document in documents))
    if order is None:
        both.append(ORDER)
    if both:
        raise NotMerged([_shown(file_name, field) for field in both])
    for attempt in (_edited, _rebuilt):
        try:
            candidate = attempt(file_name, kind, theirs, edit, expected)
        except (CampaignError, LookupError, TypeError, ValueError):
            continue  # e.g. my edit names an office they deleted, which I did not change
        if _is_merge(file_name, kind, candidate, expected, order):
            return candidate
    raise NotMerged([])


def merged_values(
    base: Any, theirs: Any, mine: Any, path: tuple[str, ...] = ()
) -> tuple[Any, list[str]]:
    """The three-way merge of plain values, and the dotted fields both changed differently."""
    if theirs == base:
        return mine, []
    if mine in (base, theirs):
        return theirs, []
    if isinstance(base, dict) and isinstance(theirs, dict) and isinstance(mine, dict):
        merged: dict[str, Any] = {}
        both: list[str] = []
        for key in dict.fromkeys([*theirs, *mine, *base]):
            sides = (base.get(key), theirs.get(key), mine.get(key))
            value, inner = merged_values(*sides, (*path, key))
            if value is not None:
                merged[key] = value
            both.extend(inner)
        return merged, both
    return mine, [".".join(path)]


def merged_order(base: list[str], theirs: list[str], mine: list[str]) -> list[str] | None:
    """The order the records all three keep must have in the merge; None if both reordered."""
    kept = set(base) & set(theirs) & set(mine)
    before, their_order, my_order = ([i for i in ids if i in kept] for ids in (base, theirs, mine))
    if their_order not in (before, my_order) and my_order != before:
        return None
    return my_order if my_order != before else their_order


# --- the two ways to make the merge ------------------------------------------------------------


def _edited(file_name: str, kind: _Kind, theirs: bytes, edit: Edit, expected: dict) -> bytes:
    """My edit applied to their version."""
    return edit(theirs)


def _rebuilt(file_name: str, kind: _Kind, theirs: bytes, edit: Edit, expected: dict) -> bytes:
    """Their version with each field that differs from the merge set to the merge's value."""
    document = load_document(theirs, file_name)
    now = kind.tree(document)
    for key in dict.fromkeys([*now, *expected]):
        if now.get(key) == expected.get(key):
            continue
        if kind.set_record is not None and key == "recipients":
            _set_records(document, kind.set_record, now.get(key) or {}, expected.get(key) or {})
        else:
            kind.set_top(document, key, expected.get(key))
    return dump_document(document, file_name)


def _set_records(document: Any, set_record: Callable, now: Mapping, expected: Mapping) -> None:
    """Add, delete and change the records (offices by id) that differ from the merge."""
    for office_id in dict.fromkeys([*now, *expected]):
        if office_id not in expected:
            offices.delete_office(document, office_id)
        elif office_id not in now:
            offices.add_office(document, expected[office_id])
        else:
            before, after = now[office_id], expected[office_id]
            for key in dict.fromkeys([*before, *after]):
                if before.get(key) != after.get(key):
                    set_record(document, office_id, key, after.get(key))


def _is_merge(
    file_name: str, kind: _Kind, data: bytes, expected: dict, order: list[str] | None
) -> bool:
    """Whether `data` holds exactly the merge, its kept records in the merge's order."""
    document = load_document(data, file_name)
    ids = kind.order(document)
    return kind.tree(document) == expected and [i for i in ids if i in set(order or ())] == order


def _shown(file_name: str, field: str) -> str:
    """A field of the tree as changes name it: "it-interior.phones", not "recipients.it-...."."""
    if file_name != CAMPAIGN_FILE and field.startswith("recipients."):
        return field.removeprefix("recipients.")
    return field


# --- the kinds ---------------------------------------------------------------------------------


def _directory_tree(document: Any) -> dict[str, Any]:
    """recipients.yaml as a tree: its offices by id (and anything else it holds, as it is)."""
    tree = normal(document) if isinstance(document, Mapping) else {}
    tree["recipients"] = offices.offices_plain(document)
    return tree


def _office_ids(document: Any) -> list[str]:
    """The office ids of a directory document, in file order."""
    return list(offices.offices_plain(document))


def _set_office_field(document: Any, office_id: str, key: str, value: Any) -> None:
    """Set one field of one office (a mapping whole, as the merge has it)."""
    offices.update_office(document, office_id, {key: value})


def _cannot_set(document: Any, key: str, value: Any) -> None:
    """A top-level part of the directory other than its offices: never set by a merge."""
    raise CampaignError(f"'{key}' is not a field the console edits")


def _set_campaign_field(document: Any, key: str, value: Any) -> None:
    """Set one field of campaign.yaml that the console edits (else CampaignError)."""
    campaign_fields.set_campaign_fields(document, {key: value})


_DIRECTORY = _Kind(_directory_tree, _office_ids, _cannot_set, _set_office_field)
_CAMPAIGN = _Kind(
    lambda document: normal(document) if isinstance(document, Mapping) else {},
    lambda document: [],
    _set_campaign_field,
    None,
)

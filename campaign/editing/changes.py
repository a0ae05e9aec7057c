"""What changed between two versions of a file, as short sentences for conflicts and the log.

A `Change` names what changed: an office ("it-interior", added or deleted), a field of one
("it-interior.phones", "title.en", "subjects.it[2]") or lines of a text file ("lines 3-4").
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from campaign.yamlfile.edit import is_empty, normal

SHOW_LIMIT = 80  # characters of a value shown in a change or conflict message
TOO = "; you changed it too"


@dataclass(frozen=True)
class Change:
    """One thing that differs between two versions of a file."""

    what: str  # "it-interior", "it-interior.address.city", "title.en", "line 3", "lines 3-4"
    action: str = "changed"  # "changed", "added" or "deleted"
    old: str = ""  # the old value, short, for a field that changed
    new: str = ""
    area: str = ""  # what it belongs to, when not the part of `what` before the first dot

    @property
    def scope(self) -> str:
        """The office or top-level field it belongs to: "it-interior", "title", "lines 3-4"."""
        return self.area or self.what.split(".")[0]


def field_changes(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    order: Sequence[str] = (),
    orders: Mapping[str, Sequence[str]] | None = None,
    prefix: str = "",
) -> list[Change]:
    """The fields that differ between two plain records (mappings by key, lists by item)."""
    orders = orders or {}
    changes = []
    for key in _keys_in_order(old, new, order):
        before, after = normal(old.get(key)), normal(new.get(key))
        if before == after:
            continue
        name = f"{prefix}{key}"
        if isinstance(before, dict | type(None)) and isinstance(after, dict | type(None)):
            for sub in _keys_in_order(before or {}, after or {}, orders.get(key, ())):
                sub_before, sub_after = (before or {}).get(sub), (after or {}).get(sub)
                if normal(sub_before) != normal(sub_after):
                    changes.append(
                        Change(f"{name}.{sub}", "changed", show(sub_before), show(sub_after))
                    )
        elif _records(before) and _records(after):
            for index in range(max(len(before or []), len(after or []))):
                item_before = before[index] if index < len(before or []) else None
                item_after = after[index] if index < len(after or []) else None
                if item_before != item_after:
                    changes.append(
                        Change(f"{name}[{index}]", "changed", show(item_before), show(item_after))
                    )
        else:
            changes.append(Change(name, "changed", show(before), show(after)))
    return changes


def record_changes(
    before: Mapping[str, Mapping[str, Any]],
    after: Mapping[str, Mapping[str, Any]],
    order: Sequence[str],
    orders: Mapping[str, Sequence[str]],
) -> list[Change]:
    """The records (offices, by id) added, deleted and changed field by field."""
    changes = [Change(key, "deleted") for key in before if key not in after]
    for key, plain in after.items():
        if key not in before:
            changes.append(Change(key, "added"))
        elif normal(plain) != normal(before[key]):
            changes.extend(field_changes(before[key], plain, order, orders, prefix=f"{key}."))
    return changes


def line_changes(old: str, new: str) -> list[Change]:
    """Which lines differ between two texts, one Change per changed block."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    changes = []
    for tag, first, last, new_first, new_last in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "insert":
            lines, action = (new_first, new_last), "added"
        else:
            lines, action = (first, last), "deleted" if tag == "delete" else "changed"
        what = (
            f"line {lines[0] + 1}"
            if lines[1] - lines[0] == 1
            else f"lines {lines[0] + 1}-{lines[1]}"
        )
        changes.append(
            Change(
                what,
                action,
                show(" / ".join(old_lines[first:last])),
                show(" / ".join(new_lines[new_first:new_last])),
                area=what,
            )
        )
    return changes


def conflict_lines(
    file_name: str, theirs: list[Change], mine: list[Change], both: Sequence[str] = ()
) -> list[str]:
    """One sentence per change someone else made; the ones that touch yours first.

    `both` names the fields a merge found changed on both sides (a list is one field, so
    "chronology" covers "chronology[3]"); one of them that none of their changes names gets a
    sentence of its own.
    """
    touched = {change.what for change in mine}
    scopes = {change.scope for change in mine}
    lines = []
    for change in theirs:
        verb = "were" if change.what.startswith("lines ") else "was"
        line = f"{file_name}: {change.what} {verb} {change.action} by someone else"
        if change.action == "changed":
            line += " since you opened it"
            if change.old or change.new:
                line += f": {change.old} → {change.new}"
        if change.what in touched:
            line += "; you added one with this id too" if change.action == "added" else TOO
        elif change.scope in scopes and change.action != "changed":
            line += " (you were editing it)"
        elif any(within(change.what, field) for field in both):
            line += TOO
        lines.append(line)
    for field in both:
        if not any(within(change.what, field) for change in theirs):
            lines.append(
                f"{file_name}: {field} was changed by someone else since you opened it{TOO}"
            )
    return sorted(lines, key=lambda line: not line.endswith(("too", "editing it)")))


def within(what: str, field: str) -> bool:
    """Whether a change's `what` ("quotes[2]", "it-interior.address.city") is in `field`, or
    `field` in it: the same field, one inside the other, or an item of the list `field`."""
    name = re.sub(r"\[\d+\]$", "", what)
    return name == field or name.startswith(f"{field}.") or field.startswith(f"{name}.")


def describe(changes: Sequence[Change]) -> str:
    """The changes in a few words, for the audit log: "it-interior.phones, it-justice added"."""
    words = [c.what if c.action == "changed" else f"{c.what} {c.action}" for c in changes]
    return ", ".join(words)


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


def _records(value: Any) -> bool:
    """Whether a value is a list of mappings (or nothing), compared item by item."""
    return value is None or (
        isinstance(value, list) and all(isinstance(item, dict) for item in value)
    )


def _keys_in_order(a: Mapping, b: Mapping, order: Sequence[str]) -> list[str]:
    """The keys of two mappings, in `order` first, then any others."""
    keys = dict.fromkeys([*a, *b])
    return [key for key in order if key in keys] + [key for key in keys if key not in order]

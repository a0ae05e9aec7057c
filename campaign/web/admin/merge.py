"""After a conflict: the organiser's edits over the newest saved values, so nothing is lost.

A form that lost a race is shown again with the fields the organiser changed as they typed
them, and every field they did not touch refreshed to what the other organiser saved (else a
second "Save" would quietly undo the other change). Each field someone else changed carries a
note saying so.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask_babel import gettext as _


def merge(
    mine: Mapping[str, str], opened: Mapping[str, str], now: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The values to show (mine where I changed them, else the newest) and a note per field."""
    merged, notes = dict(mine), {}
    for name in dict.fromkeys([*mine, *now]):
        typed, before, after = mine.get(name, ""), opened.get(name, ""), now.get(name, "")
        if same(before, after):
            continue
        if same(typed, before):
            merged[name] = after
            notes[name] = _("Someone else changed this; the form now shows their value.")
        elif not same(typed, after):
            notes[name] = _(
                "Someone else changed this too, to “%(theirs)s”; the form keeps yours.",
                theirs=short(after),
            )
    return merged, notes


def same(a: str, b: str) -> bool:
    """Whether two field values say the same (line ends and outer spaces aside)."""
    return [line.strip() for line in a.strip().splitlines()] == [
        line.strip() for line in b.strip().splitlines()
    ]


def short(text: str, limit: int = 80) -> str:
    """A value cut for a note."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

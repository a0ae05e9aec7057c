"""The audit log: who changed which file, office and fields, and when.

One JSON object per line in `<instance>/audit.jsonl` (0600), appended with a single write so
that several worker processes can log at once. It names organisers, files, office ids and field
names only: the console edits the campaign's own data, never a supporter's.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from campaign.errors import CampaignError

FILE_NAME = "audit.jsonl"
SUMMARY_LIMIT = 300


@dataclass(frozen=True)
class Change:
    """One entry of the audit log."""

    time: str  # UTC, ISO 8601: "2026-11-22T10:30:15Z"
    who: str  # the organiser
    file: str  # "recipients.yaml", "letter.it.txt", "campaign.yaml"
    action: str  # "add", "update", "delete", "duplicate", "import", "edit", "restore"
    office: str = ""  # the office id, when one office was changed
    summary: str = ""  # in words, e.g. "it-interior: phones, ask.it"
    fields: tuple[str, ...] = ()  # the dotted fields that changed, e.g. "it-interior.phones"


def log_path(instance: str | os.PathLike[str]) -> Path:
    """Where the audit log of this instance is kept."""
    return Path(instance) / FILE_NAME


def record(
    instance: str | os.PathLike[str],
    who: str,
    file: str,
    action: str,
    *,
    office: str = "",
    summary: str = "",
    fields: Iterable[str] = (),
) -> Change:
    """Append one entry to the audit log and return it."""
    change = Change(
        time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        who=who,
        file=file,
        action=action,
        office=office,
        summary=summary[:SUMMARY_LIMIT],
        fields=tuple(fields),
    )
    line = json.dumps(asdict(change), ensure_ascii=False) + "\n"
    path = log_path(instance)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)
    except OSError as error:
        raise CampaignError(
            f"{file} was saved, but the audit log {path} could not be written "
            f"({error.strerror or error}); check the instance folder"
        ) from None
    return change


def recent_changes(instance: str | os.PathLike[str], n: int = 20) -> list[Change]:
    """The last `n` entries of the audit log, newest first."""
    try:
        with log_path(instance).open(encoding="utf-8", errors="replace") as log:
            last = collections.deque(log, maxlen=n)
    except FileNotFoundError:
        return []
    changes = [_parse(line) for line in reversed(last)]
    return [change for change in changes if change is not None]


def _parse(line: str) -> Change | None:
    """One line of the log as a Change; None for a damaged line."""
    try:
        values = json.loads(line)
        values["fields"] = tuple(values.get("fields", ()))
        return Change(**values)
    except (ValueError, TypeError):
        return None

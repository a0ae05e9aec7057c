"""The audit log: who changed which file, office and fields, and when.

One row per change in the shared database's `audit_log`, written in the caller's transaction
when it passes one (`with db.begin() as tx: versions.record(tx, ...); audit.record(tx, ...)`
commits both or neither). It names organisers, files, office ids and field names only: the
console edits the campaign's own data, never a supporter's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from campaign.storage.database import Database
from campaign.storage.tables import audit_log as table

FILE_NAME = "audit.jsonl"  # the log of an instance before the database (imported once)
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


def record(
    db: Database,
    who: str,
    file: str,
    action: str,
    *,
    office: str = "",
    summary: str = "",
    fields: Iterable[str] = (),
) -> Change:
    """Add one entry to the audit log (in `db`'s transaction, if it is in one) and return it."""
    change = Change(
        time=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        who=who,
        file=file,
        action=action,
        office=office,
        summary=summary[:SUMMARY_LIMIT],
        fields=tuple(fields),
    )
    import_entry(db, change)
    return change


def import_entry(db: Database, change: Change) -> None:
    """Add an entry as it is, its time included (from an old instance's audit.jsonl)."""
    values = {
        "time": change.time,
        "who": change.who,
        "file": change.file,
        "action": change.action,
        "office": change.office,
        "summary": change.summary,
        "fields": list(change.fields),
    }
    with db.begin() as tx:
        tx.execute(sa.insert(table).values(**values))


def recent_changes(db: Database, n: int = 20) -> list[Change]:
    """The last `n` entries of the audit log, newest first."""
    columns = table.c
    query = (
        sa.select(
            columns.time,
            columns.who,
            columns.file,
            columns.action,
            columns.office,
            columns.summary,
            columns.fields,
        )
        .order_by(columns.id.desc())
        .limit(max(n, 0))
    )
    with db.read() as tx:
        return [
            Change(time, who, file, action, office, summary, tuple(fields or ()))
            for time, who, file, action, office, summary, fields in tx.execute(query)
        ]

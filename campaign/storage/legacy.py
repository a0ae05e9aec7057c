"""The state of an instance folder from before the database, imported into it once.

Until this version the instance kept its counts in `counts.sqlite3`, its accounts in
`organisers.json`, its audit log in `audit.jsonl` and its versions in `versions/<file>/`.
`import_instance` reads each of them whole and checks it, then imports it in one transaction
together with a row of `imports` naming it: so a second run imports nothing twice, a broken
file is reported (file and line) and imports nothing, and the files imported before it stay.
The old files are left where they are (the instance folder may be read-only); the rate-limit
windows of `limits.sqlite3` are not imported: they last at most an hour.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from campaign.errors import CampaignError, Problem
from campaign.storage import audit, counts, organisers, versions
from campaign.storage.database import Database
from campaign.storage.tables import imports

COUNTS_FILE = "counts.sqlite3"
LOCK = "campaign import of an old instance"
REPAIR = "fix it (or move it out of the instance folder), then run `campaign db import`"

Apply = Callable[[Database], str]  # imports what was read, in a transaction; says what


@dataclass
class Report:
    """What an import did: each line names an old file."""

    imported: list[str] = field(default_factory=list)  # "organisers.json: 2 accounts"
    skipped: list[str] = field(default_factory=list)  # "audit.jsonl: imported on ..."
    problems: list[Problem] = field(default_factory=list)  # a broken file, at its line

    def lines(self) -> list[str]:
        """Everything to tell, one line each: imported, skipped, then the problems."""
        return [
            *(f"imported {line}" for line in self.imported),
            *(f"skipped {line}" for line in self.skipped),
            *(f"error: {problem}" for problem in self.problems),
        ]


class _Broken(CampaignError):
    """An old file that cannot be imported: where, and what is wrong."""

    def __init__(self, where: str, message: str):
        self.problem = Problem(where, f"{message}; {REPAIR}")
        super().__init__(str(self.problem))


def old_files(instance: str | Path) -> list[tuple[str, Path]]:
    """The old state files present in `instance`, as (source name, path)."""
    folder = Path(instance)
    found = [
        (name, folder / name)
        for name in (COUNTS_FILE, organisers.FILE_NAME, audit.FILE_NAME)
        if (folder / name).is_file()
    ]
    history = folder / versions.FOLDER
    if history.is_dir():
        found += [
            (f"{versions.FOLDER}/{place.name}", place)
            for place in sorted(history.iterdir())
            if place.is_dir() and not place.name.startswith(".")
        ]
    return found


def import_instance(db: Database, instance: str | Path, *, check_changes: bool = True) -> Report:
    """Import every old state file of `instance` not imported yet; say what was done.

    A file imported before is read again only to tell whether it changed since
    (`check_changes`); a start-up skips that, so it reads no file already imported.
    """
    report = Report()
    found = old_files(instance)
    done = _imported(db, [source for source, _path in found])
    for source, path in found:
        if source in done and not check_changes:
            report.skipped.append(f"{path}: already imported on {done[source][0]}")
            continue
        try:
            digest, apply = _READERS[source.split("/")[0]](path)
        except _Broken as broken:
            report.problems.append(broken.problem)
            continue
        with db.begin() as tx:
            tx.lock(LOCK)  # two processes starting at once: one imports, one finds it done
            earlier = _imported(tx, [source]).get(source)
            if earlier is None:
                summary = apply(tx)
                tx.execute(
                    sa.insert(imports).values(
                        source=source, sha256=digest, time=_now(), summary=summary
                    )
                )
                report.imported.append(f"{path}: {summary}")
                continue
        when, old_digest = earlier
        if old_digest == digest:
            report.skipped.append(f"{path}: already imported on {when}")
        else:
            report.skipped.append(
                f"{path}: changed since it was imported on {when}; not imported again, "
                "so that nothing is counted twice"
            )
    return report


def imported_sources(db: Database) -> list[tuple[str, str, str]]:
    """What was imported: (source, time, summary), oldest first."""
    query = sa.select(imports.c.source, imports.c.time, imports.c.summary).order_by(
        imports.c.time, imports.c.source
    )
    with db.read() as tx:
        return [(source, time, summary) for source, time, summary in tx.execute(query)]


def _imported(db: Database, sources: list[str]) -> dict[str, tuple[str, str]]:
    """source -> (time, sha256) of the earlier imports among `sources`."""
    if not sources:
        return {}
    query = sa.select(imports.c.source, imports.c.time, imports.c.sha256).where(
        imports.c.source.in_(sources)
    )
    with db.read() as tx:
        return {source: (time, digest) for source, time, digest in tx.execute(query)}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- counts.sqlite3 ------------------------------------------------------------------------------


def _read_counts(path: Path) -> tuple[str, Apply]:
    """The rows of the old counts database, checked."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            found = connection.execute(
                "SELECT rowid, office, channel, day, n FROM counts ORDER BY rowid"
            ).fetchall()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise _Broken(str(path), f"cannot be read as the old counts database ({error})") from None
    rows = []
    for rowid, office, channel, day, n in found:
        try:
            counts.check_office(office)
            counts.check_channel(channel)
            counts.check_day(day)
        except CampaignError as error:
            raise _Broken(f"{path}: row {rowid}", str(error)) from None
        if not isinstance(n, int) or n < 1:
            raise _Broken(f"{path}: row {rowid}", f"{n!r} is not a number of letters")
        rows.append((office, channel, day, n))
    digest = _sha256(json.dumps(rows).encode())

    def apply(tx: Database) -> str:
        letters = counts.import_rows(tx, rows)
        return f"{len(rows)} counts ({letters} letters)"

    return digest, apply


# --- organisers.json -----------------------------------------------------------------------------


def _read_accounts(path: Path) -> tuple[str, Apply]:
    """The accounts of the old organisers.json, checked."""
    data = _read_bytes(path)
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _Broken(str(path), f"is not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise _Broken(
            f"{path}:{error.lineno}", f"not valid JSON ({error.msg}, column {error.colno})"
        ) from None
    accounts = document.get("organisers") if isinstance(document, dict) else None
    if not isinstance(accounts, dict):
        raise _Broken(str(path), "has no 'organisers' mapping")
    records = {}
    for name, record in accounts.items():
        where = f"{path}: organiser {name!r}"
        try:
            organisers.check_name(name)
        except CampaignError as error:
            raise _Broken(where, str(error)) from None
        if not isinstance(record, dict) or not str(record.get("hash", "")).startswith("$argon2"):
            raise _Broken(where, "has no argon2 password hash")
        if not isinstance(record.get("session_epoch"), str) or not record["session_epoch"]:
            raise _Broken(where, "has no session epoch")
        records[name] = {
            "hash": record["hash"],
            "session_epoch": record["session_epoch"],
            "password_changed": str(record.get("password_changed") or _now()),
        }

    def apply(tx: Database) -> str:
        added = [
            name for name, record in records.items() if organisers.import_account(tx, name, record)
        ]
        kept = sorted(set(records) - set(added))
        note = f"; kept the database's own account of {', '.join(kept)}" if kept else ""
        return f"{len(added)} accounts ({', '.join(sorted(added)) or 'none'}){note}"

    return _sha256(data), apply


# --- audit.jsonl ---------------------------------------------------------------------------------


def _read_audit(path: Path) -> tuple[str, Apply]:
    """The entries of the old audit log, each line checked."""
    data = _read_bytes(path)
    entries = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        entries.append(_audit_entry(line, f"{path}:{number}"))

    def apply(tx: Database) -> str:
        for entry in entries:
            audit.import_entry(tx, entry)
        return f"{len(entries)} audit entries"

    return _sha256(data), apply


def _audit_entry(line: bytes, where: str) -> audit.Change:
    """One line of audit.jsonl as a Change, or _Broken saying what is wrong with it."""
    try:
        values = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise _Broken(where, f"not UTF-8 text ({error.reason})") from None
    except json.JSONDecodeError as error:
        raise _Broken(where, f"not valid JSON ({error.msg}, column {error.colno})") from None
    if not isinstance(values, dict):
        raise _Broken(where, "not a JSON object")
    texts = {}
    for key in ("time", "who", "file", "action", "office", "summary"):
        value = values.get(key, "" if key in ("office", "summary") else None)
        if not isinstance(value, str):
            raise _Broken(where, f"'{key}' is missing or not text")
        texts[key] = value
    fields = values.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(item, str) for item in fields):
        raise _Broken(where, "'fields' is not a list of field names")
    return audit.Change(**texts, fields=tuple(fields))


# --- versions/<file>/ ----------------------------------------------------------------------------


def _read_versions(place: Path) -> tuple[str, Apply]:
    """The kept versions of one file; stray files (a crashed save's temporary file) ignored."""
    file_name = place.name
    try:
        versions.check_file_name(file_name)
    except CampaignError as error:
        raise _Broken(str(place), str(error)) from None
    suffix = Path(file_name).suffix
    kept: list[tuple[str, bytes]] = []
    stray = 0
    for entry in sorted(place.iterdir()):
        stem = entry.name[: len(entry.name) - len(suffix)] if suffix else entry.name
        if not (
            entry.is_file() and entry.name.endswith(suffix) and versions.VERSION_ID.match(stem)
        ):
            stray += 1
            continue
        kept.append((stem, _read_bytes(entry)))
    listing = json.dumps([(version_id, _sha256(data)) for version_id, data in kept])

    def apply(tx: Database) -> str:
        added = sum(versions.import_version(tx, file_name, vid, data) for vid, data in kept)
        ignored = f"; ignored {stray} other file{'s' if stray > 1 else ''}" if stray else ""
        return f"{added} versions of {file_name}{ignored}"

    return _sha256(listing.encode()), apply


def _read_bytes(path: Path) -> bytes:
    """A whole old file, or _Broken when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise _Broken(str(path), f"cannot be read ({error.strerror or error})") from None


_READERS: dict[str, Callable[[Path], tuple[str, Apply]]] = {
    COUNTS_FILE: _read_counts,
    organisers.FILE_NAME: _read_accounts,
    audit.FILE_NAME: _read_audit,
    versions.FOLDER: _read_versions,
}

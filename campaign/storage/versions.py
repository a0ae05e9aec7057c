"""The version history of the files the console edits, kept in the shared database.

One row per version in `versions`: every content saved from the console, with who saved it,
and any content found on disk that the history did not know yet (edited by hand or in git),
with `who` empty. It lives in the database, not beside the templates, so that organisers who
keep the campaign in git see no extra files there, and every host sees the same history.
A version's id, "<UTC time>-<who>-<digest>", sorts by time; the digest (first 16 hex digits
of the sha256) lets a conflict find the version an editor started from, and tell what
changed since. Pass a transaction (`with db.begin() as tx:`) to keep a version together with
other changes, such as its audit entry.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage import safe_files
from campaign.storage.database import Database
from campaign.storage.tables import versions as table

FOLDER = "versions"  # the history of an instance before the database (imported once)
KEEP = 200  # versions kept per file; the oldest go first
DIGEST_LENGTH = 16
_TIME_FORMAT = "%Y%m%dT%H%M%S%fZ"
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$")
_WHO = re.compile(r"^[A-Za-z0-9._-]{0,64}$")
VERSION_ID = re.compile(
    r"^(?P<time>\d{8}T\d{12}Z)-(?P<who>[A-Za-z0-9._-]{0,64})-(?P<digest>[0-9a-f]{16})$"
)


@dataclass(frozen=True)
class Version:
    """One kept version of a file."""

    id: str  # "20261122T103015123456Z-maria-0123456789abcdef": pass it back to read or restore
    file: str  # "letter.en.txt"
    time: str  # "2026-11-22T10:30:15Z"
    who: str  # the organiser who saved it; "" for a version found on disk (edited by hand)
    digest: str  # the first 16 hex digits of the content's sha256


def check_who(who: str) -> str:
    """`who` if it can name the author of a change (an organiser name)."""
    if not isinstance(who, str) or not who or not _WHO.match(who):
        raise CampaignError(f"{who!r} is not an organiser name; sign in to make changes")
    return who


def check_file_name(file_name: str) -> str:
    """`file_name` if it is a plain file name (a file the console edits)."""
    if not isinstance(file_name, str) or not _FILE_NAME.match(file_name) or ".." in file_name:
        raise CampaignError(f"{file_name!r} is not a file the console edits")
    return file_name


def record(db: Database, file_name: str, data: bytes, who: str) -> Version:
    """Keep `data` as the newest version of `file_name` ("" for `who`: found on disk)."""
    if who:
        check_who(who)
    check_file_name(file_name)
    digest = safe_files.version(data)[:DIGEST_LENGTH]
    with db.begin() as tx:
        newest = list_versions(tx, file_name, limit=1)
        if newest and newest[0].digest == digest and newest[0].who == who:
            return newest[0]
        stamp = dt.datetime.now(dt.UTC).strftime(_TIME_FORMAT)
        version_id = f"{stamp}-{who}-{digest}"
        import_version(tx, file_name, version_id, data)
        _prune(tx, file_name)
    kept = _version(version_id, file_name)
    assert kept is not None  # the id was made by this function
    return kept


def import_version(db: Database, file_name: str, version_id: str, data: bytes) -> bool:
    """Keep `data` under an existing id (from an old instance); False if that id is kept."""
    check_file_name(file_name)
    version = _version(version_id, file_name)
    if version is None:
        raise CampaignError(f"{file_name}: {version_id!r} is not a version id")
    with db.begin() as tx:
        inserted = tx.execute(
            tx.insert(table)
            .values(
                file=file_name,
                id=version_id,
                time=version.time,
                who=version.who,
                sha256=safe_files.version(data),
                content=data,
            )
            .on_conflict_do_nothing(index_elements=["file", "id"])
            .returning(table.c.id)
        ).first()
    return inserted is not None


def keep_unknown(db: Database, file_name: str, data: bytes) -> str:
    """Keep `data` in the history unless it holds it already (content found on disk or
    published, saved by nobody: no author); its version."""
    version = safe_files.version(data)
    if find(db, file_name, version) is None:
        record(db, file_name, data, who="")
    return version


def list_versions(db: Database, file_name: str, limit: int = 20) -> list[Version]:
    """The kept versions of `file_name`, newest first."""
    check_file_name(file_name)
    query = (
        sa.select(table.c.id)
        .where(table.c.file == file_name)
        .order_by(table.c.id.desc())
        .limit(max(limit, 0))
    )
    with db.read() as tx:
        found = [_version(version_id, file_name) for version_id in tx.execute(query).scalars()]
    return [version for version in found if version is not None]


def read(db: Database, file_name: str, version_id: str) -> bytes:
    """The content of one kept version; CampaignError if there is no such version."""
    check_file_name(file_name)
    data = None
    if isinstance(version_id, str) and VERSION_ID.match(version_id):
        query = sa.select(table.c.content).where(
            (table.c.file == file_name) & (table.c.id == version_id)
        )
        with db.read() as tx:
            data = tx.execute(query).scalar_one_or_none()
    if data is None:
        raise CampaignError(f"{file_name} has no version {version_id!r}; pick one from the list")
    return bytes(data)


def find(db: Database, file_name: str, version: str) -> bytes | None:
    """The kept content whose full version (sha256) is `version`, or None."""
    if not re.fullmatch(r"[0-9a-f]{64}", version or ""):
        return None
    check_file_name(file_name)
    query = (
        sa.select(table.c.content)
        .where((table.c.file == file_name) & (table.c.sha256 == version))
        .limit(1)
    )
    with db.read() as tx:
        data = tx.execute(query).scalar_one_or_none()
    return bytes(data) if data is not None else None


def diff(old: str, new: str, old_name: str = "before", new_name: str = "after") -> str:
    """A unified diff of two texts ("" when they are the same)."""
    lines = difflib.unified_diff(
        old.splitlines(keepends=True),
        new.splitlines(keepends=True),
        fromfile=old_name,
        tofile=new_name,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _version(version_id: str, file_name: str) -> Version | None:
    """The Version an id stands for, or None for anything that is not an id."""
    match = VERSION_ID.match(version_id)
    if match is None:
        return None
    moment = dt.datetime.strptime(match["time"], _TIME_FORMAT)
    return Version(
        id=match.group(0),
        file=file_name,
        time=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        who=match["who"],
        digest=match["digest"],
    )


def _prune(tx: Database, file_name: str) -> None:
    """Delete the oldest versions beyond KEEP."""
    kept = (
        sa.select(table.c.id)
        .where(table.c.file == file_name)
        .order_by(table.c.id.desc())
        .limit(KEEP)
    )
    tx.execute(
        sa.delete(table).where(
            (table.c.file == file_name) & table.c.id.not_in(kept.scalar_subquery())
        )
    )

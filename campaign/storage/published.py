"""The published version of each file the console edits: what every host of the campaign serves.

A save writes its file's new content here in the same transaction as its version and its
audit entry (`put`), so that the save is that one step: the file on disk is a copy that
follows (`campaign.editing.publishing`). Each host polls `shas` (one small query on the
primary key) and, when a file's published version changed, writes it into its own copy. A
transaction that publishes takes `lock()` first, so savers on every host and process are
serialised where they compare and publish (a PostgreSQL advisory lock; SQLite's write lock).

`local_copies` remembers, per host and path, what the app last wrote into or found in the
copy: that tells a copy that is behind (it still holds that, and may be written over) from one
edited by hand on its host (it holds something else, which is never silently thrown away).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from campaign.storage.database import Database
from campaign.storage.safe_files import version
from campaign.storage.tables import local_copies, published

LOCK = "campaign.published"


@dataclass(frozen=True)
class Published:
    """The published version of one file."""

    file: str
    sha256: str
    content: bytes
    who: str  # "" for files found on disk when nothing was published yet
    time: str  # UTC, "2026-11-22T10:30:15Z"


def lock(tx: Database) -> None:
    """Serialise the rest of `tx` with every other transaction that publishes."""
    tx.lock(LOCK)


def shas(db: Database) -> dict[str, str]:
    """The sha256 of every published file: what a host polls."""
    with db.read() as tx:
        rows = tx.execute(sa.select(published.c.file, published.c.sha256))
        return {str(file): str(sha) for file, sha in rows}


def get(db: Database, file_name: str) -> Published | None:
    """The published version of `file_name`, or None when it was never published."""
    columns = published.c
    query = sa.select(columns.sha256, columns.content, columns.who, columns.time).where(
        columns.file == file_name
    )
    with db.read() as tx:
        row = tx.execute(query).first()
    if row is None:
        return None
    sha, content, who, time = row
    return Published(file_name, sha, bytes(content), who, time)


def put(tx: Database, file_name: str, data: bytes, who: str) -> Published:
    """Publish `data` as `file_name` (call it in the transaction that took `lock`)."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sha = version(data)
    values = {"sha256": sha, "content": data, "who": who, "time": now}
    statement = tx.insert(published).values(file=file_name, **values)
    with tx.begin() as joined:
        joined.execute(statement.on_conflict_do_update(index_elements=["file"], set_=values))
    return Published(file_name, sha, data, who, now)


def place(path: str | os.PathLike[str]) -> str:
    """The key of one host's copy of a file: the host's name and the file's absolute path."""
    return f"{socket.gethostname()}:{Path(path).resolve()}"


def last_seen(db: Database, path: str | os.PathLike[str]) -> str | None:
    """What the app last wrote into or found in this host's copy at `path` (None: never)."""
    query = sa.select(local_copies.c.sha256).where(local_copies.c.place == place(path))
    with db.read() as tx:
        return tx.execute(query).scalar_one_or_none()


def seen(db: Database, path: str | os.PathLike[str], sha: str) -> None:
    """Remember that this host's copy at `path` holds the content `sha` (the app put it there)."""
    key = place(path)
    statement = db.insert(local_copies).values(place=key, sha256=sha)
    with db.begin() as tx:
        tx.execute(statement.on_conflict_do_update(index_elements=["place"], set_={"sha256": sha}))

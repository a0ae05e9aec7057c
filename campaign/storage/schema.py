"""Schema migrations with Alembic, shipped in the package: status, upgrade, and the start-up check.

The revisions are `storage/migrations/versions/NNNN_name.py`, one small file each; a new one
names the newest as its `down_revision`. `upgrade` runs every pending revision in ONE write
transaction that first takes the migration lock (a PostgreSQL advisory lock; on SQLite the
write transaction itself is the lock on the file), so several workers or hosts starting at
once migrate once: the others wait, then find nothing left to do.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from campaign.errors import CampaignError
from campaign.storage.database import Database, DatabaseError, shown

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOCK = "campaign schema migration"
# SQLite: how long a start-up waits for another process's migration (the busy timeout of one
# try is database.BUSY_TIMEOUT_S; a try that times out is made again until this).
WAIT_FOR_OTHERS_S = 120.0

_current: set[str] = set()  # URLs whose schema this process found up to date
_current_lock = threading.Lock()


@dataclass(frozen=True)
class Status:
    """Where a database's schema stands."""

    current: str | None  # the revision it is at; None for a database never migrated
    head: str  # the newest revision this code knows
    pending: tuple[str, ...]  # the revisions an upgrade would apply, oldest first

    @property
    def up_to_date(self) -> bool:
        """Whether the database is at this code's newest revision."""
        return self.current == self.head


def _config() -> Config:
    """Alembic's configuration: the migrations folder of the package, no alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _scripts() -> ScriptDirectory:
    """The revisions, read once per process."""
    return ScriptDirectory.from_config(_config())


def head() -> str:
    """The newest revision this code knows."""
    heads = _scripts().get_heads()
    assert len(heads) == 1, f"the migrations have {len(heads)} heads: {heads}; merge them"
    return heads[0]


def status(database: Database) -> Status:
    """The database's revision, this code's newest, and what an upgrade would apply."""
    with database.read() as tx:
        current = _revision(tx)
    return Status(current, head(), _pending(database, current))


def upgrade(database: Database) -> list[str]:
    """Apply every pending revision, under the migration lock; return those applied."""
    deadline = time.monotonic() + WAIT_FOR_OTHERS_S
    while True:
        try:
            return _upgrade_once(database)
        except DatabaseError as error:
            busy = database.dialect == "sqlite" and "busy for over" in str(error)
            if not busy or time.monotonic() > deadline:
                raise


def ensure_current(database: Database, *, again: bool = False) -> None:
    """Upgrade the schema if this code is newer; refuse a database newer than the code.

    Once per process and database, unless `again` (a start-up: it proves the database answers).
    """
    if database.url in _current and not again:
        return
    if not status(database).up_to_date:  # the usual start-up reads the revision only
        upgrade(database)
    with _current_lock:
        _current.add(database.url)


def _upgrade_once(database: Database) -> list[str]:
    """One try: lock, read the revision, migrate what is pending, all in one transaction."""
    with database.begin() as tx:
        tx.lock(LOCK)
        current = _revision(tx)
        pending = _pending(database, current)
        if pending:
            config = _config()  # a new one each time: it carries this transaction's connection
            config.attributes["connection"] = tx.connection
            with database.translated():
                command.upgrade(config, "head")
    return list(pending)


def _revision(tx: Database) -> str | None:
    """The revision recorded in the database (None: never migrated)."""
    heads = MigrationContext.configure(tx.connection).get_current_heads()
    return heads[0] if heads else None


def _pending(database: Database, current: str | None) -> tuple[str, ...]:
    """The revisions from `current` to the head, oldest first; CampaignError for an unknown one."""
    scripts = _scripts()
    if current is not None:
        try:
            scripts.get_revision(current)
        except Exception:  # alembic raises several kinds for an unknown revision
            raise CampaignError(
                f"database {shown(database.url)} is at revision {current}, which this version "
                "of campaign does not know (a newer version migrated it); run that version, "
                "or restore a backup of the database"
            ) from None
    steps = scripts.iterate_revisions(head(), current)
    return tuple(reversed([step.revision for step in steps]))

"""The one database of the instance's shared state: its URL, its engine, its transactions.

A SQLite file in the instance folder by default (`campaign.sqlite3`: WAL, a busy timeout,
foreign keys), or PostgreSQL when a `postgresql://` URL is given (psycopg 3). Every storage
module goes through a `Database` handle, and the same SQLAlchemy Core statements run on both.

One engine per URL and process, made on first use and cached: gunicorn forks its workers, so
a child drops the connections it inherited (`os.register_at_fork`) and opens its own.

Transactions: `with db.begin() as tx:` is one write transaction, and every storage function
given `tx` instead of `db` joins it, so a caller can make several changes (a version kept and
its audit entry) commit or roll back together. On SQLite a write transaction is
`BEGIN IMMEDIATE`: writers queue for the lock up front instead of failing halfway, and a
check-and-count (a rate limit) cannot interleave with another. `with db.read() as tx:` is a
consistent read that never waits for writers.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from campaign.errors import CampaignError
from campaign.site import DATABASE_URL_VARIABLE as ENVIRONMENT_VARIABLE

DEFAULT_FILE = "campaign.sqlite3"
BUSY_TIMEOUT_S = 5.0  # how long a SQLite writer waits for another one
CONNECT_TIMEOUT_S = 5  # how long a PostgreSQL connection may take to open
# Per process: gunicorn runs 16 threads a worker, but a thread holds a connection for a
# millisecond or two, so 5 kept open (and 10 more at a peak) serve them; past that, a thread
# waits POOL_TIMEOUT_S and the request gets 503, instead of exhausting the server's slots.
POOL_SIZE = 5
POOL_OVERFLOW = 10
POOL_TIMEOUT_S = 10
_READ = "campaign_read"  # the execution option that marks a read-only transaction
_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg": "postgresql+psycopg",
    "sqlite": "sqlite",
    "sqlite+pysqlite": "sqlite",
}


class DatabaseError(CampaignError):
    """The database cannot be reached or refused a statement; the message says which and why."""


def default_url(instance: str | os.PathLike[str]) -> str:
    """The SQLite file of an instance folder."""
    return f"sqlite:///{Path(instance).resolve() / DEFAULT_FILE}"


def normalised_url(url: str) -> str:
    """`url` with the driver this package uses (psycopg for postgresql://), or CampaignError."""
    try:
        parsed = sa.make_url(url)
    except (exc.ArgumentError, ValueError, TypeError):
        raise CampaignError(
            f"{ENVIRONMENT_VARIABLE}: {url!r} is not a database URL; write "
            "postgresql://USER:PASSWORD@HOST/NAME or sqlite:////PATH/campaign.sqlite3"
        ) from None
    driver = _DRIVERS.get(parsed.drivername)
    if driver is None:
        raise CampaignError(
            f"{ENVIRONMENT_VARIABLE}: {parsed.drivername}:// is not supported; "
            "use postgresql:// or sqlite://"
        )
    if driver == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise CampaignError(
            f"{ENVIRONMENT_VARIABLE}: SQLite needs a file that every process shares, "
            "e.g. sqlite:////srv/campaign/instance/campaign.sqlite3"
        )
    if driver == "postgresql+psycopg" and not parsed.database:
        raise CampaignError(
            f"{ENVIRONMENT_VARIABLE}: name the database, e.g. postgresql://campaign@localhost/campaign"
        )
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


def shown(url: str) -> str:
    """The URL as messages and `campaign db status` show it: the password hidden."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except (exc.ArgumentError, ValueError, TypeError):
        return "(a malformed URL)"


class Database:
    """A handle on one database; bound to a connection inside `begin()` or `read()`."""

    def __init__(self, url: str, engine: Engine, connection: Connection | None = None):
        self.url = url
        self.engine = engine
        self._connection = connection

    @property
    def dialect(self) -> str:
        """ "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def __repr__(self) -> str:
        return f"Database({shown(self.url)!r})"

    @contextlib.contextmanager
    def begin(self) -> Iterator[Database]:
        """One write transaction (joined when this handle is already in one)."""
        if self._connection is not None:
            if self._connection.get_execution_options().get(_READ):
                raise RuntimeError("a write inside a read transaction")
            yield self
            return
        with self.translated(), self.engine.begin() as connection:
            yield Database(self.url, self.engine, connection)

    @contextlib.contextmanager
    def read(self) -> Iterator[Database]:
        """One consistent read-only transaction (joined when already in a transaction)."""
        if self._connection is not None:
            yield self
            return
        with (
            self.translated(),
            self.engine.connect().execution_options(**{_READ: True}) as connection,
            connection.begin(),
        ):
            yield Database(self.url, self.engine, connection)

    @property
    def connection(self) -> Connection:
        """The connection of this handle's transaction (for Alembic and raw SQL)."""
        return self._bound()

    def execute(self, statement: Any, parameters: Any = None) -> sa.CursorResult:
        """Run one statement in this handle's transaction."""
        return self._bound().execute(statement, parameters)

    def lock(self, name: str) -> None:
        """Serialise the rest of this transaction with every other one that takes `name`.

        PostgreSQL: a transaction-level advisory lock. SQLite: nothing to do, a write
        transaction already holds the database's one write lock.
        """
        connection = self._bound()
        if self.dialect == "postgresql":
            digest = hashlib.sha256(name.encode("utf-8")).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def purge(self, table: sa.Table, condition: Any) -> None:
        """Delete the rows matching `condition`, skipping (on PostgreSQL) rows another
        transaction holds: a clean-up never waits, so it cannot deadlock with the work it
        tidies after; what it skipped goes the next time."""
        (key,) = table.primary_key.columns
        free = sa.select(key).where(condition).with_for_update(skip_locked=True)
        self.execute(sa.delete(table).where(key.in_(free.scalar_subquery())))

    def insert(self, table: sa.Table) -> Any:
        """An INSERT of this dialect, which knows ON CONFLICT (DO NOTHING, DO UPDATE)."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    @contextlib.contextmanager
    def translated(self) -> Iterator[None]:
        """Turn a driver's error into one DatabaseError line naming the database and the fix."""
        try:
            yield
        except exc.DBAPIError as error:
            raise DatabaseError(describe(self.url, error)) from None
        except exc.TimeoutError:
            raise DatabaseError(
                f"database {shown(self.url)}: every connection of this process is busy; "
                "try again in a moment"
            ) from None

    def _bound(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("use `with db.begin() as tx:` or `with db.read() as tx:` first")
        return self._connection


def describe(url: str, error: exc.DBAPIError) -> str:
    """What went wrong, in one line: the database, the driver's reason, what to check."""
    lines = [line.strip() for line in str(error.orig).strip().splitlines() if line.strip()]
    reason = lines[0] if lines else type(error.orig).__name__
    # psycopg: 'connection failed: connection to server at "host", port 5432 failed: FATAL:
    # password authentication failed for user "x"': the server's own words are the last part.
    reason = reason.rsplit("failed: ", 1)[-1].replace("FATAL:  ", "").strip()
    where = f"database {shown(url)}"
    if url.startswith("sqlite"):
        folder = Path(sa.make_url(url).database or "").parent
        if "readonly" in reason or "unable to open" in reason:
            return f"{where}: cannot write it ({reason}); check that {folder} is writable"
        if "locked" in reason:
            return f"{where}: busy for over {BUSY_TIMEOUT_S:g} s ({reason}); try again"
    if error.connection_invalidated or error.statement is None:
        return (
            f"{where}: cannot connect ({reason}); check {ENVIRONMENT_VARIABLE} "
            "and that the server is running"
        )
    return f"{where}: failed ({reason}); run `campaign db status`"


# --- engines: one per URL and process ---------------------------------------------------------

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def connect(url: str) -> Database:
    """A handle on the database at `url` (nothing is opened until a transaction starts)."""
    url = normalised_url(url)
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = _make_engine(url)
    return Database(url, engine)


def open_database(url: str, *, again: bool = False) -> Database:
    """A handle on the database at `url`, its schema upgraded to this code's first if needed.

    The schema is checked once per process and URL, or `again` (a start-up: that proves the
    database answers, or raises DatabaseError).
    """
    # Imported here: Alembic is only loaded by a process that uses the database.
    from campaign.storage import schema

    database = connect(url)
    schema.ensure_current(database, again=again)
    return database


def dispose_all() -> None:
    """Close every pooled connection of this process and forget the engines (tests, shutdown)."""
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


def _make_engine(url: str) -> Engine:
    """The engine for a normalised URL, with the settings of its kind."""
    if url.startswith("sqlite"):
        return _sqlite_engine(url)
    return sa.create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
        pool_pre_ping=True,  # a server restarted since: reconnect instead of failing once
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
    )


def _sqlite_engine(url: str) -> Engine:
    """A SQLite engine: the file private (it holds password hashes), WAL, IMMEDIATE writes."""
    path = Path(sa.make_url(url).database or "")
    with contextlib.suppress(OSError):  # an unwritable folder is reported on first use
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    engine = sa.create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=POOL_OVERFLOW,
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"timeout": BUSY_TIMEOUT_S},
    )

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # The driver's own transaction handling off: `on_begin` says BEGIN, so that a write
        # takes the lock at its start and DDL stays inside the transaction (migrations).
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "foreign_keys=ON"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        reading = connection.get_execution_options().get(_READ)
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")

    return engine


def _forget_inherited_connections() -> None:
    """In a forked child: the parent's pooled connections are not ours to use or close."""
    global _engines_lock
    _engines_lock = threading.Lock()  # another thread of the parent may have held it
    for engine in list(_engines.values()):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)

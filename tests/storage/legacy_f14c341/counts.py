"""Anonymous counts of letters sent: (office, channel, day) -> n, in one SQLite file.

Nothing about the supporter is ever stored: no name, address, e-mail, note or IP address.
Several processes may write at once (gunicorn workers): WAL mode, a busy timeout, and one
UPSERT per increment keep every count exact.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping

from campaign.directory.schema import CHANNELS
from campaign.errors import CampaignError
from campaign.text import SLUG

BUSY_TIMEOUT_S = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counts (
    office  TEXT    NOT NULL,
    channel TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (office, channel, day)
)
"""
_INCREMENT = """
INSERT INTO counts (office, channel, day, n) VALUES (?, ?, ?, 1)
ON CONFLICT (office, channel, day) DO UPDATE SET n = n + 1
"""


@contextlib.contextmanager
def _connection(db_path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection]:
    """An open connection with the table in place, committed and closed on exit."""
    try:
        connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as error:
        raise CampaignError(f"{db_path}: cannot open the counts database ({error})") from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        with connection:  # one transaction: committed, or rolled back on an error
            yield connection
    except sqlite3.Error as error:
        raise CampaignError(f"{db_path}: the counts database failed ({error})") from None
    finally:
        connection.close()


def check_office(office: str, known_offices: Collection[str] | None = None) -> str:
    """`office` if it is a well-formed office id (and a known one, when they are given)."""
    if not isinstance(office, str) or not SLUG.match(office) or len(office) > 100:
        raise CampaignError(f"{office!r} is not an office id; ids look like it-interior")
    if known_offices is not None and office not in known_offices:
        raise CampaignError(f"unknown office id {office!r}; known ids: {', '.join(known_offices)}")
    return office


def check_channel(channel: str) -> str:
    """`channel` if it is one of CHANNELS."""
    if channel not in CHANNELS:
        raise CampaignError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    return channel


def check_day(day: str | None) -> str:
    """`day` as an ISO date, or today's date (UTC) when None."""
    if day is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(day).isoformat()
    except (TypeError, ValueError):
        raise CampaignError(f"{day!r} is not a day; write YYYY-MM-DD") from None


def record(
    db_path: str | os.PathLike[str],
    office: str,
    channel: str,
    day: str | None = None,
    reachable: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Count one letter sent to `office` by `channel` on `day` (default: today, UTC)."""
    record_many(db_path, [(office, channel)], day, reachable)


def record_many(
    db_path: str | os.PathLike[str],
    sent: Iterable[tuple[str, str]],
    day: str | None = None,
    reachable: Mapping[str, Collection[str]] | None = None,
) -> int:
    """Count each (office, channel) once, in one transaction; return how many were counted.

    With `reachable` (office id -> its channels), only a known office by one of its own
    channels counts: an "I sent it" for a fax to an office without one is refused.
    """
    day = check_day(day)
    rows = [_checked(office, channel, day, reachable) for office, channel in dict.fromkeys(sent)]
    with _connection(db_path) as connection:
        connection.executemany(_INCREMENT, rows)
    return len(rows)


def _checked(
    office: str, channel: str, day: str, reachable: Mapping[str, Collection[str]] | None
) -> tuple[str, str, str]:
    """One row to count, or CampaignError when the office or its channel is not right."""
    check_office(office, reachable)
    check_channel(channel)
    if reachable is not None and channel not in reachable[office]:
        raise CampaignError(f"{office} cannot be reached by {channel}")
    return office, channel, day


def total(db_path: str | os.PathLike[str]) -> int:
    """All letters counted, every office, channel and day."""
    with _connection(db_path) as connection:
        return connection.execute("SELECT COALESCE(SUM(n), 0) FROM counts").fetchone()[0]


def _grouped(db_path: str | os.PathLike[str], column: str) -> dict[str, int]:
    """Sum of n per value of `column` (one of the table's key columns), ordered by it."""
    if column not in ("office", "channel", "day"):
        raise ValueError(column)
    query = f"SELECT {column}, SUM(n) FROM counts GROUP BY {column} ORDER BY {column}"
    with _connection(db_path) as connection:
        return dict(connection.execute(query).fetchall())


def by_channel(db_path: str | os.PathLike[str]) -> dict[str, int]:
    """Letters counted per channel."""
    return _grouped(db_path, "channel")


def by_day(db_path: str | os.PathLike[str]) -> dict[str, int]:
    """Letters counted per day, oldest first."""
    return _grouped(db_path, "day")


# --- for the organisers' dashboard ---------------------------------------------------------------


def rows(db_path: str | os.PathLike[str]) -> list[tuple[str, str, str, int]]:
    """Every count as (office, channel, day, n), by day, then office, then channel."""
    with _connection(db_path) as connection:
        return connection.execute(
            "SELECT office, channel, day, n FROM counts ORDER BY day, office, channel"
        ).fetchall()


def by_office_and_channel(db_path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Letters per office, split by channel: {office: {channel: n}}, channels in CHANNELS order."""
    table: dict[str, dict[str, int]] = {}
    for office, channel, _day, n in rows(db_path):
        cells = table.setdefault(office, dict.fromkeys(CHANNELS, 0))
        cells[channel] = cells.get(channel, 0) + n
    return dict(sorted(table.items()))


def daily(
    db_path: str | os.PathLike[str], days: int = 30, today: str | None = None
) -> list[tuple[str, int]]:
    """Letters per day for the last `days` days up to `today` (UTC), days without any as 0."""
    last = dt.date.fromisoformat(check_day(today))
    counted = by_day(db_path)
    span = [last - dt.timedelta(days=offset) for offset in range(max(days, 1) - 1, -1, -1)]
    return [(day.isoformat(), counted.get(day.isoformat(), 0)) for day in span]


def counts_csv(db_path: str | os.PathLike[str]) -> str:
    """All counts as CSV text (office, channel, day, letters): nothing about any supporter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("office", "channel", "day", "letters"))
    writer.writerows(rows(db_path))
    return buffer.getvalue()

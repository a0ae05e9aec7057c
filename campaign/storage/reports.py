"""Anonymous reports of what came of a letter: (office, channel, kind, day) -> n, in SQLite.

After sending, a supporter may say, per office and channel, that the letter was returned or
bounced, got no answer, was acknowledged or was answered. Like the counts (`counts`), nothing
about the supporter is stored: no name, address, e-mail, text, IP address or time of day, only
the day. The table lives in the counts database, beside the counts; several processes may write
at once: WAL mode, a busy timeout, one UPSERT per report.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping

from campaign.errors import CampaignError
from campaign.storage.counts import BUSY_TIMEOUT_S, check_channel, check_day, check_office

RETURNED, NO_ANSWER, ACKNOWLEDGED, ANSWERED = "returned", "no_answer", "acknowledged", "answered"
KINDS = (RETURNED, NO_ANSWER, ACKNOWLEDGED, ANSWERED)
PROBLEMS = (RETURNED,)  # kinds that say the office's address or channel may be wrong

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    office  TEXT    NOT NULL,
    channel TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    day     TEXT    NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (office, channel, kind, day)
)
"""
_INCREMENT = """
INSERT INTO reports (office, channel, kind, day, n) VALUES (?, ?, ?, ?, 1)
ON CONFLICT (office, channel, kind, day) DO UPDATE SET n = n + 1
"""


@contextlib.contextmanager
def _connection(db_path: str | os.PathLike[str]) -> Iterator[sqlite3.Connection]:
    """An open connection with the table in place, committed and closed on exit."""
    try:
        connection = sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_S)
    except sqlite3.Error as error:
        raise CampaignError(f"{db_path}: cannot open the reports database ({error})") from None
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(_SCHEMA)
        with connection:  # one transaction: committed, or rolled back on an error
            yield connection
    except sqlite3.Error as error:
        raise CampaignError(f"{db_path}: the reports database failed ({error})") from None
    finally:
        connection.close()


def check_kind(kind: str) -> str:
    """`kind` if it is one of KINDS."""
    if kind not in KINDS:
        raise CampaignError(f"unknown kind of report {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def record_many(
    db_path: str | os.PathLike[str],
    reports: Iterable[tuple[str, str, str]],
    day: str | None = None,
    reachable: Mapping[str, Collection[str]] | None = None,
) -> int:
    """Count each (office, channel, kind) once, in one transaction; return how many counted.

    With `reachable` (office id -> its channels), only a known office by one of its own
    channels counts. One letter has one fate, so two kinds for one office and channel in the
    same report are refused.
    """
    day = check_day(day)
    wanted = list(dict.fromkeys(reports))
    rows = [_checked(office, channel, kind, day, reachable) for office, channel, kind in wanted]
    letters = [(office, channel) for office, channel, _kind, _day in rows]
    if len(set(letters)) != len(letters):
        raise CampaignError("one report gives one kind per office and channel")
    with _connection(db_path) as connection:
        connection.executemany(_INCREMENT, rows)
    return len(rows)


def _checked(
    office: str,
    channel: str,
    kind: str,
    day: str,
    reachable: Mapping[str, Collection[str]] | None,
) -> tuple[str, str, str, str]:
    """One row to count, or CampaignError when the office, channel or kind is not right."""
    check_office(office, reachable)
    check_channel(channel)
    check_kind(kind)
    if reachable is not None and channel not in reachable[office]:
        raise CampaignError(f"{office} cannot be reached by {channel}")
    return office, channel, kind, day


def rows(db_path: str | os.PathLike[str]) -> list[tuple[str, str, str, str, int]]:
    """Every report count as (office, channel, kind, day, n), by day, office, channel, kind."""
    with _connection(db_path) as connection:
        return connection.execute(
            "SELECT office, channel, kind, day, n FROM reports ORDER BY day, office, channel, kind"
        ).fetchall()


def total(db_path: str | os.PathLike[str]) -> int:
    """All reports, every office, channel, kind and day."""
    with _connection(db_path) as connection:
        return connection.execute("SELECT COALESCE(SUM(n), 0) FROM reports").fetchone()[0]


def by_office(db_path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Reports per office, split by kind: {office: {kind: n}}, kinds in KINDS order."""
    table: dict[str, dict[str, int]] = {}
    for office, _channel, kind, _day, n in rows(db_path):
        cells = table.setdefault(office, dict.fromkeys(KINDS, 0))
        cells[kind] = cells.get(kind, 0) + n
    return dict(sorted(table.items()))


def by_channel(db_path: str | os.PathLike[str]) -> dict[str, dict[str, int]]:
    """Reports per channel, split by kind: {channel: {kind: n}}."""
    table: dict[str, dict[str, int]] = {}
    for _office, channel, kind, _day, n in rows(db_path):
        cells = table.setdefault(channel, dict.fromkeys(KINDS, 0))
        cells[kind] = cells.get(kind, 0) + n
    return table


def problems_since(
    db_path: str | os.PathLike[str], verified: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """Per office, the problem reports (returned or bounced) by channel made after the day the
    office was last verified (office id -> ISO date, "" for never: every report counts).

    A report of the day of the check does not count: the check is what answers it.
    """
    found: dict[str, dict[str, int]] = {}
    for office, channel, kind, day, n in rows(db_path):
        since = verified.get(office, "")
        if kind in PROBLEMS and office in verified and (not since or day > since):
            channels = found.setdefault(office, {})
            channels[channel] = channels.get(channel, 0) + n
    return found


def reports_csv(db_path: str | os.PathLike[str]) -> str:
    """All reports as CSV text (office, channel, kind, day, reports): nothing about anyone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("office", "channel", "kind", "day", "reports"))
    writer.writerows(rows(db_path))
    return buffer.getvalue()

"""Anonymous reports of what came of a letter: (office, channel, kind, day) -> n, in the shared
database.

After sending, a supporter may say, per office and channel, that the letter was returned or
bounced, got no answer, was acknowledged or was answered. Like the counts (`counts`), nothing
about the supporter is stored: no name, address, e-mail, text, IP address or time of day, only
the day. Every worker and host reports into the same table; one UPSERT per (office, channel,
kind, day) keeps every number exact however many report at once.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterable, Mapping

import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage.counts import check_channel, check_day, check_office
from campaign.storage.database import Database
from campaign.storage.tables import reports as table

RETURNED, NO_ANSWER, ACKNOWLEDGED, ANSWERED = "returned", "no_answer", "acknowledged", "answered"
KINDS = (RETURNED, NO_ANSWER, ACKNOWLEDGED, ANSWERED)
PROBLEMS = (RETURNED,)  # kinds that say the office's address or channel may be wrong


def check_kind(kind: str) -> str:
    """`kind` if it is one of KINDS."""
    if kind not in KINDS:
        raise CampaignError(f"unknown kind of report {kind!r}; use one of {', '.join(KINDS)}")
    return kind


def record_many(
    db: Database,
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
    if not rows:
        return 0
    # In key order: two reports of the same letters in another order lock the rows in the
    # same order, so they queue instead of deadlocking (PostgreSQL).
    values = [
        {"office": office, "channel": channel, "kind": kind, "day": day, "n": 1}
        for office, channel, kind, day in sorted(rows)
    ]
    with db.begin() as tx:
        statement = tx.insert(table)
        tx.execute(
            statement.on_conflict_do_update(
                index_elements=["office", "channel", "kind", "day"],
                set_={"n": table.c.n + statement.excluded.n},
            ),
            values,
        )
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


def rows(db: Database) -> list[tuple[str, str, str, str, int]]:
    """Every report count as (office, channel, kind, day, n), by day, office, channel, kind."""
    columns = table.c
    query = sa.select(
        columns.office, columns.channel, columns.kind, columns.day, columns.n
    ).order_by(columns.day, columns.office, columns.channel, columns.kind)
    with db.read() as tx:
        return [
            (office, channel, kind, day, int(n))
            for office, channel, kind, day, n in tx.execute(query)
        ]


def total(db: Database) -> int:
    """All reports, every office, channel, kind and day."""
    with db.read() as tx:
        return int(tx.execute(sa.select(sa.func.coalesce(sa.func.sum(table.c.n), 0))).scalar_one())


def by_office(db: Database) -> dict[str, dict[str, int]]:
    """Reports per office, split by kind: {office: {kind: n}}, kinds in KINDS order."""
    result: dict[str, dict[str, int]] = {}
    for office, _channel, kind, _day, n in rows(db):
        cells = result.setdefault(office, dict.fromkeys(KINDS, 0))
        cells[kind] = cells.get(kind, 0) + n
    return dict(sorted(result.items()))


def by_channel(db: Database) -> dict[str, dict[str, int]]:
    """Reports per channel, split by kind: {channel: {kind: n}}."""
    result: dict[str, dict[str, int]] = {}
    for _office, channel, kind, _day, n in rows(db):
        cells = result.setdefault(channel, dict.fromkeys(KINDS, 0))
        cells[kind] = cells.get(kind, 0) + n
    return result


def problems_since(db: Database, verified: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Per office, the problem reports (returned or bounced) by channel made after the day the
    office was last verified (office id -> ISO date, "" for never: every report counts).

    A report of the day of the check does not count: the check is what answers it.
    """
    found: dict[str, dict[str, int]] = {}
    for office, channel, kind, day, n in rows(db):
        since = verified.get(office, "")
        if kind in PROBLEMS and office in verified and (not since or day > since):
            channels = found.setdefault(office, {})
            channels[channel] = channels.get(channel, 0) + n
    return found


def reports_csv(db: Database) -> str:
    """All reports as CSV text (office, channel, kind, day, reports): nothing about anyone."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("office", "channel", "kind", "day", "reports"))
    writer.writerows(rows(db))
    return buffer.getvalue()

"""Anonymous counts of letters sent: (office, channel, day) -> n, in the shared database.

Nothing about the supporter is ever stored: no name, address, e-mail, note or IP address.
Every worker and host counts into the same table; one UPSERT per (office, channel, day)
keeps every count exact however many count at once.

A report ("I sent it") carries a one-time receipt made when the preview was shown. Each
(office, channel) of a report is counted together with a row for its receipt, under a unique
key, in one transaction: a report repeated by the browser, or retried by a load balancer
after a worker died, counts each letter once. A receipt row is the sha256 of the receipt, the
office and the channel, with the day: nothing links the offices of one report, and the rows
go after RECEIPT_DAYS.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import secrets
from collections.abc import Collection, Iterable, Mapping

import sqlalchemy as sa

from campaign.directory.schema import CHANNELS
from campaign.errors import CampaignError
from campaign.storage.database import Database
from campaign.storage.tables import counts as table
from campaign.storage.tables import receipts
from campaign.text import SLUG

RECEIPT_DAYS = 2  # a receipt is kept this many days after its day, then forgotten
RECEIPT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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


def new_receipt() -> str:
    """A one-time receipt for the "I sent it" form of one preview: random, about nobody."""
    return secrets.token_urlsafe(18)


def check_receipt(receipt: str) -> str:
    """`receipt` if it looks like one `new_receipt` makes."""
    if not isinstance(receipt, str) or not RECEIPT.match(receipt):
        raise CampaignError("the report has no valid receipt; reload the preview and try again")
    return receipt


def record(
    db: Database,
    office: str,
    channel: str,
    day: str | None = None,
    reachable: Mapping[str, Collection[str]] | None = None,
) -> None:
    """Count one letter sent to `office` by `channel` on `day` (default: today, UTC)."""
    record_many(db, [(office, channel)], day, reachable)


def record_many(
    db: Database,
    sent: Iterable[tuple[str, str]],
    day: str | None = None,
    reachable: Mapping[str, Collection[str]] | None = None,
    *,
    receipt: str | None = None,
) -> int:
    """Count each (office, channel) once, in one transaction; return how many the report holds.

    With `reachable` (office id -> its channels), only a known office by one of its own
    channels counts: an "I sent it" for a fax to an office without one is refused. With a
    `receipt`, a pair already counted under that receipt is not counted again (but is still
    one of the report's letters in the number returned).
    """
    day = check_day(day)
    rows = [_checked(office, channel, reachable) for office, channel in dict.fromkeys(sent)]
    if receipt is not None:
        check_receipt(receipt)
    if not rows:
        return 0
    with db.begin() as tx:
        new = _first_time(tx, receipt, rows, day) if receipt is not None else rows
        if new:
            _increment(tx, [(office, channel, day, 1) for office, channel in new])
    return len(rows)


def is_counted(db: Database, receipt: str, sent: Iterable[tuple[str, str]]) -> bool:
    """Whether every (office, channel) of a report was already counted under `receipt`."""
    pairs = list(dict.fromkeys(sent))
    if not pairs or not isinstance(receipt, str) or not RECEIPT.match(receipt):
        return False
    tokens = [_token(receipt, office, channel) for office, channel in pairs]
    with db.read() as tx:
        found = tx.execute(
            sa.select(sa.func.count()).where(receipts.c.token.in_(tokens))
        ).scalar_one()
    return found == len(tokens)


def import_rows(db: Database, rows: Iterable[tuple[str, str, str, int]]) -> int:
    """Add counted rows (office, channel, day, n) to the counts, e.g. from an old instance."""
    checked = [
        (check_office(office), check_channel(channel), check_day(day), n)
        for office, channel, day, n in rows
    ]
    if checked:
        with db.begin() as tx:
            _increment(tx, checked)
    return sum(n for *_, n in checked)


def _checked(
    office: str, channel: str, reachable: Mapping[str, Collection[str]] | None
) -> tuple[str, str]:
    """One pair to count, or CampaignError when the office or its channel is not right."""
    check_office(office, reachable)
    check_channel(channel)
    if reachable is not None and channel not in reachable[office]:
        raise CampaignError(f"{office} cannot be reached by {channel}")
    return office, channel


def _increment(tx: Database, rows: list[tuple[str, str, str, int]]) -> None:
    """Add n to each (office, channel, day), creating the rows that do not exist yet."""
    # In key order: two reports of the same letters in another order lock the rows in the
    # same order, so they queue instead of deadlocking (PostgreSQL).
    values = [{"office": o, "channel": c, "day": d, "n": n} for o, c, d, n in sorted(rows)]
    statement = tx.insert(table)
    tx.execute(
        statement.on_conflict_do_update(
            index_elements=["office", "channel", "day"],
            set_={"n": table.c.n + statement.excluded.n},
        ),
        values,
    )


def _first_time(
    tx: Database, receipt: str, rows: list[tuple[str, str]], day: str
) -> list[tuple[str, str]]:
    """The pairs not yet counted under `receipt`, whose receipt rows are now written."""
    by_token = {_token(receipt, office, channel): (office, channel) for office, channel in rows}
    inserted = tx.execute(
        tx.insert(receipts)
        .values([{"token": token, "day": day} for token in sorted(by_token)])
        .on_conflict_do_nothing(index_elements=["token"])
        .returning(receipts.c.token)
    ).scalars()
    new = [by_token[token] for token in inserted]
    oldest = (dt.date.fromisoformat(day) - dt.timedelta(days=RECEIPT_DAYS)).isoformat()
    tx.purge(receipts, receipts.c.day < oldest)
    return sorted(new, key=rows.index)


def _token(receipt: str, office: str, channel: str) -> str:
    """What is stored for one letter of a report: a hash, not the receipt or the office."""
    return hashlib.sha256(f"{receipt}\n{office}\n{channel}".encode()).hexdigest()


# --- reading ----------------------------------------------------------------------------------


def total(db: Database) -> int:
    """All letters counted, every office, channel and day."""
    with db.read() as tx:
        return int(tx.execute(sa.select(sa.func.coalesce(sa.func.sum(table.c.n), 0))).scalar_one())


def _grouped(db: Database, column: str) -> dict[str, int]:
    """Sum of n per value of `column` (one of the table's key columns), ordered by it."""
    key = table.c[column]
    query = sa.select(key, sa.func.sum(table.c.n)).group_by(key).order_by(key)
    with db.read() as tx:
        return {value: int(n) for value, n in tx.execute(query)}


def by_channel(db: Database) -> dict[str, int]:
    """Letters counted per channel."""
    return _grouped(db, "channel")


def by_day(db: Database) -> dict[str, int]:
    """Letters counted per day, oldest first."""
    return _grouped(db, "day")


# --- for the organisers' dashboard ---------------------------------------------------------------


def rows(db: Database) -> list[tuple[str, str, str, int]]:
    """Every count as (office, channel, day, n), by day, then office, then channel."""
    columns = table.c
    query = sa.select(columns.office, columns.channel, columns.day, columns.n).order_by(
        columns.day, columns.office, columns.channel
    )
    with db.read() as tx:
        return [(office, channel, day, int(n)) for office, channel, day, n in tx.execute(query)]


def by_office_and_channel(db: Database) -> dict[str, dict[str, int]]:
    """Letters per office, split by channel: {office: {channel: n}}, channels in CHANNELS order."""
    result: dict[str, dict[str, int]] = {}
    for office, channel, _day, n in rows(db):
        cells = result.setdefault(office, dict.fromkeys(CHANNELS, 0))
        cells[channel] = cells.get(channel, 0) + n
    return dict(sorted(result.items()))


def daily(db: Database, days: int = 30, today: str | None = None) -> list[tuple[str, int]]:
    """Letters per day for the last `days` days up to `today` (UTC), days without any as 0."""
    last = dt.date.fromisoformat(check_day(today))
    counted = by_day(db)
    span = [last - dt.timedelta(days=offset) for offset in range(max(days, 1) - 1, -1, -1)]
    return [(day.isoformat(), counted.get(day.isoformat(), 0)) for day in span]


def counts_csv(db: Database) -> str:
    """All counts as CSV text (office, channel, day, letters): nothing about any supporter."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(("office", "channel", "day", "letters"))
    writer.writerows(rows(db))
    return buffer.getvalue()

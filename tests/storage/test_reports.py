"""campaign.storage.reports: what came of a letter, counted as (office, channel, kind, day).

Every test runs on SQLite and on PostgreSQL (the `database` fixture of tests/conftest.py).
"""

import csv
import io

import pytest
import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage import counts, reports
from campaign.storage.tables import reports as table

REACHABLE = {"it-interior": ("post", "phone"), "kz-president": ("post", "email", "phone")}


@pytest.fixture
def db(database):
    """A database with a letter counted and a few reports."""
    counts.record(database, "it-interior", "post", day="2026-11-01")
    reports.record_many(database, [("it-interior", "post", "returned")], "2026-11-20")
    reports.record_many(
        database,
        [("it-interior", "post", "returned"), ("kz-president", "email", "answered")],
        "2026-11-22",
    )
    reports.record_many(database, [("it-interior", "phone", "no_answer")], "2026-11-22")
    return database


def stored(db) -> list[tuple]:
    """Every row of the reports table, as stored."""
    with db.read() as tx:
        query = sa.select(table).order_by(table.c.day, table.c.office, table.c.channel)
        return [tuple(row) for row in tx.execute(query)]


def test_the_table_holds_office_channel_kind_day_and_a_count_and_nothing_else(db):
    assert [column.name for column in table.columns] == ["office", "channel", "kind", "day", "n"]
    with db.read() as tx:
        columns = [column["name"] for column in sa.inspect(tx.connection).get_columns("reports")]
    assert columns == ["office", "channel", "kind", "day", "n"]
    assert stored(db) == [
        ("it-interior", "post", "returned", "2026-11-20", 1),
        ("it-interior", "phone", "no_answer", "2026-11-22", 1),
        ("it-interior", "post", "returned", "2026-11-22", 1),
        ("kz-president", "email", "answered", "2026-11-22", 1),
    ]
    assert counts.total(db) == 1  # the counts are not touched


def test_a_report_again_adds_to_its_row(db):
    reports.record_many(db, [("it-interior", "post", "returned")], "2026-11-22")
    assert ("it-interior", "post", "returned", "2026-11-22", 2) in stored(db)
    assert reports.total(db) == 5


def test_the_day_is_today_in_utc_and_only_the_day(database):
    reports.record_many(database, [("it-interior", "post", "acknowledged")])
    [row] = stored(database)
    assert len(row[3]) == 10 and row[3] == counts.check_day(None)  # YYYY-MM-DD: no time of day


def test_views_for_the_dashboard(db):
    assert reports.total(db) == 4
    assert reports.by_office(db) == {
        "it-interior": {"returned": 2, "no_answer": 1, "acknowledged": 0, "answered": 0},
        "kz-president": {"returned": 0, "no_answer": 0, "acknowledged": 0, "answered": 1},
    }
    assert reports.by_channel(db)["post"]["returned"] == 2
    rows = list(csv.reader(io.StringIO(reports.reports_csv(db))))
    assert rows[0] == ["office", "channel", "kind", "day", "reports"]
    assert rows[1] == ["it-interior", "post", "returned", "2026-11-20", "1"]
    assert len(rows) == 5


def test_an_empty_table_has_no_reports(database):
    assert reports.total(database) == 0
    assert reports.by_office(database) == {} and reports.rows(database) == []
    assert reports.reports_csv(database) == "office,channel,kind,day,reports\r\n"


def test_problems_count_after_the_day_an_office_was_verified(db):
    assert reports.problems_since(db, {"it-interior": "2026-11-19"}) == {"it-interior": {"post": 2}}
    # A report of the day of the check is what the check answers: it no longer counts.
    assert reports.problems_since(db, {"it-interior": "2026-11-20"}) == {"it-interior": {"post": 1}}
    assert reports.problems_since(db, {"it-interior": "2026-11-22"}) == {}
    assert reports.problems_since(db, {"it-interior": ""}) == {"it-interior": {"post": 2}}
    assert reports.problems_since(db, {"kz-president": ""}) == {}  # answered is no problem
    assert reports.problems_since(db, {}) == {}  # only the offices asked about


@pytest.mark.parametrize(
    ("letter", "message"),
    [
        (("it-interior", "post", "lost"), "unknown kind of report 'lost'"),
        (("it-interior", "fax", "returned"), "unknown channel|cannot be reached by fax"),
        (("it-interior", "email", "returned"), "it-interior cannot be reached by email"),
        (("nobody", "post", "returned"), "unknown office id 'nobody'"),
        (("It-Interior", "post", "returned"), "is not an office id"),
        (("it-interior", "post", "returned'; DROP TABLE reports; --"), "unknown kind"),
    ],
)
def test_only_known_offices_by_their_channels_with_a_known_kind(database, letter, message):
    with pytest.raises(CampaignError, match=message):
        reports.record_many(database, [letter], reachable=REACHABLE)
    assert reports.total(database) == 0


def test_one_letter_one_kind_in_a_report_and_repeats_count_once(database):
    with pytest.raises(CampaignError, match="one kind per office and channel"):
        reports.record_many(
            database,
            [("it-interior", "post", "returned"), ("it-interior", "post", "answered")],
            reachable=REACHABLE,
        )
    assert reports.total(database) == 0
    letter = ("it-interior", "post", "answered")
    assert reports.record_many(database, [letter] * 50, reachable=REACHABLE) == 1
    assert reports.total(database) == 1
    assert reports.record_many(database, [], reachable=REACHABLE) == 0

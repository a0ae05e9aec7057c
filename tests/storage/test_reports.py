"""campaign.storage.reports: what came of a letter, counted as (office, channel, kind, day)."""

import csv
import io
import sqlite3

import pytest

from campaign.errors import CampaignError
from campaign.storage import counts, reports

REACHABLE = {"it-interior": ("post", "phone"), "kz-president": ("post", "email", "phone")}


@pytest.fixture
def db(tmp_path):
    """The counts database, with letters counted and a few reports."""
    path = tmp_path / "counts.sqlite3"
    counts.record(path, "it-interior", "post", day="2026-11-01")
    reports.record_many(path, [("it-interior", "post", "returned")], "2026-11-20")
    reports.record_many(
        path,
        [("it-interior", "post", "returned"), ("kz-president", "email", "answered")],
        "2026-11-22",
    )
    reports.record_many(path, [("it-interior", "phone", "no_answer")], "2026-11-22")
    return path


def test_the_table_holds_office_channel_kind_day_and_a_count_and_nothing_else(db):
    with sqlite3.connect(db) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(reports)")]
        stored = connection.execute(
            "SELECT * FROM reports ORDER BY day, office, channel"
        ).fetchall()
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert columns == ["office", "channel", "kind", "day", "n"]
    assert stored == [
        ("it-interior", "post", "returned", "2026-11-20", 1),
        ("it-interior", "phone", "no_answer", "2026-11-22", 1),
        ("it-interior", "post", "returned", "2026-11-22", 1),
        ("kz-president", "email", "answered", "2026-11-22", 1),
    ]
    assert tables - {"sqlite_autoindex_reports_1", "sqlite_autoindex_counts_1"} == {
        "counts",
        "reports",
    }  # beside the counts, in the same file; no other table
    assert counts.total(db) == 1  # the counts are not touched


def test_the_day_is_today_in_utc_and_only_the_day(tmp_path):
    path = tmp_path / "counts.sqlite3"
    reports.record_many(path, [("it-interior", "post", "acknowledged")])
    [(day,)] = sqlite3.connect(path).execute("SELECT day FROM reports").fetchall()
    assert len(day) == 10 and day == counts.check_day(None)  # YYYY-MM-DD: no time of day


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
def test_only_known_offices_by_their_channels_with_a_known_kind(tmp_path, letter, message):
    path = tmp_path / "counts.sqlite3"
    with pytest.raises(CampaignError, match=message):
        reports.record_many(path, [letter], reachable=REACHABLE)
    assert reports.total(path) == 0


def test_one_letter_one_kind_in_a_report_and_repeats_count_once(tmp_path):
    path = tmp_path / "counts.sqlite3"
    with pytest.raises(CampaignError, match="one kind per office and channel"):
        reports.record_many(
            path,
            [("it-interior", "post", "returned"), ("it-interior", "post", "answered")],
            reachable=REACHABLE,
        )
    assert reports.total(path) == 0
    letter = ("it-interior", "post", "answered")
    assert reports.record_many(path, [letter] * 50, reachable=REACHABLE) == 1
    assert reports.total(path) == 1


def test_a_database_that_cannot_be_opened_is_a_campaign_error(tmp_path):
    with pytest.raises(CampaignError, match="cannot open the reports database"):
        reports.total(tmp_path / "no-such-folder" / "counts.sqlite3")

"""campaign.storage.counts: anonymous (office, channel, day) counters, and the dashboard's views."""

import csv
import io
import sqlite3
import threading

import pytest

from campaign.errors import CampaignError
from campaign.storage import counts


@pytest.fixture
def db(tmp_path):
    """A counts database with a few letters."""
    path = tmp_path / "counts.sqlite3"
    counts.record_many(path, [("it-interior", "post"), ("it-interior", "email")], "2026-11-20")
    counts.record(path, "it-interior", "post", day="2026-11-22")
    counts.record(path, "kz-president", "phone", day="2026-11-22")
    return path


def test_rows_are_every_count_in_day_order(db):
    assert counts.rows(db) == [
        ("it-interior", "email", "2026-11-20", 1),
        ("it-interior", "post", "2026-11-20", 1),
        ("it-interior", "post", "2026-11-22", 1),
        ("kz-president", "phone", "2026-11-22", 1),
    ]


def test_by_office_and_channel_has_every_channel(db):
    assert counts.by_office_and_channel(db) == {
        "it-interior": {"post": 2, "email": 1, "phone": 0, "fax": 0},
        "kz-president": {"post": 0, "email": 0, "phone": 1, "fax": 0},
    }


def test_daily_fills_the_days_without_letters(db):
    assert counts.daily(db, days=4, today="2026-11-22") == [
        ("2026-11-19", 0),
        ("2026-11-20", 2),
        ("2026-11-21", 0),
        ("2026-11-22", 2),
    ]
    with pytest.raises(counts.CampaignError, match="is not a day"):
        counts.daily(db, today="yesterday")


def test_counts_csv_holds_the_counts_and_nothing_else(db):
    text = counts.counts_csv(db)
    assert text.startswith("office,channel,day,letters\r\n")
    table = list(csv.reader(io.StringIO(text)))
    assert table[1:] == [[*map(str, row)] for row in counts.rows(db)]
    assert sum(int(row[3]) for row in table[1:]) == counts.total(db)


def test_an_empty_database_gives_an_empty_dashboard(tmp_path):
    path = tmp_path / "none.sqlite3"
    assert counts.by_office_and_channel(path) == {}
    assert counts.daily(path, days=2, today="2026-11-22") == [("2026-11-21", 0), ("2026-11-22", 0)]
    assert counts.counts_csv(path) == "office,channel,day,letters\r\n"


# --- recording -----------------------------------------------------------------------------


@pytest.fixture
def empty(tmp_path):
    """A path for a new counts database."""
    return tmp_path / "counts.sqlite3"


def test_empty_database_counts_zero(empty):
    assert counts.total(empty) == 0
    assert counts.by_office_and_channel(empty) == counts.by_channel(empty) == {}
    assert counts.by_day(empty) == {}


def test_record_increments_and_groups(empty):
    counts.record(empty, "it-interior", "post", day="2026-11-20")
    counts.record(empty, "it-interior", "post", day="2026-11-20")
    counts.record(empty, "it-interior", "phone", day="2026-11-21")
    counts.record(empty, "kz-president", "email", day="2026-11-21")
    assert counts.total(empty) == 4
    per_office = counts.by_office_and_channel(empty)
    assert {office: sum(cells.values()) for office, cells in per_office.items()} == {
        "it-interior": 3,
        "kz-president": 1,
    }
    assert counts.by_channel(empty) == {"email": 1, "phone": 1, "post": 2}
    assert counts.by_day(empty) == {"2026-11-20": 2, "2026-11-21": 2}


def test_table_holds_only_office_channel_day_and_n(empty):
    counts.record(empty, "it-interior", "fax")
    with sqlite3.connect(empty) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(counts)")]
        rows = connection.execute("SELECT * FROM counts").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert columns == ["office", "channel", "day", "n"]
    assert len(rows) == 1 and rows[0][3] == 1
    assert mode == "wal"


def test_record_many_counts_each_pair_once(empty):
    sent = [("it-interior", "post"), ("it-interior", "post"), ("kz-president", "fax")]
    assert counts.record_many(empty, sent) == 2
    assert counts.total(empty) == 2


@pytest.mark.parametrize(
    ("office", "channel", "day"),
    [
        ("It-Interior", "post", None),
        ("it interior", "post", None),
        ("'; DROP TABLE counts; --", "post", None),
        ("it-interior", "pigeon", None),
        ("it-interior", "post", "yesterday"),
    ],
)
def test_bad_values_are_refused(empty, office, channel, day):
    with pytest.raises(CampaignError):
        counts.record(empty, office, channel, day=day)
    assert counts.total(empty) == 0


def test_unknown_office_is_refused_when_the_offices_are_given(empty):
    with pytest.raises(CampaignError, match="unknown office"):
        counts.record(empty, "xx-nowhere", "post", reachable={"it-interior": ("post",)})
    counts.record(empty, "it-interior", "post", reachable={"it-interior": ("post",)})
    assert counts.total(empty) == 1


def test_a_bad_pair_records_nothing(empty):
    with pytest.raises(CampaignError):
        counts.record_many(empty, [("it-interior", "post"), ("it-interior", "telegram")])
    assert counts.total(empty) == 0


def test_concurrent_increments_are_all_counted(empty):
    counts.total(empty)  # create the file first

    def work():
        for _ in range(25):
            counts.record(empty, "it-interior", "post")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.total(empty) == 200


def test_unwritable_database_is_a_campaign_error(tmp_path):
    with pytest.raises(CampaignError, match="counts database"):
        counts.total(tmp_path / "missing-folder" / "counts.sqlite3")

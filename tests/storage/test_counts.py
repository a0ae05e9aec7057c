"""The dashboard's view of the anonymous counts: per office and channel, per day, CSV."""

import csv
import io

import pytest

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

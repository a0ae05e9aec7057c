"""campaign.counts: anonymous (office, channel, day) counters in SQLite."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from campaign.errors import CampaignError
from campaign.storage import counts


@pytest.fixture
def db(tmp_path):
    """A path for a new counts database."""
    return tmp_path / "counts.sqlite3"


def test_empty_database_counts_zero(db):
    assert counts.total(db) == 0
    assert counts.by_office(db) == counts.by_channel(db) == counts.by_day(db) == {}


def test_record_increments_and_groups(db):
    counts.record(db, "it-interior", "post", day="2026-11-20")
    counts.record(db, "it-interior", "post", day="2026-11-20")
    counts.record(db, "it-interior", "phone", day="2026-11-21")
    counts.record(db, "kz-president", "email", day="2026-11-21")
    assert counts.total(db) == 4
    assert counts.by_office(db) == {"it-interior": 3, "kz-president": 1}
    assert counts.by_channel(db) == {"email": 1, "phone": 1, "post": 2}
    assert counts.by_day(db) == {"2026-11-20": 2, "2026-11-21": 2}


def test_table_holds_only_office_channel_day_and_n(db):
    counts.record(db, "it-interior", "fax")
    with sqlite3.connect(db) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(counts)")]
        rows = connection.execute("SELECT * FROM counts").fetchall()
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]
    assert columns == ["office", "channel", "day", "n"]
    assert len(rows) == 1 and rows[0][3] == 1
    assert mode == "wal"


def test_record_many_counts_each_pair_once(db):
    sent = [("it-interior", "post"), ("it-interior", "post"), ("kz-president", "fax")]
    assert counts.record_many(db, sent) == 2
    assert counts.total(db) == 2


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
def test_bad_values_are_refused(db, office, channel, day):
    with pytest.raises(CampaignError):
        counts.record(db, office, channel, day=day)
    assert counts.total(db) == 0


def test_unknown_office_is_refused_when_the_offices_are_given(db):
    with pytest.raises(CampaignError, match="unknown office"):
        counts.record(db, "xx-nowhere", "post", known_offices={"it-interior"})
    counts.record(db, "it-interior", "post", known_offices={"it-interior"})
    assert counts.total(db) == 1


def test_a_bad_pair_records_nothing(db):
    with pytest.raises(CampaignError):
        counts.record_many(db, [("it-interior", "post"), ("it-interior", "telegram")])
    assert counts.total(db) == 0


def test_concurrent_increments_are_all_counted(db):
    counts.total(db)  # create the file first

    def work():
        for _ in range(25):
            counts.record(db, "it-interior", "post")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.total(db) == 200


def test_unwritable_database_is_a_campaign_error(tmp_path):
    with pytest.raises(CampaignError, match="counts database"):
        counts.total(tmp_path / "missing-folder" / "counts.sqlite3")

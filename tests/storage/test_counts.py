"""campaign.storage.counts: anonymous (office, channel, day) counters, receipts, the dashboard.

Every test runs on SQLite and on PostgreSQL (the `database` fixture of tests/conftest.py).
"""

import csv
import io
import multiprocessing
import threading

import pytest
import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage import counts
from campaign.storage.tables import receipts
from tests.storage import workers


@pytest.fixture
def db(database):
    """A counts database with a few letters."""
    counts.record_many(database, [("it-interior", "post"), ("it-interior", "email")], "2026-11-20")
    counts.record(database, "it-interior", "post", day="2026-11-22")
    counts.record(database, "kz-president", "phone", day="2026-11-22")
    return database


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


def test_an_empty_database_gives_an_empty_dashboard(database):
    assert counts.by_office_and_channel(database) == {}
    assert counts.daily(database, days=2, today="2026-11-22") == [
        ("2026-11-21", 0),
        ("2026-11-22", 0),
    ]
    assert counts.counts_csv(database) == "office,channel,day,letters\r\n"


# --- recording -----------------------------------------------------------------------------


@pytest.fixture
def empty(database):
    """A database without any count."""
    return database


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
    with empty.read() as tx:
        rows = tx.execute(sa.text("SELECT * FROM counts")).mappings().all()
    assert [list(row) for row in rows] == [["office", "channel", "day", "n"]]
    assert len(rows) == 1 and rows[0]["n"] == 1


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
    def work():
        for _ in range(25):
            counts.record(empty, "it-interior", "post")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counts.total(empty) == 200


def test_processes_counting_at_once_lose_no_update(empty):
    """Four processes (workers, hosts): plain counts all kept, shared receipts counted once."""
    context = multiprocessing.get_context("spawn")
    receipt = counts.new_receipt()[:20]  # the same 30 receipts in every process
    processes = [context.Process(target=workers.count, args=(empty.url, receipt)) for _ in range(4)]
    for worker in processes:
        worker.start()
    for worker in processes:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in processes] == [0, 0, 0, 0]
    assert counts.by_office_and_channel(empty) == {
        "it-interior": {"post": 120, "email": 0, "phone": 0, "fax": 0},
        "kz-president": {"post": 30, "email": 0, "phone": 0, "fax": 0},
    }


# --- receipts ---------------------------------------------------------------------------------


def test_a_receipt_counts_each_letter_of_a_report_once(empty):
    receipt = counts.new_receipt()
    sent = [("it-interior", "post"), ("kz-president", "phone")]
    assert counts.record_many(empty, sent, receipt=receipt) == 2
    assert counts.is_counted(empty, receipt, sent)
    assert counts.record_many(empty, sent, receipt=receipt) == 2  # a repeat: same answer
    assert counts.total(empty) == 2
    assert counts.record_many(empty, [*sent, ("kz-president", "post")], receipt=receipt) == 3
    assert counts.total(empty) == 3  # only the new letter counted
    assert counts.record_many(empty, sent, receipt=counts.new_receipt()) == 2  # another report
    assert counts.total(empty) == 5
    assert not counts.is_counted(empty, counts.new_receipt(), sent)


def test_receipts_store_nothing_that_links_or_names_a_letter(empty):
    receipt = counts.new_receipt()
    counts.record_many(empty, [("it-interior", "post"), ("kz-president", "fax")], receipt=receipt)
    with empty.read() as tx:
        rows = tx.execute(sa.select(receipts)).all()
    assert len(rows) == 2
    for token, day in rows:
        assert len(token) == 64 and receipt not in token and "interior" not in token
        assert day == counts.check_day(None)


def test_receipts_older_than_two_days_are_pruned(empty):
    sent = [("it-interior", "post")]
    counts.record_many(empty, sent, day="2026-11-01", receipt="old-receipt-0000000001")
    counts.record_many(empty, sent, day="2026-11-02", receipt="old-receipt-0000000002")
    counts.record_many(empty, sent, day="2026-11-04", receipt="new-receipt-0000000003")
    with empty.read() as tx:
        days = sorted(tx.execute(sa.select(receipts.c.day)).scalars())
    assert days == ["2026-11-02", "2026-11-04"]


@pytest.mark.parametrize("receipt", ["", "short", "x" * 65, "with space in it 12345", None])
def test_a_malformed_receipt_is_refused_and_counts_nothing(empty, receipt):
    with pytest.raises(CampaignError, match="no valid receipt"):
        counts.check_receipt(receipt)
    if receipt is not None:
        with pytest.raises(CampaignError, match="no valid receipt"):
            counts.record_many(empty, [("it-interior", "post")], receipt=receipt)
        assert not counts.is_counted(empty, receipt, [("it-interior", "post")])
    assert counts.total(empty) == 0


def test_import_rows_adds_to_the_counts(empty):
    counts.record(empty, "it-interior", "post", day="2026-11-20")
    assert counts.import_rows(empty, [("it-interior", "post", "2026-11-20", 41)]) == 41
    assert counts.rows(empty) == [("it-interior", "post", "2026-11-20", 42)]
    with pytest.raises(CampaignError):
        counts.import_rows(empty, [("it-interior", "pigeon", "2026-11-20", 1)])


def test_reports_of_the_same_letters_in_any_order_at_once_all_count(empty):
    """Rows are locked in one order whatever the report's, so no two reports deadlock."""
    pairs = [("it-interior", "post"), ("kz-president", "phone"), ("kz-nsc-atyrau", "fax")]
    errors: list[Exception] = []

    def work(shift: int):
        for number in range(20):
            order = pairs[shift:] + pairs[:shift]
            try:
                counts.record_many(empty, order, receipt=f"thread-{shift}-receipt-{number:04}")
            except Exception as error:  # a deadlock would surface here
                errors.append(error)

    threads = [threading.Thread(target=work, args=(shift,)) for shift in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert counts.total(empty) == 3 * 3 * 20

"""campaign.storage.throttle: sliding windows shared by processes, keyed by an HMAC.

Every test runs on SQLite and on PostgreSQL (the `database` fixture of tests/conftest.py).
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
import sqlalchemy as sa

from campaign.storage.tables import throttle_events
from campaign.storage.throttle import Limited, Throttle
from tests.storage import workers

SECRET = "a test secret, long enough to sign keys"


def stored_rows(database) -> list[tuple]:
    with database.read() as tx:
        return [tuple(row) for row in tx.execute(sa.select(throttle_events))]


def test_a_window_counts_events_and_says_how_long_to_wait(database):
    throttle = Throttle(database, SECRET)
    for _ in range(3):
        throttle.hit("pdf", "203.0.113.1", 3, 60)
    with pytest.raises(Limited) as refused:
        throttle.hit("pdf", "203.0.113.1", 3, 60)
    assert 59 <= refused.value.retry_after <= 60
    throttle.hit("pdf", "203.0.113.2", 3, 60)  # another client
    throttle.hit("sent", "203.0.113.1", 3, 60)  # another window


def test_old_events_leave_the_window_and_the_table(database):
    throttle = Throttle(database, SECRET)
    throttle.hit("pdf", "client", 1, 0.2)
    time.sleep(0.25)
    throttle.hit("pdf", "client", 1, 0.2)
    assert len(stored_rows(database)) == 1


def test_check_and_add_count_failures_only(database):
    throttle = Throttle(database, SECRET)
    throttle.check("signin", "maria", 1, 60)
    throttle.add("signin", "maria", 60)
    with pytest.raises(Limited):
        throttle.check("signin", "maria", 1, 60)
    assert len(throttle.recent("signin", "maria", 60)) == 1


def test_keys_are_signed_so_the_table_holds_no_address(database):
    Throttle(database, SECRET).hit("pdf", "203.0.113.77", 5, 60)
    assert "203.0.113.77" not in repr(stored_rows(database))
    other = Throttle(database, "another secret, another site")
    assert other.key("203.0.113.77") != Throttle(database, SECRET).key("203.0.113.77")


def test_threads_together_never_let_more_through_than_the_limit(database):
    throttle, allowed = Throttle(database, SECRET), []

    def work():
        for _ in range(30):
            try:
                throttle.hit("pdf", "one client", 40, 60)
                allowed.append(1)
            except Limited:
                pass

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(allowed) == 40


def test_processes_together_never_let_more_through_than_the_limit(database):
    context = multiprocessing.get_context("spawn")
    allowed = context.Queue()
    processes = [
        context.Process(target=workers.hammer, args=(database.url, allowed)) for _ in range(4)
    ]
    for worker in processes:
        worker.start()
    for worker in processes:
        worker.join(timeout=60)
    count = 0
    while not allowed.empty():
        count += allowed.get()
    assert count == 50  # 160 tries from 4 processes, exactly the limit let through


def test_keys_that_never_come_back_are_swept(database, monkeypatch):
    monkeypatch.setattr("campaign.storage.throttle.PURGE_EVERY", 1)
    with database.begin() as tx:
        tx.execute(sa.insert(throttle_events).values(window="pdf", key="gone", at=1.0))
    Throttle(database, SECRET).hit("pdf", "another client", 5, 60)
    assert [row[1:3] for row in stored_rows(database)] == [
        ("pdf", Throttle(database, SECRET).key("another client"))
    ]

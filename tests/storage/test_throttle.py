"""campaign.storage.throttle: sliding windows shared by processes, keyed by an HMAC."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time

import pytest

from campaign.storage.throttle import Limited, Throttle

SECRET = "a test secret, long enough to sign keys"


def test_a_window_counts_events_and_says_how_long_to_wait(tmp_path):
    throttle = Throttle(tmp_path / "limits.sqlite3", SECRET)
    for _ in range(3):
        throttle.hit("pdf", "203.0.113.1", 3, 60)
    with pytest.raises(Limited) as refused:
        throttle.hit("pdf", "203.0.113.1", 3, 60)
    assert 59 <= refused.value.retry_after <= 60
    throttle.hit("pdf", "203.0.113.2", 3, 60)  # another client
    throttle.hit("sent", "203.0.113.1", 3, 60)  # another window


def test_old_events_leave_the_window_and_the_file(tmp_path):
    throttle = Throttle(tmp_path / "limits.sqlite3", SECRET)
    throttle.hit("pdf", "client", 1, 0.2)
    time.sleep(0.25)
    throttle.hit("pdf", "client", 1, 0.2)
    with sqlite3.connect(tmp_path / "limits.sqlite3") as connection:
        assert connection.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1


def test_check_and_add_count_failures_only(tmp_path):
    throttle = Throttle(tmp_path / "limits.sqlite3", SECRET)
    throttle.check("signin", "maria", 1, 60)
    throttle.add("signin", "maria", 60)
    with pytest.raises(Limited):
        throttle.check("signin", "maria", 1, 60)
    assert len(throttle.recent("signin", "maria", 60)) == 1


def test_keys_are_signed_so_the_file_holds_no_address(tmp_path):
    Throttle(tmp_path / "limits.sqlite3", SECRET).hit("pdf", "203.0.113.77", 5, 60)
    assert b"203.0.113.77" not in (tmp_path / "limits.sqlite3").read_bytes()
    other = Throttle(tmp_path / "limits.sqlite3", "another secret, another site")
    assert other.key("203.0.113.77") != Throttle(tmp_path / "x", SECRET).key("203.0.113.77")


def _hammer(path, allowed) -> None:
    throttle = Throttle(path, SECRET)
    for _ in range(40):
        try:
            throttle.hit("pdf", "one client", 50, 60)
            allowed.put(1)
        except Limited:
            pass


def test_processes_together_never_let_more_through_than_the_limit(tmp_path):
    context = multiprocessing.get_context("spawn")
    allowed = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(tmp_path / "limits.sqlite3", allowed))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    count = 0
    while not allowed.empty():
        count += allowed.get()
    assert count == 50  # 160 tries from 4 processes, exactly the limit let through

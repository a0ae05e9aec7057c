"""Admission: a request waits only when a slot can be its within the wait, else Busy at once."""

from __future__ import annotations

import threading

import pytest

from campaign.admission import LONGEST_SAMPLE_WAITS, Admission, Gate
from campaign.errors import Busy


def admission(slots: int = 1, *, wait_s: float = 1.0, max_waiting: int = 4, duration_s=0.5):
    """An Admission on a fake clock (list[0]), with `duration_s` as the average so far."""
    now = [100.0]
    admitted = Admission(
        slots,
        wait_s=wait_s,
        max_waiting=max_waiting,
        retry_after=7,
        first_guess_s=duration_s,
        clock=lambda: now[0],
    )
    return admitted, now


def test_an_idle_slot_means_no_wait():
    admitted, _ = admission(slots=2)
    assert admitted.expected_wait_s() == 0
    admitted.started()
    assert admitted.expected_wait_s() == 0  # the second slot is free
    admitted.check()


def test_the_wait_is_what_is_left_of_the_work_in_progress():
    admitted, now = admission(duration_s=0.5)
    admitted.started()
    now[0] += 0.2
    assert admitted.expected_wait_s() == pytest.approx(0.3)
    now[0] += 1.0  # running past the average: it may end any moment
    assert admitted.expected_wait_s() == 0


def test_each_request_waiting_ahead_takes_the_first_free_slot():
    admitted, _ = admission(slots=2, wait_s=10, duration_s=0.4)
    admitted.started()
    admitted.started()
    with admitted.waiting(), admitted.waiting(), admitted.waiting():
        # slots free at 0.4 and 0.4; the three ahead end at 0.8, 0.8 and 1.2
        assert admitted.expected_wait_s() == pytest.approx(0.8)


def test_a_hopeless_request_is_refused_at_once_with_retry_after():
    admitted, _ = admission(wait_s=1.0, duration_s=0.6)
    admitted.started()
    # 0.6 s left of the render, then 0.6 s for the one waiting: 1.2 s
    with admitted.waiting(), pytest.raises(Busy) as refused, admitted.waiting():
        pass
    assert refused.value.retry_after == 7
    admitted.check()  # alone behind the render: 0.6 s, let in


def test_past_max_waiting_a_request_is_refused_whatever_the_estimate():
    admitted, _ = admission(slots=1, wait_s=100, max_waiting=2, duration_s=0.01)
    admitted.started()
    with admitted.waiting(), admitted.waiting(), pytest.raises(Busy):
        admitted.check()
    admitted.check()  # they left


def test_the_average_follows_the_durations_and_one_runaway_counts_at_most_three_waits():
    admitted, now = admission(wait_s=1.0, duration_s=0.5)
    ticket = admitted.started()
    now[0] += 15  # a render stopped at its deadline
    admitted.ended(ticket)
    assert admitted.duration_s == pytest.approx(0.5 + 0.2 * (LONGEST_SAMPLE_WAITS - 0.5))
    for _ in range(20):  # then quick ones
        ticket = admitted.started()
        now[0] += 0.2
        admitted.ended(ticket)
    assert admitted.duration_s == pytest.approx(0.2, abs=0.02)


def test_a_gate_lets_in_its_slots_and_refuses_the_next_after_the_wait():
    gate = Gate(2, wait_s=0.2, max_waiting=4, retry_after=3, first_guess_s=0.0)
    inside, leave = threading.Barrier(3), threading.Event()

    def hold() -> None:
        with gate.entered():
            inside.wait(5)
            leave.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for holder in holders:
        holder.start()
    inside.wait(5)
    gate.admission.check()  # the work ahead is short: a newcomer may wait for a slot...
    with pytest.raises(Busy) as refused, gate.entered():  # ...and none comes within the wait
        pass
    assert refused.value.retry_after == 3
    leave.set()
    for holder in holders:
        holder.join(5)
    with gate.entered():  # free again
        pass


def test_a_gate_refuses_before_waiting_when_the_work_ahead_is_longer_than_the_wait():
    gate = Gate(1, wait_s=5, max_waiting=4, retry_after=3, first_guess_s=30.0)
    waited = []
    gate._free.acquire = lambda timeout: waited.append(timeout)  # never reached
    gate._free.release = lambda: None
    ticket = gate.admission.started()  # work in progress, expected to take 30 s
    with pytest.raises(Busy), gate.entered():
        pass
    assert waited == []  # refused without waiting for the slot
    gate.admission.ended(ticket)

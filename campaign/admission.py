"""Admission: a request waits for a scarce resource only when it can have it soon.

The web server's scarce resources are the render workers (PDFs) and the web process's own
time (the previews, drafts and reports it works out itself, holding its GIL). A request that
waits for one holds a thread of the web server, and a request that waits long only to be
refused has taken a supporter's time for nothing. So a request is refused at once (Busy: the
web answers 503 with Retry-After) when it would wait past `wait_s`: when `max_waiting`
requests wait already, or when the work in progress and the requests ahead of it, at the
recent duration of one, keep every slot busy longer than that. A request let in waits at most
`wait_s` (the holder's own bound, e.g. Gate.entered); it is refused then too.

Flask-free: campaign.letters.render_pool and campaign.web.guards use it.
"""

from __future__ import annotations

import contextlib
import heapq
import threading
import time
from collections.abc import Callable, Iterator

from campaign.errors import Busy

# Weight of the newest duration in the moving average: the last ten or so count, so the
# estimate follows the machine's load within seconds without jumping at one odd request.
NEWEST_WEIGHT = 0.2
# A piece of work that took longer than this many waits counts as this long: that already
# says "hopeless" for the requests behind it, and one runaway (a render stopped after 15 s)
# must not keep the average up for long after it.
LONGEST_SAMPLE_WAITS = 3


class Admission:
    """Who may wait for one of `slots`: the requests waiting and in progress, their times."""

    def __init__(
        self,
        slots: int,
        *,
        wait_s: float,
        max_waiting: int,
        retry_after: int,
        first_guess_s: float,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.slots, self.wait_s, self.max_waiting = slots, wait_s, max_waiting
        self.retry_after = retry_after
        self.duration_s = first_guess_s  # the moving average of one piece of work
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting = 0
        self._started: dict[int, float] = {}  # work in progress: ticket -> start time
        self._tickets = 0

    def expected_wait_s(self) -> float:
        """How long a request arriving now would wait for a slot, as things stand."""
        with self._lock:
            return self._expected_wait_s()

    def check(self) -> None:
        """Raise Busy when a request arriving now would not have a slot within wait_s."""
        with self._lock:
            self._check()

    @contextlib.contextmanager
    def waiting(self) -> Iterator[None]:
        """Wait for a slot inside this block, or raise Busy at once when it is hopeless."""
        with self._lock:
            self._check()
            self._waiting += 1
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1

    def started(self) -> int:
        """A slot's work starts now: the ticket to give to ended()."""
        with self._lock:
            self._tickets += 1
            self._started[self._tickets] = self._clock()
            return self._tickets

    def ended(self, ticket: int) -> None:
        """The work of `ticket` is over (done, failed or stopped): its time joins the average."""
        with self._lock:
            took = self._clock() - self._started.pop(ticket)
            took = min(took, LONGEST_SAMPLE_WAITS * self.wait_s)
            self.duration_s += NEWEST_WEIGHT * (took - self.duration_s)

    def _check(self) -> None:
        if self._waiting >= self.max_waiting or self._expected_wait_s() > self.wait_s:
            raise Busy(self.retry_after)

    def _expected_wait_s(self) -> float:
        """When a slot is free for a newcomer: the work in progress ends at its start plus the
        average, and each request waiting before it then takes the first free slot."""
        now = self._clock()
        free_at = [max(now, start + self.duration_s) for start in self._started.values()]
        free_at += [now] * max(0, self.slots - len(free_at))
        heapq.heapify(free_at)
        for _ in range(self._waiting):
            heapq.heapreplace(free_at, free_at[0] + self.duration_s)
        return free_at[0] - now


class Gate:
    """`slots` pieces of work at once; a request waits for a slot as Admission allows."""

    def __init__(self, slots: int, **admission):
        self.admission = Admission(slots, **admission)
        self._free = threading.BoundedSemaphore(slots)

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """Hold a slot inside this block, or raise Busy (at once, or after wait_s)."""
        with self.admission.waiting():
            if not self._free.acquire(timeout=self.admission.wait_s):
                raise Busy(self.admission.retry_after)
        ticket = self.admission.started()
        try:
            yield
        finally:
            self.admission.ended(ticket)
            self._free.release()

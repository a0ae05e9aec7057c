"""A watchdog in each gunicorn worker: a request stuck past its deadline ends the worker.

gunicorn's own `timeout` watches a worker's main loop, not its requests: with the gthread
worker the main loop keeps beating while a request thread waits forever (a deadlock, a socket
read that never returns), so that thread, and the supporter behind it, is never freed. Here the
`pre_request` and `post_request` hooks note when each request thread starts and ends a request,
and a thread of the worker looks every so often. When a request has run longer than the
deadline it logs the method and path of each stuck request (never the query string, never the
client's address: nothing a supporter typed), then ends the worker as a graceful restart would:
the worker stops taking connections, its other requests finish (within `grace_s`), and the
process exits with EXIT_CODE, so that the arbiter starts a fresh one. Its PDF workers
(multiprocessing children: campaign.letters.render_pool) are killed with it.

Flask-free and gunicorn-free: `campaign.web.gunicorn_conf` wires it to a worker.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

VARIABLE = "CAMPAIGN_REQUEST_DEADLINE_S"
DEFAULT_DEADLINE_S = 30.0
EXIT_CODE = 1  # what the arbiter logs: "Worker (pid:N) exited with code 1."
CHECK_EVERY_S = 1.0  # at most; a shorter deadline is checked four times within it


@dataclass(frozen=True)
class Running:
    """One request in progress: what the log may say of it, and since when it runs."""

    method: str
    path: str
    started: float


def deadline_from(environ: Mapping[str, str]) -> float:
    """The deadline in seconds from CAMPAIGN_REQUEST_DEADLINE_S (0: no watchdog)."""
    text = environ.get(VARIABLE, "").strip()
    if not text:
        return DEFAULT_DEADLINE_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{VARIABLE}={text!r}: give a number of seconds, or 0 for no watchdog")
    return value


class Watchdog:
    """Tracks the requests of one worker process and ends the process when one is stuck.

    `stop()` asks the worker to stop taking connections (gunicorn: SIGTERM to itself);
    `end()` ends the process (end_process). `connections()`, when given, counts the worker's
    open connections: the drain waits for the ones not yet seen as requests too.
    """

    def __init__(
        self,
        deadline_s: float,
        *,
        grace_s: float,
        log: Callable[[str], object],
        stop: Callable[[], object],
        end: Callable[[], object],
        connections: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
        check_every_s: float | None = None,
    ):
        if deadline_s <= 0:
            raise ValueError("a watchdog needs a deadline above 0 s")
        self.deadline_s, self.grace_s = deadline_s, grace_s
        self.check_every_s = check_every_s or min(CHECK_EVERY_S, deadline_s / 4)
        self._log, self._stop, self._end = log, stop, end
        self._connections, self._clock = connections, clock
        self._running: dict[int, Running] = {}
        self._lock = threading.Lock()

    def started(self, method: str, path: str) -> None:
        """The calling thread starts a request (gunicorn's pre_request hook)."""
        with self._lock:
            self._running[threading.get_ident()] = Running(method, path, self._clock())

    def finished(self) -> None:
        """The calling thread is done with its request (gunicorn's post_request hook)."""
        with self._lock:
            self._running.pop(threading.get_ident(), None)

    def stuck(self) -> tuple[list[Running], int]:
        """The requests past the deadline, and how many others run."""
        now = self._clock()
        with self._lock:
            running = list(self._running.values())
        late = [entry for entry in running if now - entry.started > self.deadline_s]
        return late, len(running) - len(late)

    def start(self) -> threading.Thread:
        """Watch from a daemon thread of this process, which it never leaves but by ending it."""
        thread = threading.Thread(target=self.watch, name="campaign-watchdog", daemon=True)
        thread.start()
        return thread

    def watch(self) -> None:
        """Wait for a stuck request; then log it, drain the others, and end the process."""
        while True:
            time.sleep(self.check_every_s)
            late, _ = self.stuck()
            if late:
                break
        now = self._clock()
        for entry in late:
            self._log(
                f"request stuck for {now - entry.started:.2f} s, past the "
                f"{self.deadline_s:g} s deadline: {entry.method} {entry.path}; ending worker "
                f"{os.getpid()} so that a fresh one takes its place"
            )
        self._stop()
        self.drain()
        self._end()

    def drain(self) -> None:
        """Return when only stuck requests are left (on their connections), or after grace_s."""
        until = self._clock() + self.grace_s
        while self._clock() < until:
            late, others = self.stuck()
            connections = self._connections() if self._connections else len(late)
            if others == 0 and connections <= len(late):
                return
            time.sleep(self.check_every_s)


def end_process() -> None:
    """End this process now, without waiting for its stuck threads (nothing else can end them).

    The PDF workers of this process are killed first: a runaway render must not outlive the
    web worker that asked for it (the render pool's own exit handler does not run here).
    """
    for child in multiprocessing.active_children():
        child.kill()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed or broken: nothing to lose
            stream.flush()
    os._exit(EXIT_CODE)

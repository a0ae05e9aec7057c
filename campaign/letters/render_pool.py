"""PDFs made in warm worker processes, each render stopped on a deadline, even inside C code.

WeasyPrint is not thread-safe and holds the GIL for most of a render, so a render in a web
thread slows every other page of that process, and a runaway layout (Pango, HarfBuzz) cannot
be interrupted from Python. Here each render runs in a worker process that has WeasyPrint and
its fonts loaded already; the caller waits for a free worker at most `wait_s` (then Busy, the
web answers 503 with Retry-After) and for the PDF at most `deadline_s` (then the worker is
killed, a fresh one takes its place, and the caller gets RenderTimeout). Workers are started
from a forkserver, so they never inherit the threads of a web server.

The forkserver warms itself up before it forks any worker (warm_up: WeasyPrint and its fonts
loaded, the bundled print.css parsed, a sample document laid out and written, the heap
frozen for the garbage collector), so every worker, a replacement too, is born warm: its
first PDF is as fast as the next. A pool has a worker per core unless told otherwise
(default_size), and `concurrently` keeps them all busy.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import gc
import multiprocessing
import multiprocessing.forkserver
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, TypeVar

from campaign import limits
from campaign.admission import Admission
from campaign.errors import (
    Busy,
    CampaignError,
    RenderError,
    RenderTimeout,
    TemplateError,
    TooLarge,
)
from campaign.models import Address, Letter, Recipient, Sender

# A render's duration before the first one is measured: the bundled eight letters take 0.2 to
# 0.5 s warm on a quiet 2-core machine, 1 to 1.5 s on a busy one.
FIRST_RENDER_GUESS_S = 0.5

# Renders run at a lower CPU priority than the web processes: a page (a few ms) that wakes up
# goes before a PDF (hundreds of ms), so the pages stay fast whatever the PDF load, and alone
# on the machine a render has every cycle it wants. 5, not more: when the web processes keep
# the cores busy, a render still gets a quarter of a core (Linux weighs nice 5 at 335 against
# 1,024), so the eight bundled letters take about 2 s, not the 15 s deadline (at 10, a tenth).
RENDER_NICENESS = 5

_CONTEXT = multiprocessing.get_context("forkserver")
# What the forkserver imports before it forks any worker: the parent's main script (else every
# worker imports it anew when it starts, the whole command line for `campaign`), then the
# module whose import runs warm_up().
_CONTEXT.set_forkserver_preload(["__main__", "campaign.letters.warm_forkserver"])
# The print layout the forkserver warms up with: the bundled one, which most sites use as is.
BUNDLED_TEMPLATES = Path(__file__).resolve().parents[2] / "letter_templates"
# After warm_up, a collection of the youngest objects every 20,000 allocations instead of 700:
# a render allocates millions of short-lived objects. The collector was 8 to 9 % of a render;
# with the heap frozen (never scanned again) under 5 %, and 3.7 % with these thresholds in
# the one quiet measurement (benchmarks/RESULTS.md).
GC_THRESHOLDS = (20_000, 20, 20)
T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    """What one worker renders: the letters and how to print them."""

    letters: tuple[Letter, ...]
    paper: str
    templates_dir: Path
    title: str | None
    split: bool = False  # also one PDF per office, from the same layout (export, check)


class _Worker:
    """One warm worker process and the pipe to it."""

    def __init__(self) -> None:
        self.connection, child = _CONTEXT.Pipe()
        self.process = _CONTEXT.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        child.close()

    def kill(self) -> None:
        """End the process at once (a runaway render), and the pipe with it."""
        self.process.kill()
        self.process.join(timeout=5)
        self.connection.close()


class RenderPool:
    """`size` warm workers; a render waits at most `wait_s` for one and `deadline_s` for its PDF."""

    def __init__(
        self, size: int, *, wait_s: float, deadline_s: float, retry_after: int, max_waiting: int
    ):
        self.size, self.wait_s, self.deadline_s = size, wait_s, deadline_s
        self.retry_after = retry_after
        # Who may wait for a worker, and how long (each waiting request holds a web thread,
        # and the site's other pages need threads too): see campaign.admission.
        self.admission = Admission(
            size,
            wait_s=wait_s,
            max_waiting=max_waiting,
            retry_after=retry_after,
            first_guess_s=FIRST_RENDER_GUESS_S,
        )
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = False
        self._lock = threading.Lock()

    def pdf(
        self,
        letters: Sequence[Letter],
        *,
        paper: str = "a4",
        templates_dir: Path,
        title: str | None = None,
    ) -> bytes:
        """ONE tagged PDF of the letters, made by a worker; Busy or RenderTimeout when it can't."""
        return self._run(Job(tuple(letters), paper, Path(templates_dir).resolve(), title))

    def split(
        self,
        letters: Sequence[Letter],
        *,
        paper: str = "a4",
        templates_dir: Path,
        title: str | None = None,
    ) -> tuple[bytes, dict[str, bytes]]:
        """The combined PDF and one per office id, from one layout, made by a worker."""
        folder = Path(templates_dir).resolve()  # the worker's working folder may be another
        return self._run(Job(tuple(letters), paper, folder, title, split=True))

    def refuse_when_full(self) -> None:
        """Busy at once when a PDF asked for now would not start within the wait: a request
        can check this before it spends anything on a PDF it would not get."""
        self.admission.check()

    def _run(self, job: Job) -> Any:
        """The result of `job` from a free worker, within the wait and the deadline."""
        self._start()
        with self.admission.waiting():
            try:
                worker = self._idle.get(timeout=self.wait_s)
            except queue.Empty:
                raise Busy(self.retry_after) from None
        ticket = self.admission.started()
        try:
            worker.connection.send(job)
            if not worker.connection.poll(self.deadline_s):
                worker.kill()
                worker = _Worker()
                raise RenderTimeout(
                    f"the letters took longer than {self.deadline_s:g} s to lay out and were "
                    "stopped; shorten them, or print fewer at once"
                )
            return _result(worker.connection.recv())
        except (EOFError, OSError, BrokenPipeError):  # the worker died (out of memory, killed)
            worker.kill()
            worker = _Worker()
            raise RenderError("the PDF could not be made; please try again") from None
        finally:
            self.admission.ended(ticket)
            self._idle.put(worker)

    def concurrently(self, calls: Iterable[Callable[[], T]]) -> Iterator[Future[T]]:
        """Run `calls` (each one render of this pool) side by side, one per worker; their
        outcomes in the order of `calls`, as futures (`.result()` returns or raises).

        At most twice as many calls as workers are started ahead of the one waited for, so a
        long iterable costs no more memory than a short one.
        """
        ahead = 2 * self.size
        with ThreadPoolExecutor(self.size, thread_name_prefix="render") as runner:
            started: collections.deque[Future[T]] = collections.deque()
            for call in calls:
                started.append(runner.submit(call))
                if len(started) >= ahead:
                    yield started.popleft()
            while started:
                yield started.popleft()

    def start(self) -> None:
        """Start the workers now, instead of at the first PDF; back once they are all warm."""
        self._start()

    def prepare(self) -> None:
        """Start warming the forkserver up in the background, and return at once: the caller
        does its own work meanwhile, and the workers it forks later are ready sooner."""
        multiprocessing.forkserver.ensure_running()

    def close(self) -> None:
        """Stop every idle worker (at exit; a worker busy now ends with its parent)."""
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                return

    def _start(self) -> None:
        """Start the workers on first use: after a web server forked its own workers."""
        with self._lock:
            if self._started:
                return
            for _ in range(self.size):
                self._idle.put(_Worker())
            self._started = True
            atexit.register(self.close)


def _result(answer: tuple[str, Any, Any]) -> Any:
    """The PDF a worker sent, or its error raised again here as the same kind of error."""
    kind, first, second = answer
    if kind == "pdf":
        return first
    if kind == "template":
        raise TemplateError(first, second)
    if kind == "too-large":
        raise TooLarge(first)
    if kind == "campaign":
        raise CampaignError(first)
    raise RenderError(first)


_shared: RenderPool | None = None


def shared() -> RenderPool:
    """The pool of the command line (`campaign check`, `campaign export`): a worker per core,
    whose render is stopped after limits.CLI_PDF_DEADLINE_S even inside WeasyPrint's C code."""
    global _shared
    if _shared is None:
        size = default_size()
        _shared = RenderPool(
            size, wait_s=60, deadline_s=limits.CLI_PDF_DEADLINE_S, retry_after=1, max_waiting=size
        )
    return _shared


def default_size(web_processes: int = 1) -> int:
    """Workers for one pool: the cores this process may run on, shared among `web_processes`
    processes that each have a pool (gunicorn's workers), at least one."""
    return max(1, len(os.sched_getaffinity(0)) // max(1, web_processes))


def warm_up() -> None:
    """Ready this process to render fast: WeasyPrint and the fonts loaded, the bundled print.css
    parsed, sample letters laid out and written; then the heap frozen (the collector never
    scans it again, and forked workers share it) and collections made rarer (GC_THRESHOLDS)."""
    from campaign.letters import pdf

    pdf.font_configuration()
    # Whatever goes wrong here (a bundled layout broken by hand) must not stop the forkserver:
    # the workers are then only colder, and the first real job says what is wrong.
    with contextlib.suppress(Exception):
        pdf.render_split(sample_letters(), templates_dir=BUNDLED_TEMPLATES)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def sample_letters() -> list[Letter]:
    """Two short letters, in Latin and Cyrillic type, that no one reads: for warm_up."""
    sender = Sender(name="Sample Supporter", street="1 Example Street", city="Roma", country="IT")
    offices = [
        Recipient(
            id=f"sample-{language}",
            office="Sample office",
            country=country,
            language=language,
            address=Address(lines=(street,), postcode="00100", city=city, country=country),
            salutation={language: salutation},
            ask={},
        )
        for language, country, street, city, salutation in (
            ("it", "IT", "Via Esempio 1", "Roma", "Gentile ufficio"),
            ("ru", "KZ", "ул. Примерная, 1", "Астана", "Уважаемые господа"),
        )
    ]
    text = "Sample text for the first layout of a process. Пробный текст. Қазақ тілі."
    return [
        Letter(
            recipient=office,
            sender=sender,
            language=office.language,
            subject="Sample",
            place_date="Roma, 1.1.2026",
            salutation=office.salutation[office.language] + ",",
            body="\n\n".join([text] * 4),
            closing="Saluti,",
            signature=(sender.name,),
        )
        for office in offices
    ]


def _serve(connection: Connection) -> None:
    """A worker's life: render each job it is sent until its parent goes away."""
    from campaign.letters import pdf

    os.nice(RENDER_NICENESS)
    pdf.font_configuration()  # warm_up loaded it in the forkserver; at once if it could not
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        connection.send(_render(pdf, job))


def _render(pdf: Any, job: Job) -> tuple[str, Any, Any]:
    """One job's PDF, or its error as plain values that cross the pipe."""
    try:
        options = {"paper": job.paper, "templates_dir": job.templates_dir, "title": job.title}
        render = pdf.render_split if job.split else pdf.render
        return ("pdf", render(list(job.letters), **options), None)
    except TemplateError as error:
        return ("template", error.problem.where, error.problem.message)
    except TooLarge as error:
        return ("too-large", str(error), None)
    except RenderError as error:
        return ("render", str(error), None)
    except CampaignError as error:
        return ("campaign", str(error), None)
    except Exception as error:  # a bug in a layout library: say so, keep the worker
        return ("render", f"the PDF could not be made ({type(error).__name__})", None)

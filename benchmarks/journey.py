"""Many supporters at once on two instances, behind nginx and directly, with workers killed.

    .venv/bin/python benchmarks/journey.py            # or: make loadtest (about 6 minutes)
    .venv/bin/python benchmarks/journey.py --scenarios nginx-kill --seconds 30
    .venv/bin/python benchmarks/journey.py --database-url postgresql://campaign@/campaign

It starts two gunicorn instances with the repository's config (two workers each) on one
instance folder, so one database (the SQLite file in it by default; `--database-url` is passed
to both as CAMPAIGN_DATABASE_URL), and nginx with deploy/nginx.conf in front of them, all on
free ports of 127.0.0.1. Then, for each scenario, `--supporters` (50) supporters for
`--seconds` (60) each do the whole journey, again and again, as a browser does:

    GET /  ->  GET /write  ->  POST /write (the preview)  ->  POST /letters.pdf (every letter,
    as the preview's form sends it)  ->  POST /sent (every channel ticked)  ->  GET /thanks

Each journey is a new supporter: a new connection, kept alive for the journey, a new session,
and a new client address (127.1.x.y: Linux answers the whole of 127/8), so the per-client
limits hold as in production. A supporter told 503 or 429 waits as its Retry-After says (at
most 10 s) before going on; a report answered 503 (or not answered) is sent again, as a
supporter presses again (at most 3 times). Like a browser, a supporter whose kept-alive
connection turns out broken sends the request once more on a new one (counted: that is what
a killed worker does to clients without nginx). The load generator runs in `--processes` (5)
processes. Scenarios:

- `direct`: journeys alternate between the two instances, no nginx;
- `nginx`: every journey through nginx;
- `nginx-kill`: through nginx while a gunicorn worker (of either instance) is killed with
  SIGKILL every `--kill-every` (10) seconds;
- `direct-kill` (not by default): the same without nginx, to see what nginx hides.

Printed per scenario: p50/p95/p99/max and the answers by status of each request type (and
the times gunicorn logged), the 503s without Retry-After (there must be none), the requests
sent again, where the CPU time went, and the counts check: the letters the database counted
during the scenario (read from the console's CSV export) against those of the reports
answered 303. Then the limits across
instances: where a sign-in flood, a flood of e-mail drafts and of reports from one client are
stopped, on one instance, spread over both, and through nginx. Only 127.0.0.1 is targeted;
every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import multiprocessing
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loadtest import Result, machine  # noqa: E402

from tests import servers  # noqa: E402
from tests.supporters import (  # noqa: E402
    LONGEST_RETRY_WAIT_S,
    REPORT_ATTEMPTS,
    REQUEST_TIMEOUT_S,
    Answer,
    Browser,
    addresses,
    filled_in,
    forms_of,
    journey,
    token,
)

LONGEST_JOURNEY_S = REPORT_ATTEMPTS * (REQUEST_TIMEOUT_S + LONGEST_RETRY_WAIT_S)
ADDRESSES_PER_PROCESS = 1_000_000  # each process of the load generator has its own
LIMITS_ADDRESSES = 15_000_000  # the limits check's clients, clear of the journeys'
COUNTER_ADDRESS = 16_000_000  # the organiser who reads the counts
# A line of gunicorn's access log (campaign.web.gunicorn_conf.access_log_format).
ACCESS_LINE = re.compile(r'"(GET|POST) (\S+) HTTP/1\.1" \d+ \S+ (\d+)ms')
STEPS = (
    "GET /",
    "GET /write",
    "POST /write",
    "POST /letters.pdf",
    "POST /sent",
    "GET /thanks",
)
SCENARIOS = ("direct", "nginx", "nginx-kill", "direct-kill")
EXPECTED = {200, 303, 429, 503}  # what a client may see (503 and 429 with Retry-After)


# --- what a scenario measures -------------------------------------------------------------------


@dataclass
class Tally:
    """Every answer of a scenario by step, and what the counts check needs."""

    steps: dict[str, Result] = field(default_factory=dict)
    no_retry_after: dict[str, int] = field(default_factory=dict)  # step -> 503/429 without it
    sent_again: dict[str, int] = field(default_factory=dict)  # step -> broken connections
    reported: int = 0  # letters in the reports answered 303
    unsure: int = 0  # letters in reports never answered 303 (may or may not be counted)
    journeys: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, answer: Answer) -> None:
        """Record one answer."""
        with self.lock:
            result = self.steps.setdefault(step, Result(step, 0, 0.0))
            result.add(answer.status, answer.elapsed_ms)
            if answer.status in (429, 503) and not answer.header("Retry-After"):
                self.no_retry_after[step] = self.no_retry_after.get(step, 0) + 1
            if answer.sent_again:
                self.sent_again[step] = self.sent_again.get(step, 0) + 1

    def merge(self, other: Tally) -> None:
        """Add another process's tally to this one."""
        for step, result in other.steps.items():
            mine = self.steps.setdefault(step, Result(step, 0, 0.0))
            for status, times in result.latencies_ms.items():
                mine.latencies_ms.setdefault(status, []).extend(times)
        for step, number in other.no_retry_after.items():
            self.no_retry_after[step] = self.no_retry_after.get(step, 0) + number
        for step, number in other.sent_again.items():
            self.sent_again[step] = self.sent_again.get(step, 0) + number
        self.reported += other.reported
        self.unsure += other.unsure
        self.journeys += other.journeys

    def __getstate__(self) -> dict:
        return {key: value for key, value in self.__dict__.items() if key != "lock"}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, lock=threading.Lock())


def supporters(ports: list[int], count: int, seconds: float, tally: Tally, first: int) -> None:
    """`count` supporters doing journeys for `seconds`, alternating between `ports`, their
    addresses from the `first`-th on."""
    until = time.monotonic() + seconds
    new_address = addresses(first)
    lock = threading.Lock()
    turn = itertools.count()

    def supporter() -> None:
        while time.monotonic() < until:
            with lock:
                address, number = next(new_address), next(turn)
            browser = Browser(ports[number % len(ports)], address)
            try:
                report = journey(browser, tally.add, until)
            finally:
                browser.close()
            with tally.lock:
                tally.journeys += 1
                if report is not None and report.counted:
                    tally.reported += report.letters
                elif report is not None and report.counted is None:
                    tally.unsure += report.letters

    threads = [threading.Thread(target=supporter, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + LONGEST_JOURNEY_S)


def in_process(ports: list[int], count: int, seconds: float, first: int, results) -> None:
    """supporters() in a process of the load generator; its tally to `results`."""
    tally = Tally()
    supporters(ports, count, seconds, tally, first)
    results.put((tally, os.times()))


def generate(ports: list[int], count: int, seconds: float, processes: int) -> Generated:
    """`count` supporters spread over `processes` (a Python process uses one core at most,
    and one with 50 threads would measure its own waits for its GIL)."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    shares = [count // processes + (n < count % processes) for n in range(processes)]
    workers = [
        context.Process(
            target=in_process, args=(ports, share, seconds, n * ADDRESSES_PER_PROCESS, results)
        )
        for n, share in enumerate(shares)
        if share
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    generated = Generated(Tally(), 0.0, 0.0)
    for _ in workers:
        tally, times = results.get(timeout=seconds + LONGEST_JOURNEY_S + 30)
        generated.tally.merge(tally)
        generated.cpu_s += times.user + times.system
    for worker in workers:
        worker.join(timeout=10)
    generated.wall_s = time.perf_counter() - started
    return generated


@dataclass
class Generated:
    """What the load generator's processes measured, how long it took, their CPU time."""

    tally: Tally
    wall_s: float
    cpu_s: float


@contextlib.contextmanager
def killing(instances: list[servers.Served], every_s: float) -> Iterator[list[int]]:
    """SIGKILL a random gunicorn worker of `instances` every `every_s`; the pids killed."""
    killed: list[int] = []
    stopped = threading.Event()

    def kill_now_and_then() -> None:
        while not stopped.wait(every_s):
            workers = [pid for served in instances for pid in served.workers()]
            if workers:
                victim = random.choice(workers)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim, signal.SIGKILL)
                    killed.append(victim)

    thread = threading.Thread(target=kill_now_and_then, daemon=True)
    thread.start()
    try:
        yield killed
    finally:
        stopped.set()
        thread.join(timeout=5)


# The organiser who reads the counts: a name of this run's own (the database may outlive it).
ORGANISER = f"bench.counter.{secrets.token_hex(4)}"
ORGANISER_PASSWORD = "the counts of a long afternoon, read twice 7"


def organisers(instance: Path, settings: dict[str, str], *arguments: str, answers: str) -> None:
    """`campaign organisers ...` as the README runs it, in a session of its own (no terminal:
    its prompts read `answers`)."""
    command = [sys.executable, "-c", "from campaign.cli import main; main()"]
    done = subprocess.run(
        [*command, "--instance", str(instance), "organisers", *arguments],
        input=answers,
        text=True,
        cwd=ROOT,
        env={**os.environ, **settings},
        capture_output=True,
        timeout=60,
        start_new_session=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"campaign organisers {' '.join(arguments)}: {done.stderr.strip()}")


@contextlib.contextmanager
def counter(instance: Path, settings: dict[str, str]) -> Iterator[None]:
    """The organiser who reads the counts, for the length of the run."""
    password = f"{ORGANISER_PASSWORD}\n" * 2
    organisers(instance, settings, "add", ORGANISER, answers=password)
    try:
        yield
    finally:
        organisers(instance, settings, "remove", ORGANISER, answers="y\n")


def letters_counted(port: int) -> int:
    """Every letter counted so far, from the counts' CSV export of the console (whatever the
    database behind it), signed in from an address of its own."""
    browser = Browser(port, next(addresses(COUNTER_ADDRESS)))
    page = browser.request("GET", "/admin")
    fields = [token(page.body), ("name", ORGANISER), ("password", ORGANISER_PASSWORD)]
    signed_in = browser.request("POST", "/admin", fields)
    if signed_in.status != 303:
        raise RuntimeError(f"the counts' organiser could not sign in ({signed_in.status})")
    export = browser.request("GET", "/admin/counts.csv")
    browser.close()
    if export.status != 200:
        raise RuntimeError(f"the counts' export answered {export.status}")
    rows = csv.DictReader(io.StringIO(export.body.decode("utf-8")))
    return sum(int(row["letters"]) for row in rows)


@dataclass
class Cluster:
    """The servers of a run: two gunicorn instances on one instance folder, nginx in front."""

    instance: Path
    instances: list[servers.Served]
    nginx: servers.Served
    database_url: str | None

    def ports(self, scenario: str) -> list[int]:
        """Where the supporters of a scenario connect."""
        return (
            [self.nginx.port] if scenario.startswith("nginx") else [s.port for s in self.instances]
        )

    def errors(self) -> list[str]:
        """The servers' error lines so far, each once."""
        found: dict[str, None] = {}
        for served in self.instances:
            for line in served.log_text().splitlines():
                access = ' HTTP/1.1" ' in line
                if not access and any(word in line.lower() for word in ("error", "critical")):
                    found[line.split("] ", 2)[-1][:300]] = None
        return list(found)

    def log_sizes(self) -> list[int]:
        """Where the instances' logs end now."""
        return [served.log.stat().st_size for served in self.instances]

    def server_times(self, since: list[int]) -> dict[str, list[float]]:
        """Request line -> the times gunicorn logged (ms, from reading the request to the end
        of the answer: no wait for a thread, no network) since the log sizes `since`."""
        times: dict[str, list[float]] = {}
        for served, start in zip(self.instances, since, strict=True):
            with served.log.open("rb") as log:
                log.seek(start)
                for match in ACCESS_LINE.finditer(log.read().decode("utf-8", "replace")):
                    method, path, milliseconds = match.groups()
                    times.setdefault(f"{method} {path}", []).append(float(milliseconds))
        return times

    def booted(self) -> int:
        """Workers booted so far, over both instances."""
        return sum(s.log_text().count("Booting worker with pid") for s in self.instances)


@contextlib.contextmanager
def cluster(folder: Path, database_url: str | None) -> Iterator[Cluster]:
    """Two gunicorn instances (CAMPAIGN_TRUSTED_PROXIES=1: nginx is in front) and nginx."""
    instance = folder / "instance"
    instance.mkdir()
    # Both instances on this machine: their 4 web processes share its cores (as the README's
    # commands for one machine), each with its share of PDF workers.
    settings = {"CAMPAIGN_TRUSTED_PROXIES": "1", "CAMPAIGN_WEB_PROCESSES": "4"}
    if database_url:
        settings["CAMPAIGN_DATABASE_URL"] = database_url
    with contextlib.ExitStack() as stack:
        stack.enter_context(counter(instance, settings))
        instances = [
            stack.enter_context(
                servers.gunicorn(instance, folder / f"gunicorn-{name}.log", **settings)
            )
            for name in ("a", "b")
        ]
        front = stack.enter_context(servers.nginx(folder / "nginx", [s.port for s in instances]))
        yield Cluster(instance, instances, front, database_url)


@dataclass
class Measured:
    """One scenario's figures."""

    scenario: str
    generated: Generated
    counted: int
    killed: int
    booted: int
    cpu_s: dict[str, float]
    load: tuple[float, float, float]
    server_ms: dict[str, list[float]]  # what gunicorn logged, by request line

    @property
    def tally(self) -> Tally:
        """The answers."""
        return self.generated.tally

    @property
    def wall_s(self) -> float:
        """How long the supporters ran."""
        return self.generated.wall_s


def cpu_seconds(run: Cluster) -> dict[int, tuple[str, float]]:
    """CPU time so far of each live process of the servers, by pid: its role (web workers,
    render workers, nginx) and its seconds."""
    sessions = {served.process.pid: "web" for served in run.instances}
    sessions[run.nginx.process.pid] = "nginx"
    spent: dict[int, tuple[str, float]] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            role = sessions.get(int(fields[3]))  # the session: one per server (its master)
            if role is None:
                continue
            parent = (Path("/proc") / fields[1] / "cmdline").read_bytes()
            if role == "web" and b"forkserver" in parent:
                role = "render"
            spent[int(stat.parent.name)] = (role, (int(fields[11]) + int(fields[12])) / tick)
    return spent


def cpu_between(
    before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]
) -> dict[str, float]:
    """The CPU seconds each role spent between two looks, by the processes alive at the second
    (a process started meanwhile counts from zero; a killed one's last seconds are lost)."""
    spent = {"web": 0.0, "render": 0.0, "nginx": 0.0}
    for pid, (role, seconds) in after.items():
        spent[role] += seconds - before.get(pid, (role, 0.0))[1]
    return spent


def scenario(run: Cluster, name: str, args: argparse.Namespace) -> Measured:
    """Run one scenario on `run` and check the counts."""
    before, booted = letters_counted(run.instances[0].port), run.booted()
    cpu, logs = cpu_seconds(run), run.log_sizes()
    kills = args.kill_every if name.endswith("-kill") else 0
    with killing(run.instances, kills) if kills else contextlib.nullcontext([]) as killed:
        generated = generate(run.ports(name), args.supporters, args.seconds, args.processes)
    after = cpu_seconds(run)
    time.sleep(1)  # the last reports' transactions are committed before their answers; margin
    counted = letters_counted(run.instances[0].port) - before
    spent = cpu_between(cpu, after) | {"load generator": generated.cpu_s}
    return Measured(
        name,
        generated,
        counted,
        len(killed),
        run.booted() - booted,
        spent,
        os.getloadavg(),
        run.server_times(logs),
    )


def table(measured: Measured) -> str:
    """The scenario's Markdown table and the counts check."""
    tally = measured.tally
    lines = [
        f"Scenario `{measured.scenario}`: {args_line(measured)}",
        "",
        "| request | answers | per s | p50 ms | p95 ms | p99 ms | max ms | answers by status |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for step in STEPS:
        result = tally.steps.get(step)
        if result is None:
            continue
        everything = [t for times in result.latencies_ms.values() for t in times]
        statuses = ", ".join(
            f"{status}: {len(times)}"
            for status, times in sorted(result.latencies_ms.items(), key=lambda item: str(item[0]))
        )
        lines.append(row(step, everything, measured.wall_s, statuses))
        if len(result.latencies_ms) > 1:  # each status on its own: how fast a 503 came
            for status, times in sorted(result.latencies_ms.items(), key=lambda i: str(i[0])):
                lines.append(row(f"... answered {status}", times, measured.wall_s, ""))
    served = [
        f"{line} p50 {figures[0]:.0f} / p99 {figures[1]:.0f} ms"
        for line in ("GET /", "GET /write", "POST /write", "POST /letters.pdf", "POST /sent")
        if (figures := server_percentiles(measured.server_ms.get(line, [])))
    ]
    lines += ["", "- as gunicorn timed them (its access log): " + "; ".join(served)]
    unexpected = {
        step: {s: len(t) for s, t in result.latencies_ms.items() if s not in EXPECTED}
        for step, result in tally.steps.items()
    }
    unexpected = {step: found for step, found in unexpected.items() if found}
    lines += [
        "",
        f"- answers other than 200/303/429/503: {unexpected or 'none'}; "
        f"429/503 without Retry-After: {tally.no_retry_after or 'none'}; requests the "
        f"browser sent again after its kept-alive connection broke: {tally.sent_again or 'none'}",
        f"- counts: {tally.reported} letters in the reports answered 303, {measured.counted} "
        f"counted by the database"
        + (f" ({tally.unsure} more in reports never answered 303)" if tally.unsure else "")
        + f": {'exact' if tally.reported == measured.counted else 'NOT exact'}",
    ]
    return "\n".join(lines)


def server_percentiles(times: list[float]) -> tuple[float, float] | None:
    """p50 and p99 of gunicorn's own times, or None."""
    if not times:
        return None
    every = Result("server", 0, 0.0, {"all": times})
    return every.percentile(0.5, "all"), every.percentile(0.99, "all")


def row(label: str, times: list[float], wall_s: float, statuses: str) -> str:
    """One line of the table: how many, how often, how fast."""
    every = Result(label, 0, 0.0, {"all": times})
    figures = " | ".join(f"{every.percentile(share, 'all'):.0f}" for share in (0.5, 0.95, 0.99))
    return (
        f"| {label} | {len(times)} | {len(times) / wall_s:.1f} | {figures} | {max(times):.0f} "
        f"| {statuses} |"
    )


def args_line(measured: Measured) -> str:
    """What ran, on what load, and where the CPU time went."""
    load = ", ".join(f"{value:.2f}" for value in measured.load)
    kills = (
        f", {measured.killed} workers killed, {measured.booted} booted" if measured.killed else ""
    )
    cpu = ", ".join(f"{role} {seconds:.0f} s" for role, seconds in measured.cpu_s.items())
    cores = os.cpu_count() or 1
    return (
        f"{measured.tally.journeys} journeys in {measured.wall_s:.1f} s{kills}; CPU time: "
        f"{cpu} (of {cores * measured.wall_s:.0f} s on {cores} cores; live processes only); "
        f"load average after {load}"
    )


# --- the limits per client, across instances ----------------------------------------------------


WRONG_PASSWORD = "not the password of anyone 42"


def sign_ins(ports: list[int], clients: list[str], account: str, attempts: int) -> list[int | str]:
    """Failed sign-ins for `account`, each from the next of `clients`, alternating `ports`."""
    statuses: list[int | str] = []
    for number in range(attempts):
        browser = Browser(ports[number % len(ports)], clients[number % len(clients)])
        page = browser.request("GET", "/admin")
        if page.status != 200:
            statuses.append(page.status)
            continue
        fields = [token(page.body), ("name", account), ("password", WRONG_PASSWORD)]
        statuses.append(browser.request("POST", "/admin", fields).status)
        browser.close()
    return statuses


def preview_forms(browser: Browser) -> dict[str, list[tuple[str, str]]]:
    """The forms of the preview, after the form (a supporter's first two steps)."""
    page = browser.request("GET", "/write")
    return forms_of(browser.request("POST", "/write", filled_in(page.body)).body)


def drafts(ports: list[int], client: str, attempts: int) -> list[int | str]:
    """.eml drafts of one office from one client and session, alternating `ports`."""
    browsers = [Browser(port, client) for port in ports]
    letters = preview_forms(browsers[0])["letters-form"]
    office = next(value for name, value in letters if name == "offices")
    for browser in browsers[1:]:
        browser.cookie = browsers[0].cookie  # one session, whichever instance answers
    statuses = [
        browsers[number % len(browsers)].request("POST", f"/letters/{office}.eml", letters).status
        for number in range(attempts)
    ]
    for browser in browsers:
        browser.close()
    return statuses


def reports(ports: list[int], client: str, attempts: int) -> list[int | str]:
    """ "I sent it" from one client, each after a preview of its own, alternating `ports`."""
    statuses: list[int | str] = []
    for number in range(attempts):
        browser = Browser(ports[number % len(ports)], client)
        report = [item for item in preview_forms(browser)["sent-form"] if item[0] != "sent"]
        statuses.append(
            browser.request("POST", "/sent", [*report, ("sent", "it-interior:post")]).status
        )
        browser.close()
    return statuses


def first_refused(statuses: list[int | str]) -> str:
    """'refused at attempt N' (the first 429), with anything else than 200/303/400 seen."""
    others = sorted({str(status) for status in statuses} - {"200", "303", "400", "429"})
    found = next((number for number, status in enumerate(statuses, 1) if status == 429), None)
    text = f"attempt {found}" if found else f"never in {len(statuses)}"
    return text + (f" (also {', '.join(others)})" if others else "")


def limits(run: Cluster) -> str:
    """Where each limit per client stops a flood: on one instance, on both, through nginx."""
    a, b = (served.port for served in run.instances)
    modes = {"one instance": [a], "both, alternating": [a, b], "through nginx": [run.nginx.port]}
    fresh = addresses(LIMITS_ADDRESSES)
    rows = {
        "failed sign-ins, one client, one account (5 in 15 min)": lambda ports, n: sign_ins(
            ports, [next(fresh)], f"bench-pair-{n}", 8
        ),
        "failed sign-ins, one account, a new client each (10, then a delay)": lambda ports, n: (
            sign_ins(ports, [next(fresh) for _ in range(13)], f"bench-account-{n}", 13)
        ),
        "e-mail drafts from one client (20 a minute)": lambda ports, n: drafts(
            ports, next(fresh), 23
        ),
        '"I sent it" from one client (10 an hour)': lambda ports, n: reports(
            ports, next(fresh), 12
        ),
    }
    lines = [
        "| limit per client | " + " | ".join(modes) + " |",
        "|---|" + "---|" * len(modes),
    ]
    for label, flood in rows.items():
        cells = [first_refused(flood(ports, number)) for number, ports in enumerate(modes.values())]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- the run ------------------------------------------------------------------------------------


def main() -> None:
    """Parse the options, start the servers, run the scenarios and the limits, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--supporters", type=int, default=50, help="concurrent supporters (50)")
    parser.add_argument("--seconds", type=float, default=60, help="each scenario's length (60)")
    parser.add_argument("--kill-every", type=float, default=10, help="seconds between kills (10)")
    parser.add_argument(
        "--scenarios",
        default="direct,nginx,nginx-kill",
        help=f"comma-separated, of {', '.join(SCENARIOS)} (default: direct,nginx,nginx-kill)",
    )
    parser.add_argument(
        "--processes", type=int, default=5, help="processes of the load generator (5)"
    )
    parser.add_argument("--no-limits", action="store_true", help="skip the limits check")
    parser.add_argument("--logs", type=Path, help="a folder to copy the servers' logs into")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CAMPAIGN_DATABASE_URL"),
        help="CAMPAIGN_DATABASE_URL for both instances (default: the shared SQLite file)",
    )
    args = parser.parse_args()
    chosen = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")

    print(f"Machine: {machine()}")
    print(f"Command: {' '.join(sys.argv)}")
    with (
        tempfile.TemporaryDirectory(prefix="campaign-journey-") as folder,
        cluster(Path(folder), args.database_url) as run,
    ):
        print(f"Database: {args.database_url or 'the shared SQLite file of the instance folder'}")
        for name in chosen:
            print()
            print(table(scenario(run, name, args)), flush=True)
        if not args.no_limits:
            print()
            print(limits(run))
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
            for log in [*Path(folder).glob("*.log"), *Path(folder).glob("nginx/logs/*.log")]:
                shutil.copy(log, args.logs / f"{log.parent.name}-{log.name}")
        errors = run.errors()
        print(f"\nErrors in the servers' logs: {len(errors) or 'none'}")
        for line in errors[:30]:
            print(f"    {line}")
    print(f"\nLoad average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

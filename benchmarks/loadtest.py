"""A short load test of the web app under gunicorn: measured, not asserted.

    .venv/bin/python benchmarks/loadtest.py            # starts gunicorn itself, runs the set below
    .venv/bin/python benchmarks/loadtest.py --url http://127.0.0.1:8000 --only get --requests 500

By default it starts `gunicorn -c python:campaign.web.gunicorn_conf app:app` (two workers) on a
free port of 127.0.0.1 with a temporary instance folder whose config.py lifts the per-client
rate limits (every request here comes from one address), then measures:

- `GET /` with 8 concurrent clients,
- `POST /letters.pdf` (a valid form to all eight offices, with the CSRF token and session
  cookie each client got from `GET /write`) with 2, then 4 concurrent clients,
- the flood: `GET /` from 2 visitors (each request on a new connection, one every 0.1 s)
  while 10 clients send `POST /letters.pdf` back to back, for 20 s (--flood-seconds),

and prints requests per second, p50, p99 and the answers by status (for the flood also p95,
the 503s that carried Retry-After, and the workers the server started or ended meanwhile).
Every client but the flood's visitors keeps one HTTP/1.1 connection open (keep-alive), as a
browser does. Only 127.0.0.1 is ever targeted; every loop is bounded in count and in time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import platform
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign import directory  # noqa: E402
from tests import servers  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REQUEST_TIMEOUT_S = 60
FLOOD_MAX_REQUESTS = 10_000  # per client: the flood ends on time, or on this count
FLOOD_VISIT_EVERY_S = 0.1
# A letter as edited in the preview near the form's limits (60 paragraphs, 10,000 characters).
EDITED_BODY = "\n\n".join(["Ich schreibe Ihnen wegen Alma Shalabayeva. " * 3] * 60)[:9999]
# instance/config.py of the temporary instance: one client address makes every request here.
INSTANCE_CONFIG = "RATE_LIMIT = 1_000_000\nSENT_RATE_LIMIT = 1_000_000\n"
SENDER = {
    "name": "Maria Rossi",
    "street": "Via Roma 12",
    "postcode": "20121",
    "city": "Milano",
    "country": "IT",
    "email": "maria.rossi@example.org",
    "note": "I teach history in Milan.",
    "language": "auto",
}


@dataclass
class Result:
    """What one run measured."""

    label: str
    clients: int
    wall_s: float
    latencies_ms: dict[object, list[float]] = field(default_factory=dict)  # status -> times

    def add(self, status: object, elapsed_ms: float) -> None:
        """Record one answer."""
        self.latencies_ms.setdefault(status, []).append(elapsed_ms)

    def percentile(self, share: float, status: object = 200) -> float:
        """The nearest-rank percentile of the latencies of one status, in ms."""
        ordered = sorted(self.latencies_ms.get(status, []))
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]

    def row(self) -> str:
        """One Markdown table row: rates of all answers and of the 200s, latencies of the 200s."""
        total = sum(len(times) for times in self.latencies_ms.values())
        ok = len(self.latencies_ms.get(200, []))
        answers = ", ".join(
            f"{status}: {len(times)}"
            for status, times in sorted(self.latencies_ms.items(), key=lambda item: str(item[0]))
        )
        slowest = max(max(times) for times in self.latencies_ms.values())
        return (
            f"| {self.label} | {self.clients} | {total} | {total / self.wall_s:.1f} | "
            f"{ok / self.wall_s:.1f} | {self.percentile(0.50):.0f} | "
            f"{self.percentile(0.99):.0f} | {slowest:.0f} | {answers} |"
        )


HEADER = (
    "| request | clients | requests | answers/s | 200s/s | p50 ms (200s) | p99 ms (200s) "
    "| max ms (all) | answers by status |\n"
    "|---|---|---|---|---|---|---|---|---|"
)
FLOOD_HEADER = (
    "| during the flood | clients | answers | answers/s | p50 ms | p95 ms | p99 ms | max ms "
    "| p50 ms (503s) | answers by status |\n"
    "|---|---|---|---|---|---|---|---|---|---|"
)


def flood_row(result: Result) -> str:
    """One row of the flood's table: latencies of the 200s, and of the 503s."""
    total = sum(len(times) for times in result.latencies_ms.values())
    answers = ", ".join(
        f"{status}: {len(times)}"
        for status, times in sorted(result.latencies_ms.items(), key=lambda item: str(item[0]))
    )
    slowest = max(max(times) for times in result.latencies_ms.values())
    figures = [result.percentile(share) for share in (0.50, 0.95, 0.99)]
    return (
        f"| {result.label} | {result.clients} | {total} | {total / result.wall_s:.1f} | "
        + " | ".join(f"{figure:.0f}" for figure in figures)
        + f" | {slowest:.0f} | {result.percentile(0.50, 503):.0f} | {answers} |"
    )


class Client:
    """One keep-alive HTTP/1.1 connection with its session cookie."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
        self.cookie = ""
        self.headers: http.client.HTTPMessage | None = None  # of the last answer

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        """Status and body; the connection is opened again if the server closed it."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection(
                self.host, self.port, timeout=REQUEST_TIMEOUT_S
            )
            raise
        self.headers = response.headers
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content

    def pdf_form(self, offices: list[str], edited: bool = False) -> bytes:
        """The body of a valid POST /letters.pdf, with the token of this client's session.

        `edited`: every letter as edited in the preview to about the largest the form allows.
        """
        status, page = self.request("GET", "/write")
        if status != 200:
            raise RuntimeError(f"GET /write answered {status}")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        form = {"csrf_token": token, **SENDER, "offices": offices}
        if edited:
            form.update({f"body-{office}": EDITED_BODY for office in offices})
        return urlencode(form, doseq=True).encode()


def run(
    label: str,
    host: str,
    port: int,
    clients: int,
    requests: int,
    method: str,
    path: str,
    offices: list[str],
) -> Result:
    """`requests` requests shared by `clients` threads; latencies and statuses."""
    result = Result(label, clients, 0.0)
    lock = threading.Lock()
    remaining = [requests]
    sessions = [Client(host, port) for _ in range(clients)]
    bodies = [c.pdf_form(offices) if method == "POST" else None for c in sessions]

    def work(client: Client, body: bytes | None) -> None:
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            start = time.perf_counter()
            try:
                status, _ = client.request(method, path, body)
            except (http.client.HTTPException, OSError) as error:
                status = type(error).__name__
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                result.add(status, elapsed)

    threads = [
        threading.Thread(target=work, args=(client, body))
        for client, body in zip(sessions, bodies, strict=True)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall_s = time.perf_counter() - started
    for client in sessions:
        client.connection.close()
    return result


@dataclass
class Flood:
    """What the flood measured: the visitors' GET /, the PDFs, and the 503s' Retry-After."""

    visits: Result
    pdfs: Result
    retry_after: dict[str, int] = field(default_factory=dict)  # its value -> how many 503s


def flood(
    host: str,
    port: int,
    offices: list[str],
    seconds: float,
    pdf_clients: int,
    visitors: int,
    edited: bool = False,
) -> Flood:
    """`visitors` GET / (a new connection each, every 0.1 s) while `pdf_clients` post PDFs."""
    label = "POST /letters.pdf" + (" (edited letters)" if edited else "")
    result = Flood(Result("GET /", visitors, 0.0), Result(label, pdf_clients, 0.0))
    lock = threading.Lock()
    senders = [Client(host, port) for _ in range(pdf_clients)]
    bodies = [client.pdf_form(offices, edited) for client in senders]
    started = time.perf_counter()
    until = time.monotonic() + seconds

    def timed(client: Client, method: str, path: str, body: bytes | None) -> tuple[object, float]:
        start = time.perf_counter()
        try:
            status: object = client.request(method, path, body)[0]
        except (http.client.HTTPException, OSError) as error:
            status = type(error).__name__
        return status, (time.perf_counter() - start) * 1000

    def send(client: Client, body: bytes) -> None:
        for _ in range(FLOOD_MAX_REQUESTS):
            if time.monotonic() >= until:
                return
            status, elapsed = timed(client, "POST", "/letters.pdf", body)
            with lock:
                result.pdfs.add(status, elapsed)
                if status == 503:
                    value = (client.headers and client.headers.get("Retry-After")) or "none"
                    result.retry_after[value] = result.retry_after.get(value, 0) + 1

    def visit() -> None:
        for _ in range(FLOOD_MAX_REQUESTS):
            if time.monotonic() >= until:
                return
            visitor = Client(host, port)  # a new visitor: a new connection
            status, elapsed = timed(visitor, "GET", "/", None)
            visitor.connection.close()
            with lock:
                result.visits.add(status, elapsed)
            time.sleep(FLOOD_VISIT_EVERY_S)

    threads = [
        threading.Thread(target=send, args=(client, body))
        for client, body in zip(senders, bodies, strict=True)
    ] + [threading.Thread(target=visit) for _ in range(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 10)
    result.visits.wall_s = result.pdfs.wall_s = time.perf_counter() - started
    for client in senders:
        client.connection.close()
    return result


@dataclass
class Server:
    """The server under test: its port, and its log when this script started it."""

    port: int
    log: Path | None = None
    pid: int | None = None  # gunicorn's arbiter

    def workers_rss_mb(self) -> list[float]:
        """The resident memory of each web worker (the arbiter's children), in MB."""
        sizes = []
        for status in Path("/proc").glob("[0-9]*/status"):
            with contextlib.suppress(OSError):
                fields = dict(
                    line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
                )
                if self.pid is not None and int(fields["PPid"]) == self.pid:
                    sizes.append(int(fields["VmRSS"].split()[0]) / 1024)
        return sorted(sizes)

    def events(self) -> dict[str, int]:
        """Workers booted, ended by the watchdog, timed out, or ended otherwise, so far."""
        if self.log is None:
            return {}
        text = self.log.read_text(errors="replace")
        return {
            "workers booted": text.count("Booting worker with pid"),
            "stuck requests (watchdog)": text.count("] request stuck for"),
            "worker timeouts (arbiter)": text.count("WORKER TIMEOUT"),
            "workers recycled (max_requests)": text.count("Autorestarting worker"),
        }


@contextlib.contextmanager
def gunicorn(workers: int):
    """gunicorn with the repository's config on a free local port; stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="campaign-loadtest-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        (instance / "config.py").write_text(INSTANCE_CONFIG)
        log = Path(folder) / "gunicorn.log"
        with servers.gunicorn(instance, log, workers=workers) as served:
            yield Server(served.port, log, served.process.pid)


def machine() -> str:
    """The CPU, the cores and the load, for the figures' context."""
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores (nproc), Python {platform.python_version()}; "
        f"load average {load}"
    )


def measure(host: str, server: Server, args: argparse.Namespace) -> None:
    """The runs asked for, each after a short unmeasured warm-up, each table printed."""
    port = server.port
    offices = [office.id for office in directory.load(ROOT / "recipients.yaml").recipients]
    results = []
    if args.only in ("all", "get"):
        run("warm-up", host, port, 2, 50, "GET", "/", offices)
        results.append(run("GET /", host, port, 8, args.requests, "GET", "/", offices))
    if args.only in ("all", "pdf"):
        run("warm-up", host, port, 2, 6, "POST", "/letters.pdf", offices)
        for clients in args.pdf_clients:
            results.append(
                run(
                    "POST /letters.pdf",
                    host,
                    port,
                    clients,
                    args.pdf_requests,
                    "POST",
                    "/letters.pdf",
                    offices,
                )
            )
    if results:
        print(HEADER)
        for result in results:
            print(result.row())
    if args.only in ("all", "flood"):
        run("warm-up", host, port, 2, 6, "POST", "/letters.pdf", offices)
        before = server.events()
        print(f"Flood: load average before {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
        measured = flood(
            host,
            port,
            offices,
            args.flood_seconds,
            args.flood_clients,
            args.flood_visitors,
            args.flood_edited,
        )
        after = server.events()
        print(f"Flood of {args.flood_seconds:g} s ({measured.pdfs.wall_s:.1f} s measured):")
        print(FLOOD_HEADER)
        print(flood_row(measured.visits))
        print(flood_row(measured.pdfs))
        retry = ", ".join(f"{value}: {count}" for value, count in measured.retry_after.items())
        print(f"503s by Retry-After: {retry or 'no 503'}")
        if after:
            print("Meanwhile: " + ", ".join(f"{key}: {after[key] - before[key]}" for key in after))


def main() -> None:
    """Parse the options, start gunicorn unless --url is given, run, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", help="an already running server on 127.0.0.1 (its rate limits must allow the load)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--requests", type=int, default=2000, help="GET / requests")
    parser.add_argument("--pdf-requests", type=int, default=40, help="POST /letters.pdf requests")
    parser.add_argument("--pdf-clients", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--flood-seconds", type=float, default=20.0, help="the flood's length")
    parser.add_argument("--flood-clients", type=int, default=10, help="clients posting PDFs")
    parser.add_argument("--flood-visitors", type=int, default=2, help="visitors of GET /")
    parser.add_argument(
        "--flood-edited", action="store_true", help="flood with the largest letters the form takes"
    )
    parser.add_argument("--only", choices=("all", "get", "pdf", "flood"), default="all")
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in LOCAL_HOSTS:
            parser.error("only a server on this machine (127.0.0.1) may be load-tested")
        measure(parts.hostname, Server(parts.port or 80), args)
    else:
        with gunicorn(args.workers) as server:
            rss = ", ".join(f"{size:.0f}" for size in server.workers_rss_mb())
            print(f"Web workers' RSS at the start: {rss} MB")
            measure("127.0.0.1", server, args)
            events = ", ".join(f"{key}: {value}" for key, value in server.events().items())
            rss = ", ".join(f"{size:.0f}" for size in server.workers_rss_mb())
            print(f"Over the whole run: {events}; web workers' RSS now {rss} MB")
    print(f"Load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

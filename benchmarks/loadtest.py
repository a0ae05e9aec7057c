"""A short load test of the web app under gunicorn: measured, not asserted.

    .venv/bin/python benchmarks/loadtest.py            # starts gunicorn itself, runs the set below
    .venv/bin/python benchmarks/loadtest.py --url http://127.0.0.1:8000 --only get --requests 500

By default it starts `gunicorn -c python:campaign.web.gunicorn_conf app:app` (two workers) on a
free port of 127.0.0.1 with a temporary instance folder whose config.py lifts the per-client
rate limits (every request here comes from one address), then measures:

- `GET /` with 8 concurrent clients,
- `POST /letters.pdf` (a valid form to all eight offices, with the CSRF token and session
  cookie each client got from `GET /write`) with 2, then 4 concurrent clients,

and prints requests per second, p50, p99 and the answers by status. Every client keeps one
HTTP/1.1 connection open (keep-alive), as a browser does. Only 127.0.0.1 is ever targeted.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import platform
import re
import socket
import subprocess
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

GUNICORN = Path(sys.executable).parent / "gunicorn"
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
START_TIMEOUT_S = 30
REQUEST_TIMEOUT_S = 60
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


class Client:
    """One keep-alive HTTP/1.1 connection with its session cookie."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.connection = http.client.HTTPConnection(host, port, timeout=REQUEST_TIMEOUT_S)
        self.cookie = ""

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
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response.status, content

    def pdf_form(self, offices: list[str]) -> bytes:
        """The body of a valid POST /letters.pdf, with the token of this client's session."""
        status, page = self.request("GET", "/write")
        if status != 200:
            raise RuntimeError(f"GET /write answered {status}")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        return urlencode({"csrf_token": token, **SENDER, "offices": offices}, doseq=True).encode()


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


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(workers: int):
    """gunicorn with the repository's config on a free local port; stopped on the way out."""
    with tempfile.TemporaryDirectory(prefix="campaign-loadtest-") as folder:
        instance = Path(folder) / "instance"
        instance.mkdir()
        (instance / "config.py").write_text(INSTANCE_CONFIG)
        port = free_port()
        env = {
            **os.environ,
            "CAMPAIGN_INSTANCE": str(instance),
            "CAMPAIGN_BIND": f"127.0.0.1:{port}",
            "CAMPAIGN_WORKERS": str(workers),
        }
        log = (Path(folder) / "gunicorn.log").open("wb")
        process = subprocess.Popen(
            [str(GUNICORN), "-c", "python:campaign.web.gunicorn_conf", "app:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for_health("127.0.0.1", port, process)
            yield port
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()


def wait_for_health(host: str, port: int, process: subprocess.Popen) -> None:
    """Poll /healthz for at most START_TIMEOUT_S."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if Client(host, port).request("GET", "/healthz")[0] == 200:
                time.sleep(1)  # let the second worker finish booting too
                return
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /healthz in time")


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


def measure(host: str, port: int, args: argparse.Namespace) -> list[Result]:
    """The runs asked for, each after a short unmeasured warm-up."""
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
    return results


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
    parser.add_argument("--only", choices=("all", "get", "pdf"), default="all")
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    if args.url:
        parts = urlsplit(args.url)
        if parts.hostname not in LOCAL_HOSTS:
            parser.error("only a server on this machine (127.0.0.1) may be load-tested")
        results = measure(parts.hostname, parts.port or 80, args)
    else:
        with gunicorn(args.workers) as port:
            results = measure("127.0.0.1", port, args)
    print(HEADER)
    for result in results:
        print(result.row())
    print(f"Load average after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

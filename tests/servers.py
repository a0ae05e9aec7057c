"""The servers the README starts, for the tests and the benchmarks: gunicorn with the
repository's config and nginx with deploy/nginx.conf, on free ports of 127.0.0.1.

Every wait is bounded and every server is stopped on the way out, also when a test fails.
Errors are ServerError with the server's log, so that a benchmark can use this as a test does.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
GUNICORN_COMMAND = (str(GUNICORN), "-c", "python:campaign.web.gunicorn_conf", "app:app")
NGINX_CONFIG = ROOT / "deploy" / "nginx.conf"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 35  # above gunicorn's graceful_timeout (25 s)


class ServerError(RuntimeError):
    """A server did not start, or did not answer in time."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(port: int, path: str = "/healthz", timeout: float = 5) -> int:
    """The status of one GET on a new connection (an error if nothing answers)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@dataclass
class Served:
    """A server this module started: its port, its process and its log."""

    port: int
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        """The log so far."""
        return self.log.read_text(errors="replace")

    def workers(self) -> list[int]:
        """The pids of the master's children (gunicorn's or nginx's worker processes)."""
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return [
                int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            ]
        return []


def wait_for(condition: Callable[[], object], timeout_s: float, what: str) -> None:
    """Poll `condition` every 0.1 s until it holds; TimeoutError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {timeout_s} s")
        time.sleep(0.1)


def orphans(session: int) -> list[str]:
    """Live processes of a server's session whose parent has left it (a PDF worker left behind)."""
    processes = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            name, rest = stat.read_text().rsplit(")", 1)
            state, parent, _, sid = rest.split()[:4]
            if int(sid) == session and state != "Z":
                processes[int(stat.parent.name)] = (int(parent), name.split("(", 1)[1])
    return [
        f"{pid} {name}"
        for pid, (parent, name) in processes.items()
        if pid != session and parent not in processes
    ]


def _wait_until(served: Served, ready, what: str) -> None:
    """Poll `ready()` every 0.1 s until it holds; ServerError if the process dies or time is up."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if served.process.poll() is not None:
            raise ServerError(
                f"{what} exited with {served.process.returncode}:\n{served.log_text()[-4000:]}"
            )
        with contextlib.suppress(OSError, http.client.HTTPException):
            if ready():
                return
        if time.monotonic() > deadline:
            raise ServerError(
                f"{what}: not ready after {START_TIMEOUT_S} s:\n{served.log_text()[-4000:]}"
            )
        time.sleep(0.1)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> int:
    """`sig` (a graceful stop), then SIGKILL to the whole group if it hangs; the exit code."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its own group: the workers too
            process.wait(timeout=10)
    return process.returncode


def _start(command: Sequence[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    """The process in a session (and group) of its own, its output into `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(
            list(command),
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


@contextlib.contextmanager
def gunicorn(
    instance: Path, log: Path, *, workers: int = 2, port: int | None = None, **settings: str
) -> Iterator[Served]:
    """gunicorn as the README starts it, serving `instance`, until every worker has booted."""
    if not GUNICORN.exists():
        raise ServerError(f"{GUNICORN} is not installed: run make test, which installs it")
    port = port or free_port()
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE": str(instance),
        "CAMPAIGN_BIND": f"127.0.0.1:{port}",
        "CAMPAIGN_WORKERS": str(workers),
        **settings,
    }
    served = Served(port, _start(GUNICORN_COMMAND, log, env), log)
    try:
        _wait_until(
            served,
            lambda: (
                status_of(port) == 200
                and served.log_text().count("Booting worker with pid") >= workers
            ),
            "gunicorn",
        )
        yield served
    finally:
        stop(served.process)


def nginx_config(listen: int, upstreams: Sequence[int]) -> str:
    """deploy/nginx.conf listening on 127.0.0.1:`listen`, in front of gunicorns on `upstreams`.

    Only the listen line and the upstream servers change: the rest is the file as shipped.
    """
    text = NGINX_CONFIG.read_text()
    server = re.compile(r"^(\s*)server 127\.0\.0\.1:\d+([^;]*);\n", re.M)
    if len(server.findall(text)) != 2 or text.count("listen 8080;") != 1:
        raise ServerError(f"{NGINX_CONFIG}: expected two upstream servers and 'listen 8080;'")
    written: list[int] = []

    def servers(match: re.Match) -> str:
        """The first server line becomes one per upstream, the second goes."""
        written.append(1)
        if len(written) > 1:
            return ""
        indent, options = match.groups()
        return "".join(f"{indent}server 127.0.0.1:{port}{options};\n" for port in upstreams)

    text = server.sub(servers, text)
    return text.replace("listen 8080;", f"listen 127.0.0.1:{listen};")


@contextlib.contextmanager
def nginx(folder: Path, upstreams: Sequence[int]) -> Iterator[Served]:
    """nginx with deploy/nginx.conf in front of `upstreams`, its files in `folder`."""
    executable = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(executable).exists():
        raise ServerError("nginx is not installed: run make test, which installs it")
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("logs", "tmp"):
        (folder / name).mkdir(exist_ok=True)
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(nginx_config(port, upstreams))
    log = folder / "logs" / "error.log"
    command = [executable, "-p", str(folder), "-c", str(config), "-g", "daemon off;"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    if checked.returncode != 0:
        raise ServerError(f"nginx -t refused the config:\n{checked.stderr}")
    served = Served(port, _start(command, folder / "nginx.out", dict(os.environ)), log)
    try:
        _wait_until(served, lambda: status_of(port) == 200, "nginx")
        yield served
    finally:
        stop(served.process, signal.SIGQUIT)  # nginx's graceful stop

"""The production command of the README, as CI runs it: gunicorn with the repository's config.

Starts `gunicorn -c python:campaign.web.gunicorn_conf app:app` on a free local port with a
fresh instance folder, waits (bounded) for /healthz, fetches pages over real HTTP, and always
stops the server, also when a test fails.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from campaign.letters import render
from campaign.models import localized
from campaign.web.config import PROJECT_ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 25  # gunicorn_conf.graceful_timeout is 20 s


@dataclass
class Served:
    """A running gunicorn: its address and its log file."""

    url: str
    process: subprocess.Popen
    log: Path


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and text of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_until_healthy(served: Served) -> None:
    """Poll /healthz until it answers ok, the process dies, or the time is up."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if served.process.poll() is not None:
            pytest.fail(
                f"gunicorn exited with {served.process.returncode}:\n{served.log.read_text()}"
            )
        with contextlib.suppress(OSError):
            status, _, text = get(served.url + "/healthz")
            if status == 200 and '"ok"' in text:
                return
        if time.monotonic() > deadline:
            pytest.fail(f"no /healthz after {START_TIMEOUT_S} s:\n{served.log.read_text()}")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> int:
    """SIGTERM (a graceful stop), then SIGKILL to the whole group if it hangs; the exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # its own group: the workers too
            process.wait(timeout=10)
    return process.returncode


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[Served]:
    """gunicorn serving the app with the repository's config (two workers)."""
    if not GUNICORN.exists():
        pytest.fail(f"{GUNICORN} is not installed: run make test, which installs it")
    folder = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE": str(folder / "instance"),
        "CAMPAIGN_BIND": f"127.0.0.1:{port}",
        "CAMPAIGN_WORKERS": "2",
    }
    log = folder / "gunicorn.log"
    command = [str(GUNICORN), "-c", "python:campaign.web.gunicorn_conf", "app:app"]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, so a hung server can be killed whole
        )
        served = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            wait_until_healthy(served)
            yield served
        finally:
            stop(process)


def test_gunicorn_answers_healthz(gunicorn):
    status, headers, text = get(gunicorn.url + "/healthz")
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert '"status":"ok"' in text.replace(" ", "")


def test_gunicorn_serves_the_campaign_page_with_security_headers(gunicorn):
    status, headers, page = get(gunicorn.url + "/")
    assert status == 200
    title = localized(render.load(PROJECT_ROOT / "letter_templates").campaign.title, "en")
    assert re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip() == title
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_gunicorn_error_pages_have_the_security_headers(gunicorn):
    status, headers, _ = get(gunicorn.url + "/no-such-page")
    assert status == 404
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_gunicorn_runs_the_configured_workers(gunicorn):
    deadline = time.monotonic() + START_TIMEOUT_S  # the second worker may still be booting
    while gunicorn.log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    text = gunicorn.log.read_text()
    assert text.count("Booting worker") >= 2
    assert "Using worker: gthread" in text


def test_gunicorn_serves_each_language_and_logs_no_query_and_no_client(gunicorn):
    status, _, page = get(gunicorn.url + "/?lang=it")
    assert status == 200
    assert "Riportare in Europa Alma Shalabayeva" in page
    deadline = time.monotonic() + 5  # the access log line is written after the response
    while '"GET / HTTP/1.1" 200' not in gunicorn.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    text = gunicorn.log.read_text()
    assert '"GET / HTTP/1.1" 200' in text  # the access log, without the query string
    assert "lang=it" not in text and "127.0.0.1 -" not in text

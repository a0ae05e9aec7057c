"""The production command of the README, as CI runs it: gunicorn with the repository's config.

Starts `gunicorn -c python:campaign.web.gunicorn_conf app:app` on a free local port with a
fresh instance folder, waits (bounded) for /healthz, fetches pages over real HTTP, and always
stops the server, also when a test fails. A second server runs the same config with a request
deadline of half a second, so that a real PDF request (and an upload that never ends) is stuck
by the watchdog's measure: its worker must end and be replaced while the site keeps answering.
Every wait here is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from campaign.letters import render
from campaign.models import localized
from campaign.web import gunicorn_conf, watchdog
from campaign.web.config import PROJECT_ROOT
from tests import servers
from tests.servers import Served, orphans, wait_for
from tests.supporters import SUPPORTER, Browser, addresses, filled_in, forms_of

START_TIMEOUT_S = servers.START_TIMEOUT_S
# The impatient server's request deadline: far above a warm page (a few ms; workers are warmed
# up before their first connection), below a PDF of EDITED_BODY (see there).
DEADLINE_S = 0.5
REPLACED_TIMEOUT_S = 15  # for a stuck request to be ended and its worker replaced
# Each letter as edited in the preview, within the form's limits (60 paragraphs, 10,000
# characters): 416 short lines, 80 pages for the 8 letters (the limit is 100), a real PDF that
# takes a few times the deadline even in a warm PDF worker on a fast machine (1.5 s here,
# quiet; 3 s under a load of 9).
EDITED_BODY = "\n".join(["Alma Shalabayeva, Alua."] * 420)[:9999]


def get(url: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and text of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[Served]:
    """gunicorn with the repository's config, as in production."""
    folder = tmp_path_factory.mktemp("gunicorn")
    with servers.gunicorn(folder / "instance", folder / "gunicorn.log") as served:
        yield served


@pytest.fixture(scope="module")
def impatient(tmp_path_factory) -> Iterator[Served]:
    """The same, with a request deadline of DEADLINE_S: a first PDF is stuck by that measure."""
    folder = tmp_path_factory.mktemp("gunicorn-deadline")
    settings = {watchdog.VARIABLE: str(DEADLINE_S)}
    with servers.gunicorn(folder / "instance", folder / "gunicorn.log", **settings) as served:
        wait_for(lambda: len(live_workers(served)) == 2, START_TIMEOUT_S, "two workers")
        yield served


def live_workers(served: Served) -> set[int]:
    """The worker pids the log says were booted and have not exited."""
    text = served.log.read_text()
    booted = {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", text)}
    gone = {int(pid) for pid in re.findall(r"Worker \(pid:(\d+)\) (?:exited|was sent)", text)}
    return booted - gone


def ended_worker(served: Served) -> int:
    """The pid of the worker the watchdog ended last (it names its request: method and path)."""
    found = re.findall(
        r"CRITICAL\] request stuck for [\d.]+ s, past the [\d.]+ s deadline: (.*?); "
        r"ending worker (\d+)",
        served.log.read_text(),
    )
    assert found, served.log.read_text()
    return int(found[-1][1])


def pdf_request(served: Served) -> tuple[http.client.HTTPConnection, bytes, dict[str, str]]:
    """A keep-alive connection after GET /write, and a valid POST /letters.pdf for it.

    The form's fields: the supporter, every office the form lists, the token; each letter as
    edited in the preview (EDITED_BODY).
    """
    address = urlsplit(served.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
    connection.request("GET", "/write")
    response = connection.getresponse()
    page = response.read().decode()
    assert response.status == 200
    cookie = response.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    offices = re.findall(r'name="offices" value="([^"]+)"', page)
    assert len(offices) >= 2
    form = {**SUPPORTER, "offices": offices, "csrf_token": token}
    form.update({f"body-{office}": EDITED_BODY for office in offices})
    headers = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
    return connection, urlencode(form, doseq=True).encode(), headers


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


def test_each_worker_has_its_pdf_workers_before_the_first_pdf(gunicorn):
    """post_worker_init starts the PDF workers, warm: the first PDF waits for no start-up."""
    wait_for(lambda: len(live_workers(gunicorn)) == 2, START_TIMEOUT_S, "two workers")

    def pdf_workers() -> dict[int, list[int]]:
        forkservers = {
            worker: [pid for pid in children(worker) if b"forkserver" in command_line(pid)]
            for worker in live_workers(gunicorn)
        }
        return {
            worker: [child for server in servers for child in children(server)]
            for worker, servers in forkservers.items()
        }

    # Two cores shared by two web processes: a PDF worker each (render_pool.default_size).
    wait_for(lambda: all(len(w) == 1 for w in pdf_workers().values()), 20, "the PDF workers")
    assert "POST /letters.pdf" not in gunicorn.log.read_text()


def children(parent: int) -> list[int]:
    """The live processes whose parent is `parent`."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == parent and state != "Z":
                found.append(int(stat.parent.name))
    return found


def command_line(pid: int) -> bytes:
    """The command line of a process, or b"" once it has gone."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""


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


FLOOD = 24  # PDF requests at once: more than two workers let wait (2 x (4 + 1))


def edited_pdf_request(port: int, address: str) -> tuple[Browser, list[tuple[str, str]]]:
    """A supporter at `address` who has seen the preview, and the PDF form of their letters,
    each edited to the largest the form allows (EDITED_BODY): a render of seconds."""
    browser = Browser(port, address)
    form = browser.request("GET", "/write")
    preview = browser.request("POST", "/write", filled_in(form.body))
    assert preview.status == 200
    fields = [
        (name, EDITED_BODY if name.startswith("body-") else value)
        for name, value in forms_of(preview.body)["letters-form"]
    ]
    return browser, fields


def test_a_flood_of_pdfs_gets_503_with_retry_after_while_the_pages_answer(gunicorn):
    port = urlsplit(gunicorn.url).port
    flood = [edited_pdf_request(port, address) for address in islice(addresses(8_000_000), FLOOD)]
    start, answers = threading.Barrier(FLOOD + 1), []

    def post(browser: Browser, fields: list[tuple[str, str]]) -> None:
        start.wait(10)
        answers.append(browser.request("POST", "/letters.pdf", fields))

    threads = [threading.Thread(target=post, args=supporter, daemon=True) for supporter in flood]
    for thread in threads:
        thread.start()
    start.wait(10)
    pages = []
    while any(thread.is_alive() for thread in threads):  # meanwhile, other visitors
        pages += [servers.status_of(port, path) for path in ("/", "/write", "/healthz")]
    for thread in threads:
        thread.join(60)

    assert pages and set(pages) == {200}  # the pages answered while the PDFs were in flight
    assert {answer.status for answer in answers} <= {200, 503}
    refused = [answer for answer in answers if answer.status == 503]
    assert len(refused) >= FLOOD - 2 * (4 + 1)  # past what the render pools let wait
    assert {answer.header("Retry-After") for answer in refused} == {"10"}
    assert all(b"The server is busy" in answer.body for answer in refused)
    made = [answer for answer in answers if answer.status == 200]
    assert all(answer.body.startswith(b"%PDF-") for answer in made)


def test_a_pdf_past_the_deadline_ends_its_worker_while_the_site_keeps_answering(impatient):
    before = live_workers(impatient)
    connection, body, headers = pdf_request(impatient)
    outcome: dict[str, object] = {}

    def post() -> None:
        try:
            connection.request("POST", "/letters.pdf", body=body, headers=headers)
            outcome["status"] = connection.getresponse().status
        except (OSError, http.client.HTTPException) as error:
            outcome["error"] = error

    thread = threading.Thread(target=post, daemon=True)
    thread.start()
    answers = []
    deadline = time.monotonic() + REPLACED_TIMEOUT_S
    while (thread.is_alive() or not live_workers(impatient) - before) and "status" not in outcome:
        assert time.monotonic() < deadline, impatient.log.read_text()  # meanwhile, visitors:
        answers += [get(impatient.url + "/healthz")[0], get(impatient.url + "/")[0]]
        time.sleep(0.1)
    connection.close()

    # The PDF was stopped: no answer at all, the connection closed (a proxy would say 502).
    assert "status" not in outcome, f"the PDF answered {outcome} before the deadline"
    assert isinstance(outcome["error"], (ConnectionError, http.client.RemoteDisconnected))
    ended = ended_worker(impatient)
    text = impatient.log.read_text()
    assert ended in before
    assert f"Worker (pid:{ended}) exited with code {watchdog.EXIT_CODE}." in text
    after = live_workers(impatient)
    assert len(after) == 2 and ended not in after
    assert "POST /letters.pdf; ending worker" in text
    # The site answered throughout, and still does.
    assert answers and set(answers) == {200}, answers
    assert get(impatient.url + "/")[0] == 200
    assert get(impatient.url + "/healthz")[0] == 200
    # Nothing the supporter typed is in the log, nor their address; no PDF worker left behind.
    assert SUPPORTER["name"] not in text and SUPPORTER["email"] not in text
    assert "Ich schreibe" not in text and "127.0.0.1 -" not in text
    wait_for(lambda: not orphans(impatient.process.pid), 5, "end of the PDF workers")


def test_a_request_that_never_finishes_ends_its_worker(impatient):
    before = live_workers(impatient)
    address = urlsplit(impatient.url)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(  # the head of a form, and then never the rest of its body
            b"POST /letters.pdf?note=a-secret-note HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n"
            b"\r\nname=Maria"
        )
        try:
            answer = raw.recv(1024)  # b"" when the server closes the connection
        except ConnectionResetError:
            answer = b""
    waited = time.monotonic() - started

    assert answer == b""
    assert waited < DEADLINE_S + 5
    wait_for(lambda: len(live_workers(impatient) - before) == 1, REPLACED_TIMEOUT_S, "new worker")
    ended = ended_worker(impatient)
    assert ended in before and ended not in live_workers(impatient)
    text = impatient.log.read_text()
    assert "POST /letters.pdf; ending worker" in text
    assert "a-secret-note" not in text  # the method and path only, never the query
    assert get(impatient.url + "/")[0] == 200


class Request:
    """A request thread of a fake worker: it starts a request, and ends it when released."""

    def __init__(self, dog: watchdog.Watchdog, method: str, path: str):
        self.started, self.release = threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self.run, args=(dog, method, path), daemon=True)
        self.thread.start()
        assert self.started.wait(5)

    def run(self, dog: watchdog.Watchdog, method: str, path: str) -> None:
        dog.started(method, path)
        self.started.set()
        self.release.wait(10)
        dog.finished()

    def finish(self) -> None:
        self.release.set()
        self.thread.join(5)


def watched(**options) -> tuple[watchdog.Watchdog, list[str], list[float]]:
    """A watchdog on a fake clock (list[0]), recording what it logs, stops and ends."""
    events: list[str] = []
    now = [0.0]
    dog = watchdog.Watchdog(
        10,
        grace_s=100,
        log=events.append,
        stop=lambda: events.append("stop"),
        end=lambda: events.append("end"),
        clock=lambda: now[0],
        check_every_s=0.01,
        **options,
    )
    return dog, events, now


def test_the_watchdog_names_the_stuck_request_and_lets_the_others_finish():
    dog, events, now = watched()
    stuck = Request(dog, "POST", "/letters.pdf")
    now[0] = 5
    other = Request(dog, "GET", "/")
    quick = Request(dog, "GET", "/write")
    quick.finish()
    thread = dog.start()
    time.sleep(0.1)
    assert events == []  # nothing is past the deadline yet
    now[0] = 11
    wait_for(lambda: "stop" in events, 5, "stop")
    time.sleep(0.1)
    assert events == [
        f"request stuck for 11.00 s, past the 10 s deadline: POST /letters.pdf; ending worker "
        f"{os.getpid()} so that a fresh one takes its place",
        "stop",
    ]  # GET / is still running: the worker is not ended under it
    other.finish()
    thread.join(5)
    assert events[-1] == "end"
    stuck.finish()


def test_the_watchdog_waits_for_open_connections_at_most_the_grace():
    open_connections = [2]  # the stuck request's, and one not yet read
    dog, events, now = watched(connections=lambda: open_connections[0])
    stuck = Request(dog, "POST", "/letters.pdf")
    now[0] = 11
    thread = dog.start()
    wait_for(lambda: "stop" in events, 5, "stop")
    time.sleep(0.1)
    assert "end" not in events
    now[0] = 200  # past the grace: ended even with the connection still open
    thread.join(5)
    assert events[-1] == "end"
    stuck.finish()


def test_ending_a_worker_kills_its_pdf_workers(tmp_path):
    script, pid_file = tmp_path / "worker.py", tmp_path / "child.pid"
    script.write_text(
        "import multiprocessing, pathlib, sys, time\n"
        "from campaign.web import watchdog\n"
        "child = multiprocessing.get_context('fork').Process(target=time.sleep, args=(60,))\n"
        "child.start()\n"
        "pathlib.Path(sys.argv[1]).write_text(str(child.pid))\n"
        "watchdog.end_process()\n"
    )
    with (tmp_path / "output").open("w+") as output:  # a file: the child must not hold a pipe
        done = subprocess.run(
            [sys.executable, str(script), str(pid_file)],
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=20,
        )
        output.seek(0)
        assert done.returncode == watchdog.EXIT_CODE, output.read()
    child = int(pid_file.read_text())

    def gone() -> bool:
        try:
            stat = (Path("/proc") / str(child) / "stat").read_text()
        except OSError:
            return True
        return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended

    try:
        wait_for(gone, 5, "end of the PDF worker")
    finally:
        if not gone():
            os.kill(child, signal.SIGKILL)


@pytest.mark.parametrize(
    ("value", "deadline"), [(None, 30.0), ("", 30.0), ("0", 0.0), ("2.5", 2.5), (" 45 ", 45.0)]
)
def test_the_request_deadline_comes_from_the_environment(value, deadline):
    environ = {} if value is None else {watchdog.VARIABLE: value}
    assert watchdog.deadline_from(environ) == deadline


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan"])
def test_a_wrong_request_deadline_is_refused(value):
    with pytest.raises(ValueError, match=watchdog.VARIABLE):
        watchdog.deadline_from({watchdog.VARIABLE: value})


def test_the_deadlines_are_in_order():
    from campaign.web.config import DEFAULTS

    longest_pdf = DEFAULTS["PDF_RENDER_WAIT_S"] + DEFAULTS["PDF_DEADLINE_S"]
    assert longest_pdf < gunicorn_conf.graceful_timeout < watchdog.DEFAULT_DEADLINE_S
    assert gunicorn_conf.worker_class == "gthread"

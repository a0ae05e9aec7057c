"""A worker's memory across 100 hostile live previews of the letter editor (measured, not asserted).

Starts gunicorn with the repository's config and one worker on a free loopback port, with a
fresh instance folder and one organiser, signs in, then posts 100 letter sources built to
allocate hundreds of MB (repetition, joins of generators, replace, block sets, format widths,
runaway loops) to POST /admin/letters/en/preview. Prints the worker's RSS before, every 25
previews and after, the slowest preview, and the answers' status counts.

    .venv/bin/python benchmarks/hostile_memory.py
"""

from __future__ import annotations

import collections
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign.storage import organisers  # noqa: E402

NAME, PASSWORD = "bench.organiser", "a long passphrase nobody would guess 7"
SOURCES = [
    "{{ 'x' * 20000 ~ 'y' * 20000 }}",
    "{{ range(10000)|join('x' * 20000) }}",
    "{{ ('a' * 20000)|replace('a', 'b' * 20000) }}",
    "{% set b %}{% for i in range(10000) %}{{ 'y' * 10000 }}{% endfor %}{% endset %}{{ b }}",
    "{{ '%(a)999999999s' % {'a': 'x'} }}",
    "{{ ('\t' * 20000).expandtabs(10000) }}",
    "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
    "{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}"
    "{% endfor %}",
]


def free_port() -> int:
    """A TCP port on loopback nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def worker_pid(master: int) -> int:
    """The one worker of a gunicorn master."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="hostile-memory-"))
    instance = folder / "instance"
    organisers.add(instance, NAME, PASSWORD)
    port = free_port()
    env = {
        **os.environ,
        "CAMPAIGN_INSTANCE": str(instance),
        "CAMPAIGN_BIND": f"127.0.0.1:{port}",
        "CAMPAIGN_WORKERS": "1",
        "CAMPAIGN_SECURE_COOKIES": "0",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c"]
    command += ["python:campaign.web.gunicorn_conf", "app:app"]
    log = (folder / "gunicorn.log").open("wb")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        run(base, server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def run(base: str, master: int) -> None:
    """Sign in, then post the hostile previews and report."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    deadline = time.monotonic() + 30
    while True:
        try:
            opener.open(base + "/healthz", timeout=5).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    token = re.search(r'name="csrf_token" value="([^"]+)"', get(opener, base + "/admin")).group(1)
    post(opener, base + "/admin", {"csrf_token": token, "name": NAME, "password": PASSWORD})
    page = get(opener, base + "/admin/letters/en")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    pid = worker_pid(master)
    statuses: collections.Counter[int] = collections.Counter()
    refusals: dict[str, str] = {}
    slowest = 0.0
    print(f"worker {pid}: RSS before {rss_mb(pid):.1f} MB")
    for number in range(1, 101):
        source = "Dear {{ recipient.office }},\n\n" + SOURCES[number % len(SOURCES)]
        start = time.monotonic()
        fields = {"csrf_token": token, "source": source}
        status, text = post(opener, base + "/admin/letters/en/preview", fields)
        statuses[status] += 1
        refusals.setdefault(SOURCES[number % len(SOURCES)][:40], text[:160])
        slowest = max(slowest, time.monotonic() - start)
        if number % 25 == 0:
            print(f"  after {number:3d} previews: RSS {rss_mb(pid):.1f} MB")
    print(f"slowest preview {slowest * 1000:.0f} ms; answers {dict(statuses)}")
    print(f"same worker after: {worker_pid(master) == pid}")
    for source, answer in refusals.items():
        print(f"  {source!r}: {answer}")


def get(opener, url: str) -> str:
    """The text of a GET."""
    with opener.open(url, timeout=30) as response:
        return response.read().decode()


def post(opener, url: str, fields: dict) -> tuple[int, str]:
    """Status and text of a form POST, error statuses included."""
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


if __name__ == "__main__":
    main()

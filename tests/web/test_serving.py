"""The production command starts and serves the campaign page (gunicorn with the repo's config)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from campaign.web.config import PROJECT_ROOT

GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_the_campaign_page(tmp_path):
    port = free_port()
    env = {**os.environ, "CAMPAIGN_INSTANCE": str(tmp_path), "CAMPAIGN_BIND": f"127.0.0.1:{port}"}
    command = [str(GUNICORN), "-c", "python:campaign.web.gunicorn_conf", "app:app"]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=output, stderr=output)
        try:
            page = fetch(f"http://127.0.0.1:{port}/?lang=it", deadline=time.monotonic() + 30)
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert "Riportare in Europa Alma Shalabayeva" in page
    text = log.read_text()
    assert "Booting worker" in text
    assert '"GET / HTTP/1.1" 200' in text  # the access log, without the query string
    assert "lang=it" not in text and "127.0.0.1 -" not in text


def fetch(url: str, deadline: float) -> str:
    """The page at `url`, retrying while the server starts."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.read().decode()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)

"""No supporter data at rest: the whole journey, then a search of the database, files and logs."""

from __future__ import annotations

import http.cookiejar
import logging
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from campaign.storage import counts
from tests.web.pages import write_data

SUPPORTER = {
    "name": "Zebulon Quixote-Farnsworth",
    "street": "Ystradgynlais Lane 77",
    "postcode": "WV99 9ZQ",
    "city": "Wolverhampton",
    "country": "GB",
    "email": "zq.farnsworth@example.net",
    "note": "Xylophonist from Llanfairpwll who cares deeply",
}
EDIT = "Edited paragraph mentioning Quibblethwaite"


def needles() -> list[bytes]:
    """What must appear nowhere: each detail, whole and in distinctive parts, in several forms."""
    words = [
        "Quixote",
        "Farnsworth",
        "Ystradgynlais",
        "WV99",
        "Wolverhampton",
        "zq.farnsworth",
        "Xylophonist",
        "Llanfairpwll",
        "Quibblethwaite",
    ]
    forms = set()
    for word in [*SUPPORTER.values(), EDIT, *words]:
        if len(word) < 4:
            continue
        for variant in (
            word,
            word.lower(),
            urllib.parse.quote(word),
            urllib.parse.quote_plus(word),
        ):
            forms.add(variant.encode())
            forms.add(variant.encode("utf-16-le"))
    forms.discard(b"GB")
    return sorted(forms)


class Browser:
    """A client with cookies, talking HTTP to a real server."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, bytes]:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _open(self, request) -> tuple[int, bytes]:
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


@pytest.fixture
def server(app):
    """The app on the Werkzeug server (as `flask run` serves it), so its log is real."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()


def token(page: bytes) -> str:
    """The CSRF token of a page."""
    return re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()


def run_journey(base: str) -> None:
    """Everything a supporter does, with a mistake on the way and an edit in the preview."""
    browser = Browser(base)
    assert browser.get("/")[0] == 200
    status, form = browser.get("/write")
    data = {
        "csrf_token": token(form),
        **SUPPORTER,
        "offices": ["it-interior", "kz-nsc-atyrau"],
        "language": "auto",
    }
    assert browser.post("/write", {**data, "email": "zq.farnsworth@"})[0] == 400
    status, preview = browser.post("/write", data)
    assert status == 200 and b"Xylophonist" in preview
    edited = {**data, "body-it-interior": EDIT, "subject-it-interior": "Subject of Quixote"}
    assert browser.post("/preview", edited)[0] == 200
    assert browser.post("/preview/links", edited)[0] == 200
    status, letters = browser.post("/letters.pdf", edited)
    assert status == 200 and letters.startswith(b"%PDF")
    assert browser.post("/letters/it-interior.pdf", edited)[0] == 200
    status, eml = browser.post("/letters/kz-nsc-atyrau.eml", edited)
    assert status == 200 and b"Xylophonist" in eml
    assert browser.post("/letters.pdf", {**edited, "csrf_token": "bad"})[0] == 400
    assert browser.post("/preview", {**edited, "subject-it-interior": ""})[0] == 400
    receipt = re.search(rb'name="receipt" value="([^"]+)"', preview).group(1).decode()
    sent = {
        "csrf_token": token(preview),
        "receipt": receipt,
        "sent": ["it-interior:post", "kz-nsc-atyrau:email"],
    }
    status, thanks = browser.post("/sent", sent)
    assert status == 200 and b"2 letters" in thanks
    assert browser.get("/?lang=ru")[0] == 200


def test_the_journey_leaves_no_supporter_data_anywhere(app, server, instance, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    logging.getLogger("werkzeug").setLevel(logging.DEBUG)
    run_journey(server)
    assert counts.total(app.extensions["campaign.site"].database) == 2

    logs = caplog.text.encode() + "".join(capfd.readouterr()).encode()
    assert b"POST /letters.pdf" in logs  # the server's request log was captured
    files = [path for path in Path(instance).rglob("*") if path.is_file()]
    assert any(path.name == "campaign.sqlite3" for path in files)
    for path in files:
        content = path.read_bytes()
        for needle in needles():
            assert needle not in content, f"{needle!r} found in {path.name}"
    for needle in needles():
        assert needle not in logs, f"{needle!r} found in the logs"


def test_the_session_holds_only_the_csrf_token(app, client):
    client.post("/write", data=write_data(client, name="Zebulon Quixote", note="Xylophonist"))
    cookie = client.get_cookie("session")
    session = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    assert set(session) == {"csrf_token"}
    assert "Zebulon" not in repr(session) and "Xylophonist" not in repr(session)

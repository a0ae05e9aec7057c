"""Supporters over real HTTP, for the tests and the benchmarks of running servers: a browser
(one address, one kept-alive connection, one session), the forms of a page as a browser sends
them, and the whole journey from the campaign page to "I sent it".
"""

from __future__ import annotations

import html.parser
import http.client
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

REQUEST_TIMEOUT_S = 60
SUPPORTER = {
    "name": "Maria Rossi",
    "street": "Via Roma 12",
    "postcode": "20121",
    "city": "Milano",
    "country": "IT",
    "email": "maria.rossi@example.org",
    "note": "I teach history in Milan.",
    "language": "auto",
}
REPORT_ATTEMPTS = 3  # a supporter presses "I sent it" again after a 503, at most this often
LONGEST_RETRY_WAIT_S = 10


class Forms(html.parser.HTMLParser):
    """The fields each form of a page would send: hidden inputs, textareas, checkboxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._form: str | None = None
        self._textarea: tuple[str, str] | None = None  # (form, name) of the open textarea
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        owner = values.get("form") or self._form
        if tag == "form":
            self._form = values.get("id", "")
            self.forms.setdefault(self._form, [])
        elif tag == "input" and owner is not None and values.get("name"):
            if values.get("type", "text") in ("hidden", "checkbox"):  # every checkbox ticked
                self.forms.setdefault(owner, []).append((values["name"], values.get("value", "")))
        elif tag == "textarea" and owner is not None and values.get("name"):
            self._textarea, self._text = (owner, values["name"]), []

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea:
            owner, name = self._textarea
            self.forms.setdefault(owner, []).append((name, "".join(self._text).lstrip("\n")))
            self._textarea = None


def forms_of(page: bytes) -> dict[str, list[tuple[str, str]]]:
    """Form id -> the fields a browser would send (a form without an id is "")."""
    parser = Forms()
    parser.feed(page.decode("utf-8", "replace"))
    return parser.forms


def token(page: bytes) -> tuple[str, str]:
    """The csrf_token field of a page's first form that has one."""
    for fields in forms_of(page).values():
        for name, value in fields:
            if name == "csrf_token":
                return name, value
    raise ValueError("no csrf_token on the page")


def filled_in(form_page: bytes) -> list[tuple[str, str]]:
    """The form of /write as a supporter sends it: its token, every office, who they are."""
    kept = [
        item for item in forms_of(form_page)["write-form"] if item[0] in ("csrf_token", "offices")
    ]
    return [*kept, *SUPPORTER.items()]


def addresses(first: int = 0) -> Iterator[str]:
    """A client address of 127/8 for each new supporter: 127.1.0.1, 127.1.0.2, ... (Linux
    answers the whole of 127/8 on its loopback), so that each has limits of its own."""
    for number in itertools.count(first):
        third, fourth = divmod(number % 65_000, 250)
        yield f"127.{1 + number // 65_000}.{third}.{fourth + 1}"


@dataclass
class Answer:
    """One answer: its status (or the name of the error), headers, body and time."""

    status: int | str
    headers: http.client.HTTPMessage | None
    body: bytes
    elapsed_ms: float
    sent_again: bool = False  # its kept-alive connection broke first, the browser sent it again

    def header(self, name: str) -> str:
        """A header's value, or ''."""
        return (self.headers.get(name) if self.headers is not None else None) or ""


class Browser:
    """One supporter: one address, one kept-alive connection to one server, one session."""

    def __init__(self, port: int, address: str = "127.0.0.1"):
        self.port, self.address = port, address
        self.connection: http.client.HTTPConnection | None = None
        self.cookie = ""
        self.sent_again = False

    def request(
        self, method: str, path: str, fields: list[tuple[str, str]] | None = None
    ) -> Answer:
        """Send one request; an error is an Answer too, and the connection is opened again."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S, source_address=(self.address, 0)
            )
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        start = time.perf_counter()
        self.sent_again = False
        try:
            response, content = self._exchange(method, path, body, headers)
        except (http.client.HTTPException, OSError) as error:
            self.close()
            elapsed = (time.perf_counter() - start) * 1000
            return Answer(type(error).__name__, None, b"", elapsed, self.sent_again)
        elapsed = (time.perf_counter() - start) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith("session="):
                self.cookie = header.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Answer(response.status, response.headers, content, elapsed, self.sent_again)

    def _exchange(
        self, method: str, path: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[http.client.HTTPResponse, bytes]:
        """The response; sent again once on a new connection when a kept-alive one turns
        out closed before any answer, as browsers do (the server's keep-alive ended)."""
        assert self.connection is not None
        reused = self.connection.sock is not None
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            if not reused:
                raise
            self.sent_again = True
            self.connection.close()
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
        return response, response.read()

    def close(self) -> None:
        """Close the connection."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Report:
    """The "I sent it" of a journey: the letters it named, and whether they were counted:
    True (answered 303), False (refused: 429, never counted), None (no answer said)."""

    letters: int
    counted: bool | None


def journey(
    browser: Browser, record: Callable[[str, Answer], object], until: float
) -> Report | None:
    """One supporter's journey, each answer given to `record(step, answer)`: the campaign
    page, the form, the preview, the PDF of every letter, "I sent it" (every channel ticked;
    pressed again after a 503 or no answer, as a supporter would), the thanks. It stops at a
    step that fails before the report (None)."""

    def step(name: str, method: str, path: str, fields=None) -> Answer:
        answer = browser.request(method, path, fields)
        record(name, answer)
        return answer

    campaign = step("GET /", "GET", "/")
    if campaign.status != 200:
        return wait_as_told(browser, campaign, until)
    form = step("GET /write", "GET", "/write")
    if form.status != 200:
        return wait_as_told(browser, form, until)
    preview = step("POST /write", "POST", "/write", filled_in(form.body))
    if preview.status != 200:
        return wait_as_told(browser, preview, until)
    page = forms_of(preview.body)
    step("POST /letters.pdf", "POST", "/letters.pdf", page["letters-form"])
    fields = page["sent-form"]
    report = Report(sum(1 for name, _ in fields if name == "sent"), None)
    for attempt in range(REPORT_ATTEMPTS):
        answer = step("POST /sent", "POST", "/sent", fields)
        if answer.status == 303:
            report.counted = True
            thanks = urlsplit(answer.header("Location"))
            step("GET /thanks", "GET", f"{thanks.path}?{thanks.query}")
            break
        if answer.status == 429:
            report.counted = False
            break
        if time.monotonic() > until or attempt == REPORT_ATTEMPTS - 1:
            break
        wait_as_told(browser, answer, until + LONGEST_RETRY_WAIT_S)
    return report


def wait_as_told(browser: Browser, answer: Answer, until: float) -> None:
    """After a 503 or 429, wait as its Retry-After says (at most LONGEST_RETRY_WAIT_S, and not
    past `until`), as a supporter told "try again in a few seconds" does; None. The connection
    is closed first: the server would end it meanwhile (its keep-alive is 5 s)."""
    if answer.status not in (429, 503):
        return None
    browser.close()
    told = answer.header("Retry-After")
    wait = min(int(told) if told.isdigit() else 1, LONGEST_RETRY_WAIT_S)
    time.sleep(max(0.0, min(wait, until - time.monotonic())))
    return None

"""Browser fixtures: the real app on a free local port, and the Debian chromium via Playwright.

The browser tests drive the app as a supporter would, over HTTP, in a headless chromium.
`playwright install` cannot download browsers here, so the system's /usr/bin/chromium is used,
with the switches that keep it from calling Google's services.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

from campaign.web import create_app
from tests.browser.journey import EMAIL_ADDRESS, EMAIL_OFFICE, VIEWPORTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
# Generous limits by default: a journey makes several PDFs and drafts from one address.
DEFAULT_LIMITS = {"RATE_LIMIT": 1000, "SENT_RATE_LIMIT": 1000}


@dataclass
class LiveServer:
    """The app served over HTTP by werkzeug in a background thread."""

    url: str  # http://127.0.0.1:<port>, no trailing slash
    app: object
    instance: Path
    recipients: Path  # the directory it serves


@pytest.fixture
def site_emails() -> dict[str, str]:
    """One office gets an e-mail address on a reserved domain.

    The bundled offices have no known e-mail, so there would be no mailto link to check. The
    office is one whose English letter fits the mailto budget with an edit added.
    """
    return {EMAIL_OFFICE: EMAIL_ADDRESS}


@pytest.fixture
def campaign_files(site) -> Path:
    """The folder of the copy of the campaign the browser tests serve."""
    return site.recipients.parent


@pytest.fixture
def start_server(campaign_files: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start the app on a free port with a fresh instance folder; config values may be given."""
    servers = []

    def start(**config) -> LiveServer:
        instance = campaign_files / f"instance-{len(servers)}"
        app = create_app(
            {
                "INSTANCE_PATH": str(instance),
                "RECIPIENTS": str(campaign_files / "recipients.yaml"),
                "TEMPLATES": str(campaign_files / "letter_templates"),
                **DEFAULT_LIMITS,
                **config,
            }
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return LiveServer(
            f"http://127.0.0.1:{server.server_port}",
            app,
            instance,
            campaign_files / "recipients.yaml",
        )

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def live_server(start_server) -> LiveServer:
    """The app with the default (generous) limits."""
    return start_server()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Debian chromium for the whole session."""
    if not CHROMIUM.exists():
        # Never a skip: CI must run the browser tests. `make test` installs chromium.
        pytest.fail("the browser tests need Debian's chromium: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watched:
    """A page with what it did: every request, console errors, uncaught exceptions."""

    page: Page
    context: BrowserContext
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def assert_no_console_errors(self) -> None:
        """No JavaScript error and no console error (but for error statuses the test expects)."""
        unexpected = [
            message
            for message in self.console_errors
            if not any(
                f"the server responded with a status of {status}" in message
                for status in self.expected_statuses
            )
        ]
        assert not unexpected, f"console errors: {unexpected}"


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Watched]]:
    """Open a page in a new browser context (viewport "360px" or "1280px"), watching it."""
    contexts = []

    def open_(viewport: str = "1280px", **context_options) -> Watched:
        size = VIEWPORTS[viewport]
        phone = size["width"] < 600
        context = browser.new_context(
            viewport=size,
            is_mobile=phone,
            has_touch=phone,
            locale="en-GB",
            accept_downloads=True,
            **context_options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        watched = Watched(context.new_page(), context)
        # Requests of every page of the context (a popup included), not just the first one.
        context.on("request", lambda request: watched.requests.append(request.url))
        watched.page.on("pageerror", lambda error: watched.console_errors.append(str(error)))
        watched.page.on(
            "console",
            lambda message: (
                watched.console_errors.append(f"{message.text} ({message.location.get('url')})")
                if message.type == "error"
                else None
            ),
        )
        return watched

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def screenshots() -> Callable[[str], Callable[..., None]]:
    """A folder test-artifacts/screenshots/<name>/ (emptied first) and a numbered shot taker.

    Whole pages by default; `full_page=False` shoots what is in the viewport (faster: the
    preview is tens of thousands of pixels tall at 360 px).
    """

    def folder(name: str) -> Callable[..., None]:
        target = ARTIFACTS / "screenshots" / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        counter = iter(range(1, 100))

        def shoot(page: Page, step: str, full_page: bool = True) -> None:
            page.screenshot(path=target / f"{next(counter):02d}-{step}.png", full_page=full_page)

        return shoot

    return folder


@pytest.fixture
def downloads_folder() -> Callable[[str], Path]:
    """test-artifacts/downloads/<name>/, emptied first: the files the browser downloaded."""

    def folder(name: str) -> Path:
        target = ARTIFACTS / "downloads" / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        return target

    return folder

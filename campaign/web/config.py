"""Configuration: defaults, the instance folder, paths from the environment, the secret key."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from campaign import limits
from campaign.errors import CampaignError
from campaign.letters.render_pool import default_size
from campaign.models import DEFAULT_LANGUAGE, LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the parent of the campaign package
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - a file name, not a secret

DEFAULTS = {
    "RECIPIENTS": str(PROJECT_ROOT / "recipients.yaml"),
    "TEMPLATES": str(PROJECT_ROOT / "letter_templates"),
    # The shared state (counts, limits, accounts, audit log, versions) of every worker and
    # host: a postgresql:// URL, or None for the SQLite file <instance>/campaign.sqlite3.
    "DATABASE_URL": None,
    # How often each worker looks for a version another host published (one small query).
    "PUBLISHED_POLL_S": 2.0,
    # The preview posts every letter back (multipart, so Cyrillic costs 2 bytes a letter, not
    # the 6 of URL encoding): 8 letters edited to limits.BODY stay under 256 KiB.
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # Werkzeug's multipart decoder compares this with its buffer plus a 64 KiB read, so a value
    # near 64 KiB refuses ordinary forms at random; fields have their own limits in the app.
    "MAX_FORM_MEMORY_SIZE": 256 * 1024,
    # PDFs are made in warm worker processes (letters.render_pool), this many per web process:
    # WeasyPrint is not thread-safe and holds the GIL, so in a web thread it would slow every
    # other page. None: the cores shared among the WEB_PROCESSES (render_pool.default_size).
    "PDF_RENDERS_PER_PROCESS": None,
    # How many web processes share this machine's cores, each with its own PDF workers: 1 for
    # `flask run`; gunicorn's config says its number of workers (CAMPAIGN_WEB_PROCESSES).
    "WEB_PROCESSES": 1,
    # Admission (campaign.admission), where a PDF request would otherwise queue: it waits for a
    # render worker at most PDF_RENDER_WAIT_S, and is refused (503 with Retry-After) at once
    # when the renders in progress and the requests ahead of it would keep it waiting longer,
    # or when PDF_MAX_WAITING requests of this web process wait already. So a full server
    # says so within a second, instead of answering PDFs after 5 to 8 s as it did with a 5 s
    # wait (benchmarks/RESULTS.md), and PDF requests hold at most 4 + the PDF workers (one on
    # two cores with two web processes) of a web process's 16 threads (gunicorn_conf.threads):
    # the others serve the pages meanwhile. A render takes 0.2 to 1.5 s, so 4 waiting is
    # about what one worker starts in a second.
    "PDF_RENDER_WAIT_S": 1.0,
    "PDF_MAX_WAITING": 4,
    # A render still running after this is stopped (the worker is killed and replaced): the
    # most a PDF request can take. The largest request the form allows takes about 4 s.
    "PDF_DEADLINE_S": 15.0,
    "RETRY_AFTER_S": 10,
    # The supporters' other form posts (the preview, its links, an e-mail draft, "I sent it")
    # do their work in the web process itself, holding its GIL: a process running many at
    # once runs each slower (one process computes on one core whatever its threads), every
    # page with them, and the database's write lock, held meanwhile, with them. So
    # FORM_POSTS_AT_ONCE run at once in a process (two: one computes while the other waits
    # for the database); the next waits for its turn at most FORM_POST_WAIT_S, or is refused
    # at once (503 with Retry-After) when FORM_POSTS_WAITING wait already or the posts ahead
    # would keep it longer (campaign.admission). The pages (GET) never wait for this: with
    # the PDFs (4 + 1) and the form posts (4 + 2), 5 of a process's 16 threads stay for them.
    "FORM_POSTS_AT_ONCE": 2,
    "FORM_POSTS_WAITING": 4,
    "FORM_POST_WAIT_S": 1.0,
    "RATE_LIMIT": 20,  # PDF and .eml generations per client and window, across all workers
    "RATE_WINDOW_S": 60,
    # "I sent it" reports per client in an hour; each counts an office and channel once, so
    # one client adds at most SENT_RATE_LIMIT x (the channels of all offices) letters an hour.
    "SENT_RATE_LIMIT": 10,
    "SENT_WINDOW_S": 3600,
    # "What happened next" reports per client in an hour, as for "I sent it": each counts an
    # office and channel once, with one kind.
    "REPORT_RATE_LIMIT": 10,
    "REPORT_WINDOW_S": 3600,
    # Reverse proxies in front (nginx: 1) whose X-Forwarded-For may be believed: the limits
    # per client then see the supporter's address, the last one the proxies added. 0 without a
    # proxy, or a client could claim any address and escape its limits.
    "TRUSTED_PROXIES": 0,
    # The organisers' console: failed sign-ins in a window, across all workers, from one client
    # for one account and for any; past ACCOUNT_FREE failures of an account from anywhere, each
    # try waits a delay that doubles up to MAX_DELAY (so nobody can lock an organiser out for
    # more than that); how long a session lasts; the largest CSV to import.
    "ADMIN_SIGNIN_ACCOUNT_LIMIT": 5,
    "ADMIN_SIGNIN_CLIENT_LIMIT": 20,
    "ADMIN_SIGNIN_ACCOUNT_FREE": 10,
    "ADMIN_SIGNIN_MAX_DELAY_S": 60,
    "ADMIN_SIGNIN_WINDOW_S": 15 * 60,
    "ADMIN_SESSION_MAX_AGE_S": 12 * 3600,
    # The second factor: how long a sign-in may wait between the password and the code (the
    # pending sign-in lives only in the signed session cookie); whether every organiser must
    # have the factor (those without are sent to set it up, and reach nothing else meanwhile).
    "ADMIN_SIGNIN_PENDING_S": 5 * 60,
    "REQUIRE_2FA": False,
    "ADMIN_IMPORT_MAX_BYTES": limits.UPLOAD_BYTES,
    # The console's Print page: a supporters' CSV of at most this many bytes and rows, printed
    # within this many seconds (a request still running after CAMPAIGN_REQUEST_DEADLINE_S, 30 s,
    # ends its worker); the campaign page's address for the kit's QR code (default: this
    # site's own page, as the request names it).
    "ADMIN_BATCH_MAX_BYTES": limits.BATCH_UPLOAD_BYTES,
    "ADMIN_BATCH_MAX_ROWS": limits.BATCH_UPLOAD_ROWS,
    "ADMIN_BATCH_SECONDS": limits.BATCH_CONSOLE_S,
    "CAMPAIGN_URL": None,
    "LANGUAGES": LANGUAGES,
    "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
    "LANG_COOKIE": "lang",
    # The CSRF token lives as long as the browser session: a supporter who spends an hour on
    # the preview must not lose their edits to an expired token.
    "WTF_CSRF_TIME_LIMIT": None,
    # Flask-WTF's strict mode demands a Referer on HTTPS, which Referrer-Policy: no-referrer
    # never sends; the token plus SameSite cookies and a Sec-Fetch-Site check do the job.
    "WTF_CSRF_SSL_STRICT": False,
    "WTF_I18N_ENABLED": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": None,  # None: decided by `secure_cookies` when the app is made
}

TRUSTED_PROXIES_VARIABLE = "CAMPAIGN_TRUSTED_PROXIES"
MAX_PROXIES = 5  # more proxies in a row than this is a mistake, not a setup

# Environment variable -> config key; a value from the environment wins over the defaults.
ENVIRONMENT = {
    "CAMPAIGN_RECIPIENTS": "RECIPIENTS",
    "CAMPAIGN_TEMPLATES": "TEMPLATES",
    "CAMPAIGN_SECRET_KEY": "SECRET_KEY",
    "CAMPAIGN_DATABASE_URL": "DATABASE_URL",
    "CAMPAIGN_WEB_PROCESSES": "WEB_PROCESSES",
    "CAMPAIGN_URL": "CAMPAIGN_URL",
}


def instance_path(test_config: dict | None) -> Path:
    """The instance folder: from the test config, $CAMPAIGN_INSTANCE, or instance/ at the root."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get("CAMPAIGN_INSTANCE")
    path = Path(chosen) if chosen else PROJECT_ROOT / "instance"
    path.mkdir(parents=True, exist_ok=True)
    return path.resolve()


def from_environment() -> dict:
    """The config values set in the environment."""
    values: dict[str, object] = {
        key: os.environ[name] for name, key in ENVIRONMENT.items() if os.environ.get(name)
    }
    secure = os.environ.get("CAMPAIGN_SECURE_COOKIES")
    if secure in ("0", "1"):
        values["SESSION_COOKIE_SECURE"] = secure == "1"
    required = os.environ.get("CAMPAIGN_REQUIRE_2FA", "")
    if required.strip():
        values["REQUIRE_2FA"] = switch("CAMPAIGN_REQUIRE_2FA", required)
    proxies = os.environ.get(TRUSTED_PROXIES_VARIABLE, "").strip()
    if proxies:
        values["TRUSTED_PROXIES"] = proxy_count(proxies)
    return values


def proxy_count(text: str) -> int:
    """The number of trusted reverse proxies, from CAMPAIGN_TRUSTED_PROXIES."""
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_PROXIES:
        raise ValueError(
            f"{TRUSTED_PROXIES_VARIABLE}={text!r}: give the number of reverse proxies in front "
            f"of the app (0 to {MAX_PROXIES}; 1 behind nginx)"
        )
    return int(text)


def switch(variable: str, value: str) -> bool:
    """A 0/1 setting; anything else is refused, so that a typo never leaves a guard off."""
    chosen = value.strip().lower()
    if chosen not in ("0", "1"):
        raise CampaignError(f"{variable}={value!r}: use 1 (on) or 0 (off)")
    return chosen == "1"


def pdf_workers(settings: dict) -> int:
    """PDF workers for one web process: PDF_RENDERS_PER_PROCESS, else the cores shared among
    WEB_PROCESSES; a setting that is not a whole number of at least 1 is a clear error."""
    chosen = settings.get("PDF_RENDERS_PER_PROCESS")
    if chosen is not None:
        return _at_least_one(chosen, "PDF_RENDERS_PER_PROCESS (instance/config.py)")
    processes = settings["WEB_PROCESSES"]
    return default_size(_at_least_one(processes, "WEB_PROCESSES (CAMPAIGN_WEB_PROCESSES)"))


def _at_least_one(value: object, name: str) -> int:
    """`value` as a whole number of at least 1, else a RuntimeError naming the setting."""
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        number = 0
    if number < 1 or str(number) != str(value).strip():
        raise RuntimeError(f"{name} is {value!r}: give a whole number, 1 or more")
    return number


def secure_cookies(settings: dict, debug: bool) -> bool:
    """The one decision on Secure cookies: yes, unless set, or in debug mode or tests.

    Browsers keep Secure cookies on http://127.0.0.1 and localhost too, so `make run` works.
    """
    chosen = settings.get("SESSION_COOKIE_SECURE")
    if chosen is not None:
        return bool(chosen)
    return not (debug or settings.get("TESTING"))


def secret_key(instance: Path) -> str:
    """The key in <instance>/secret_key, created once (0600) and shared by every worker."""
    path = instance / SECRET_KEY_FILE
    with contextlib.suppress(FileNotFoundError):
        return _read_key(path)
    # Write a complete file under a temporary name, then link it into place: the link either
    # creates the file with its whole content or fails because another worker got there first.
    try:
        fd, temporary = tempfile.mkstemp(prefix=".secret_key.", dir=instance)
    except OSError as error:  # e.g. a read-only instance folder
        raise CampaignError(
            f"{instance}: cannot create the secret key ({error.strerror or error}); make the "
            "folder writable, or set CAMPAIGN_SECRET_KEY"
        ) from None
    try:
        with os.fdopen(fd, "w") as file:  # mkstemp creates it 0600
            file.write(secrets.token_hex(32))
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _read_key(path: Path) -> str:
    """The key in `path`; an empty or short file is an error, not a weak key."""
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 32:
        raise RuntimeError(
            f"{path}: the secret key is too short; delete the file to make a new one"
        )
    return key

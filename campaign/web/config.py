"""Configuration: defaults, the instance folder, paths from the environment, the secret key."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from campaign import limits
from campaign.errors import CampaignError
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
    # other page. A request waits at most PDF_RENDER_WAIT_S for a worker, then 503: the wait
    # holds one thread, so the queue is bounded by the threads of the web process.
    "PDF_RENDERS_PER_PROCESS": 1,
    # PDF requests of one web process that may wait for its worker at once; more get 503 at
    # once, so that a flood of PDFs never takes every thread the campaign page needs (gunicorn
    # runs 16 threads a process: at most 6 wait, the others stay free for pages).
    "PDF_MAX_WAITING": 6,
    # A render still running after this is stopped (the worker is killed and replaced): the
    # most a PDF request can take. The largest request the form allows takes about 4 s.
    "PDF_DEADLINE_S": 15.0,
    # 5 s: longer than a render under load (1.0-1.5 s measured, benchmarks/RESULTS.md), so two
    # supporters landing on one worker wait their turn instead of getting 503.
    "PDF_RENDER_WAIT_S": 5.0,
    "RETRY_AFTER_S": 10,
    "RATE_LIMIT": 20,  # PDF and .eml generations per client and window, across all workers
    "RATE_WINDOW_S": 60,
    # "I sent it" reports per client in an hour; each counts an office and channel once, so
    # one client adds at most SENT_RATE_LIMIT x (the channels of all offices) letters an hour.
    "SENT_RATE_LIMIT": 10,
    "SENT_WINDOW_S": 3600,
    "TRUSTED_PROXIES": 0,  # reverse proxies in front whose X-Forwarded-For may be believed
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
    "ADMIN_IMPORT_MAX_BYTES": limits.UPLOAD_BYTES,
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

# Environment variable -> config key; a value from the environment wins over the defaults.
ENVIRONMENT = {
    "CAMPAIGN_RECIPIENTS": "RECIPIENTS",
    "CAMPAIGN_TEMPLATES": "TEMPLATES",
    "CAMPAIGN_SECRET_KEY": "SECRET_KEY",
    "CAMPAIGN_DATABASE_URL": "DATABASE_URL",
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
    return values


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

"""The interface language: ?lang=xx (kept in a cookie), else Accept-Language, else English."""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request
from flask_babel import get_locale

from campaign import text

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "ru": "Русский"}


def requested_language() -> str | None:
    """The language asked for with ?lang=xx, if it is one of ours."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The supporter's choice, else their browser's preference, else English."""
    languages = current_app.config["LANGUAGES"]
    cookie = request.cookies.get(current_app.config["LANG_COOKIE"], "")
    return (
        requested_language()
        or (cookie if cookie in languages else None)
        or request.accept_languages.best_match(languages)
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def switch_url(language: str) -> str:
    """This page in `language`: the same address and query with lang=<language>."""
    query = request.args.to_dict()
    query["lang"] = language
    return request.path + "?" + urlencode(query)


def ui_language() -> str:
    """The interface language of this request: en, it or ru."""
    return str(get_locale().language) if get_locale() else "en"


def long_date(iso: str, language: str | None = None) -> str:
    """'29 May 2013', '29 maggio 2013', '29 мая 2013 г.' for an ISO date."""
    return text.long_date(dt.date.fromisoformat(iso), language or ui_language())


def compile_translations(folder: Path = TRANSLATIONS) -> None:
    """Compile each messages.po whose .mo is missing or older, so `flask run` just works.

    Written atomically, so several workers starting together do not read a half-written file.
    A read-only install (where `make` compiled them) is left alone.
    """
    for po_path in folder.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        try:
            _compile(po_path, mo_path)
        except OSError as error:
            log.warning("%s: not compiled (%s); that language shows in English", po_path, error)


def _compile(po_path: Path, mo_path: Path) -> None:
    """One .po into its .mo, through a temporary file in the same folder."""
    with po_path.open("rb") as file:
        catalog = read_po(file)
    fd, temporary = tempfile.mkstemp(prefix=".messages.", suffix=".mo", dir=mo_path.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            write_mo(file, catalog)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo_path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

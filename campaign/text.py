"""Small text rules every part shares: line ends, one-line and multi-line fields, dates, ids."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import urlsplit

from babel.dates import format_date

from campaign.errors import InvalidData, Problem

# An office id (and any other slug): lowercase letters and digits in hyphen-separated words.
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

# Babel locales of the long date: British English writes "22 November 2026".
DATE_LOCALES = {"en": "en_GB", "it": "it_IT", "ru": "ru_RU"}

# Direction overrides can make printed text read differently from what was typed, and
# invisible characters (zero-width spaces and joiners, word joiners, byte order marks, soft
# hyphens: Unicode's "format" characters) can hide words or make two names look alike.
_INVISIBLE = "Cf"
_WHITESPACE = re.compile(r"\s+")


def lf(text: str) -> str:
    """`text` with every CRLF, CR or LF as LF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def crlf(text: str) -> str:
    """`text` with every CRLF, CR or LF as CRLF."""
    return lf(text).replace("\n", "\r\n")


def file_text(text: str) -> str:
    """Text from a browser as a file keeps it: LF line ends and one final newline."""
    return lf(text).rstrip("\n") + "\n"


def one_line(value: str) -> str:
    """A one-line field: line breaks and control characters become single spaces, invisible
    and direction-changing characters are removed."""
    return _WHITESPACE.sub(" ", _without_controls(value, keep="")).strip()


def multi_line(value: str) -> str:
    """A multi-line field: line breaks kept as \\n, other control characters as in one_line."""
    lines = [line.rstrip() for line in _without_controls(lf(value), keep="\n").split("\n")]
    return "\n".join(lines).strip()


def utf8(data: bytes, name: str) -> str:
    """The text of a file's bytes; InvalidData at the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidData(
            [Problem(f"{name}:{line}", "is not UTF-8 text; save the file as UTF-8")]
        ) from None


def is_text(value: str) -> bool:
    """Whether `value` is real text: no lone surrogates (bytes that were not UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def long_date(day: dt.date, language: str) -> str:
    """'22 November 2026', '22 novembre 2026', '22 ноября 2026 г.' (English for others)."""
    return format_date(day, format="long", locale=DATE_LOCALES.get(language, "en_GB"))


def web_address_problem(value: str) -> str:
    """Why `value` is not a web address a page may link to ("" when it is one)."""
    if any(char.isspace() for char in value):
        return "a web address has no spaces; percent-encode them as %20"
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed [ in the host
        return "this is not a web address; copy it again from the browser's address bar"
    if parts.scheme not in ("https", "http"):
        return "a web address starts with https:// (or http://)"
    host = parts.hostname or ""
    if "." not in host or host.startswith(".") or host.endswith(".") or parts.username:
        return "a web address names a site after https://, e.g. https://example.org/news"
    return ""


def _without_controls(value: str, keep: str) -> str:
    """`value` with control characters as spaces (but `keep`) and invisible ones removed."""
    kept = []
    for char in value:
        category = unicodedata.category(char)
        if category == _INVISIBLE:
            continue
        kept.append(" " if category == "Cc" and char not in keep else char)
    return "".join(kept)

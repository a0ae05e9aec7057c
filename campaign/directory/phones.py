"""Phone and fax numbers: E.164 where the digits allow it, else kept as the source writes them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import phonenumbers

from campaign.models import Phone

# A number kept as written ({source: "..."}): what people write in a phone number, no more.
_AS_WRITTEN = re.compile(r"^\+?[0-9 ()./?-]+$")  # ? stands for a digit the source left unclear
_MIN_DIGITS = 5


def parse(written: str, region: str) -> Phone:
    """The number in E.164 and international form; ValueError says why it is not one."""
    keep = f'or keep it as written with {{source: "{written}"}}'
    try:
        number = phonenumbers.parse(written, region or None)
    except phonenumbers.NumberParseException as error:
        raise ValueError(
            f'"{written}" is not a phone number ({error}); '
            f"write it as +<country code> <number>, {keep}"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(
            f'"{written}" is not a valid phone number{f" in {region}" if region else ""}; '
            f"check the digits and the country code, {keep}"
        )
    return Phone(
        source=written,
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        display=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    )


def as_written(written: str) -> Phone:
    """A number whose digits are ambiguous, kept as the source writes it; ValueError if odd."""
    digits = sum(char.isdigit() for char in written)
    if not _AS_WRITTEN.match(written) or digits < _MIN_DIGITS:
        raise ValueError(
            f'"{written}" does not look like a phone number as a source writes it; use only '
            f"digits (at least {_MIN_DIGITS}), spaces and + ( ) - . / ?"
        )
    return Phone(source=written, display=written)


def file_value(text: str, country: str, old: Sequence[Any] = ()) -> str | dict[str, str]:
    """A typed number as the directory writes it: E.164, or {source: ...} as it was kept.

    Text that is no valid number is returned as typed: the validation then reports it.
    """
    if {"source": text} in old:
        return {"source": text}
    try:
        return parse(text, country).e164
    except ValueError:
        return text

"""The supporter's details as typed: checked, tidied and turned into a Sender."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

from campaign.directory.addresses import countries
from campaign.errors import InvalidData, Problem
from campaign.models import Sender

# Longest accepted value of each field, stated on the form and in --help.
LIMITS = {
    "name": 100,
    "street": 150,
    "postcode": 20,
    "city": 80,
    "country": 2,
    "email": 254,
    "note": 1500,
}

_WHITESPACE = re.compile(r"\s+")


def make_sender(
    name: str,
    street: str = "",
    postcode: str = "",
    city: str = "",
    country: str = "",
    email: str = "",
    note: str = "",
) -> Sender:
    """Check the supporter's details; raise InvalidData naming every field that is wrong."""
    values = {
        "name": one_line(name),
        "street": one_line(street),
        "postcode": one_line(postcode),
        "city": one_line(city),
        "country": one_line(country).upper(),
        "email": one_line(email),
        "note": multi_line(note),
    }
    problems = [
        Problem(field, f"is {len(value)} characters long; the limit is {LIMITS[field]}")
        for field, value in values.items()
        if len(value) > LIMITS[field]
    ]
    if not values["name"]:
        problems.append(Problem("name", "is required: the name you sign the letters with"))
    if values["country"] and values["country"] not in countries("en"):
        problems.append(
            Problem(
                "country", f'"{values["country"]}" is not a country code; use ISO codes like IT'
            )
        )
    if values["email"] and not any(p.where == "email" for p in problems):
        values["email"], problem = _normalised_email(values["email"])
        problems.extend(problem)
    if problems:
        raise InvalidData(problems)
    return Sender(**values)


def _normalised_email(address: str) -> tuple[str, list[Problem]]:
    """The address in its normal form, or a problem saying why it is not one."""
    try:
        return validate_email(address, check_deliverability=False).normalized, []
    except EmailNotValidError as error:
        return address, [Problem("email", f'"{address}" is not a valid e-mail address: {error}')]


def one_line(value: str) -> str:
    """A one-line field: control characters and line breaks become single spaces."""
    return _WHITESPACE.sub(" ", _without_controls(value, keep="")).strip()


def multi_line(value: str) -> str:
    """A multi-line field: line breaks kept as \\n, other control characters removed."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in _without_controls(text, keep="\n").split("\n")]
    return "\n".join(lines).strip()


def _without_controls(value: str, keep: str) -> str:
    """`value` with control characters and bidi overrides replaced by a space, but `keep`."""
    return "".join(
        " " if char not in keep and (unicodedata.category(char) == "Cc" or char in _BIDI) else char
        for char in value
    )


# Direction overrides can make printed text read differently from what was typed.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

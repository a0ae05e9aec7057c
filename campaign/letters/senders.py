"""The supporter's details as typed: checked, tidied and turned into a Sender."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from campaign.directory.addresses import countries
from campaign.errors import InvalidData, Problem
from campaign.limits import SENDER as LIMITS
from campaign.models import Sender
from campaign.text import is_text, multi_line, one_line


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
    problems += [
        Problem(field, "holds bytes that are not UTF-8 text; type it again")
        for field, value in values.items()
        if not is_text(value)
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

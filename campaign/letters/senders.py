"""The supporter's details as typed: checked, tidied and turned into a Sender; and a whole
request for letters (who, to which offices, in which language), checked as the web form checks
it, for every way in: the form, the command line, a batch file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from campaign import limits
from campaign.directory.addresses import countries
from campaign.errors import InvalidData, Problem
from campaign.letters import states
from campaign.limits import SENDER as LIMITS
from campaign.models import LANGUAGES, Recipient, Sender
from campaign.text import is_text, multi_line, one_line

AUTO = "auto"  # the letter language: each office in its own
SENDER_FIELDS = tuple(LIMITS)  # name, street, postcode, city, country, email, note


@dataclass(frozen=True)
class LetterRequest:
    """A valid request for letters: who writes, to which offices, in which language."""

    sender: Sender
    offices: tuple[Recipient, ...]
    language: str  # AUTO or one of LANGUAGES


def letter_request(
    fields: Mapping[str, str],
    office_ids: Sequence[str],
    language: str,
    directory: Iterable[Recipient],
) -> LetterRequest:
    """The sender, offices and language as typed, checked; InvalidData naming each field."""
    problems: list[Problem] = []
    sender = None
    try:
        sender = make_sender(**{field: fields.get(field) or "" for field in SENDER_FIELDS})
    except InvalidData as error:
        problems.extend(error.problems)
    known = {office.id: office for office in directory}
    chosen = list(dict.fromkeys(office_ids))
    unknown = [office_id for office_id in chosen if office_id not in known]
    paused = [known[i] for i in chosen if i in known and states.is_paused(known[i])]
    if unknown:
        names = ", ".join(f'"{office_id}"' for office_id in unknown)
        problems.append(
            Problem("offices", f"unknown office {names}; the offices are: {', '.join(known)}")
        )
    elif not chosen:
        problems.append(Problem("offices", "choose at least one office"))
    elif paused:  # a request from before the pause: no letter to it, from any channel
        office = paused[0]
        problems.append(
            Problem(
                "offices",
                f"paused: {office.id} takes no letters for now; choose the other offices",
                office.office,  # the web names the office in the interface language's sentence
            )
        )
    elif len(chosen) > limits.LETTERS_PER_REQUEST:
        problems.append(
            Problem(
                "offices",
                f"too many offices ({len(chosen)}); choose at most "
                f"{limits.LETTERS_PER_REQUEST} at once",
            )
        )
    if language not in (AUTO, *LANGUAGES):
        problems.append(
            Problem(
                "language",
                f'"{language}" is not a letter language; use {AUTO} or one of '
                f"{', '.join(LANGUAGES)}",
            )
        )
    if problems or sender is None:
        raise InvalidData(problems)
    return LetterRequest(sender, tuple(known[office_id] for office_id in chosen), language)


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

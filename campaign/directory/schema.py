"""What an office of recipients.yaml holds: its keys, the channels it can be reached by."""

from __future__ import annotations

from campaign.models import Recipient

ENTRY_KEYS = (
    "id",
    "office",
    "office_local",
    "person",
    "title",
    "country",
    "language",
    "salutation",
    "address",
    "phones",
    "faxes",
    "emails",
    "email_note",
    "disclosure",
    "safety_note",
    "ask",
    "talking_points",  # the appeal's life: what a supporter could say in their own words
    "paused",  # no letters to this office for now, why, and the office to write to instead
    "tags",
    "source",
    "verified",
)
ADDRESS_KEYS = ("lines", "postcode", "city", "region", "country")
PAUSE_KEYS = ("reason", "replacement")
# The entry's fields that hold one line of text (the others are mappings or lists).
TEXT_KEYS = tuple(
    key
    for key in ENTRY_KEYS
    if key not in ("salutation", "address", "phones", "faxes", "emails", "ask", "tags")
    and key not in ("paused", "talking_points")
    and key != "safety_note"  # one text per language
)
# What a letter template sees of an office (`recipient.office` ...): nothing it need not.
LETTER_KEYS = ("id", "office", "office_local", "person", "title", "country")
CHANNELS = ("post", "email", "phone", "fax")  # every office can be written to by post
# What the sender block of a letter shows an office: name, address and e-mail; name, city and
# country; the name only; the name over the organisation's return address (campaign.yaml).
DISCLOSURES = ("full", "city", "name", "organisation")


def channels(office: Recipient) -> tuple[str, ...]:
    """The ways this office can be reached: post always, the others when it has them."""
    others = {"email": office.emails, "phone": office.phones, "fax": office.faxes}
    return ("post", *(name for name, items in others.items() if items))

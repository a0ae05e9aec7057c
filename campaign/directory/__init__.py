"""The recipient directory (recipients.yaml): schema, loading, validation, addresses, CSV, vCard."""

from campaign.directory.recipients_file import (
    Directory,
    from_bytes,
    load,
    parse,
    to_plain,
)
from campaign.directory.schema import ADDRESS_KEYS, CHANNELS, ENTRY_KEYS, TEXT_KEYS, channels

__all__ = [
    "ADDRESS_KEYS",
    "CHANNELS",
    "ENTRY_KEYS",
    "TEXT_KEYS",
    "Directory",
    "channels",
    "from_bytes",
    "load",
    "parse",
    "to_plain",
]

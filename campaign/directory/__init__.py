"""The recipient directory (recipients.yaml): schema, loading, validation, addresses, CSV, vCard."""

from campaign.directory.recipients_file import (
    ADDRESS_KEYS,
    ENTRY_KEYS,
    TEXT_KEYS,
    Directory,
    backup_path,
    from_bytes,
    load,
    parse,
    save,
    to_plain,
)

__all__ = [
    "ADDRESS_KEYS",
    "ENTRY_KEYS",
    "TEXT_KEYS",
    "Directory",
    "backup_path",
    "from_bytes",
    "load",
    "parse",
    "save",
    "to_plain",
]

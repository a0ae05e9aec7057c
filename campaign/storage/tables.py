"""The tables of the shared state, as SQLAlchemy Core defines them: the one place to read them.

The migrations (`storage/migrations/versions/`) create exactly these; a test compares the two
on both databases. Nothing here holds anything a supporter typed: counts are per office,
channel and day; a receipt is a hash; rate limits keep an HMAC of the client's address.
"""

from __future__ import annotations

import sqlalchemy as sa

# Names of constraints and indexes spelled out, so that a migration can name what it changes.
metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

# A 64-bit key that is SQLite's rowid there (only INTEGER PRIMARY KEY is).
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

counts = sa.Table(
    "counts",
    metadata,
    sa.Column("office", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("day", sa.Text, primary_key=True),  # ISO date, UTC
    sa.Column("n", sa.Integer, nullable=False),
)

# Anonymous reports of what came of a letter (storage/reports.py): per office, channel, kind
# (returned, no_answer, acknowledged, answered) and day, nothing about the supporter.
reports = sa.Table(
    "reports",
    metadata,
    sa.Column("office", sa.Text, primary_key=True),
    sa.Column("channel", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("day", sa.Text, primary_key=True),  # ISO date, UTC
    sa.Column("n", sa.Integer, nullable=False),
)

# One row per (receipt, office, channel) counted: sha256 of the three, so that a report
# repeated by a browser or a load balancer counts once, and nothing links the offices of one
# report together. Pruned after a few days.
receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("token", sa.Text, primary_key=True),
    sa.Column("day", sa.Text, nullable=False, index=True),
)

# Limited events (a PDF made, a report, a failed sign-in): a window name, an HMAC key, a time.
throttle_events = sa.Table(
    "throttle_events",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("window", sa.Text, nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),  # seconds since the epoch
    sa.Index("ix_throttle_events_window_key_at", "window", "key", "at"),
    sa.Index("ix_throttle_events_at", "at"),
)

organisers = sa.Table(
    "organisers",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),  # as created, e.g. "Maria.Rossi"
    sa.Column("name_key", sa.Text, nullable=False, unique=True),  # casefolded: one per name
    sa.Column("hash", sa.Text, nullable=False),  # argon2id
    sa.Column("session_epoch", sa.Text, nullable=False),
    sa.Column("password_changed", sa.Text, nullable=False),  # UTC, ISO 8601
    # The second factor (storage/factors.py): a TOTP secret, pending until `totp_on`; the
    # last time step accepted, so that a code works once and an older one never.
    sa.Column("totp_secret", sa.Text, nullable=True),
    sa.Column("totp_on", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("totp_last_step", sa.BigInteger, nullable=False, server_default="0"),
)

# The unused one-time recovery codes of an organiser with the second factor on, hashed
# (second_factor.recovery_hash); a code used is a row deleted.
recovery_codes = sa.Table(
    "recovery_codes",
    metadata,
    sa.Column(
        "organiser",
        sa.Text,
        sa.ForeignKey("organisers.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("hash", sa.Text, primary_key=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("time", sa.Text, nullable=False),  # UTC, "2026-11-22T10:30:15Z"
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("office", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("fields", sa.JSON, nullable=False),  # a list of dotted field names
)

versions = sa.Table(
    "versions",
    metadata,
    sa.Column("file", sa.Text, primary_key=True),
    sa.Column("id", sa.Text, primary_key=True),  # "<UTC time>-<who>-<digest>": sorts by time
    sa.Column("time", sa.Text, nullable=False),  # UTC, "2026-11-22T10:30:15Z"
    sa.Column("who", sa.Text, nullable=False),  # "" for a version found on disk
    sa.Column("sha256", sa.Text, nullable=False),  # of the content, in hex
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Index("ix_versions_file_sha256", "file", "sha256"),
)

# The old instance files (counts.sqlite3, organisers.json, ...) already imported, so that an
# import run again imports nothing twice.
imports = sa.Table(
    "imports",
    metadata,
    sa.Column("source", sa.Text, primary_key=True),  # "organisers.json", "versions/letter.en.txt"
    sa.Column("sha256", sa.Text, nullable=False),  # of what was imported
    sa.Column("time", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
)

# The version of each editable file that every host serves (issue 9: several hosts, one
# campaign): written in the transaction of the save that made it, with its version and audit
# entry, and polled by every host, which writes it into its own copy of the file.
published = sa.Table(
    "published",
    metadata,
    sa.Column("file", sa.Text, primary_key=True),  # "recipients.yaml", "letter.en.txt"
    sa.Column("sha256", sa.Text, nullable=False),  # of the content, in hex
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("who", sa.Text, nullable=False),  # "" for files found on disk
    sa.Column("time", sa.Text, nullable=False),  # UTC, "2026-11-22T10:30:15Z"
)

# What the app last wrote into, or found in, each host's copy of each file: a copy that still
# holds it and differs from the published version is behind (written over); one that holds
# something else was edited on that host by hand. One row per host, folder and file.
local_copies = sa.Table(
    "local_copies",
    metadata,
    sa.Column("place", sa.Text, primary_key=True),  # "<host name>:<absolute path>"
    sa.Column("sha256", sa.Text, nullable=False),
)

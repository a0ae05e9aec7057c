"""Organiser accounts: names, argon2id password hashes and session epochs in the shared database.

The accounts live in the `organisers` table (until this version: `<instance>/organisers.json`,
imported once), never in the repository; each change and its audit entry are one
transaction. The password policy follows NIST SP 800-63B: length over composition (at
least 15 characters, at most 256, no rules about digits or symbols), and a password that is
common, expected or built from the account name is refused.

Each account has a random `session_epoch`. The web app puts it in the session at sign-in and
compares it on every request: changing the password or signing out everywhere replaces it, so
every older session stops working.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import unicodedata
from collections.abc import Mapping
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from campaign import limits
from campaign.errors import CampaignError
from campaign.storage import audit
from campaign.storage.database import Database
from campaign.storage.tables import organisers as table

FILE_NAME = "organisers.json"  # the accounts of an instance before the database (imported once)
AUDIT_FILE = "organisers"  # what the audit log names as changed by an account change
COMMAND_LINE = "command line"  # who changed an account, in the audit log, outside the web
NAME = re.compile(rf"^[A-Za-z0-9._-]{{1,{limits.ORGANISER_NAME}}}$")
MIN_LENGTH = 15  # single-factor passwords (SP 800-63B-4, 3.1.1.2)
MAX_LENGTH = limits.PASSWORD
MIN_ZXCVBN_SCORE = 3  # zxcvbn's "safely unguessable" (about 10^8 guesses or more)
ZXCVBN_MAX_INPUT = 72  # zxcvbn's own limit; the first 72 characters are what it can judge

# argon2id, RFC 9106's second recommendation with one lane: 64 MiB, 3 passes.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=1)
# Verified against when the name is unknown, so that an unknown name takes as long as a known
# one: the hash of a random password nobody knows, made with HASHER's parameters.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=1$feN+KBtMLL0v425tATdI5w"
    "$ZRvGr2AqUtVSoTC7UfnTxu3APx+BYWfrCXDVoEwAOhA"
)


class AccountError(CampaignError):
    """An organiser name is malformed, unknown or already taken."""


class WeakPassword(CampaignError):
    """A password that the policy refuses; the message says why and what to do instead."""


def check_name(name: str) -> str:
    """`name` if it is a valid organiser name (1-64 of A-Z a-z 0-9 . _ -)."""
    if not isinstance(name, str) or not NAME.match(name):
        raise AccountError(
            f"{name!r} is not an organiser name; use 1 to 64 letters, digits, dots, "
            "hyphens or underscores, e.g. maria.rossi"
        )
    return name


def check_password(password: str, name: str = "") -> None:
    """Raise WeakPassword unless `password` meets the policy (for the account `name`)."""
    password = _normalised(password)
    length = len(password)
    if length < MIN_LENGTH:
        raise WeakPassword(
            f"the password has {length} characters; use at least {MIN_LENGTH} "
            "(a few unrelated words with spaces are easy to remember and hard to guess)"
        )
    if length > MAX_LENGTH:
        raise WeakPassword(f"the password has {length} characters; use at most {MAX_LENGTH}")
    if len(set(password)) == 1:
        raise WeakPassword("the password is one character repeated; choose something else")
    lowered = password.casefold()
    if len(name) >= 3 and name.casefold() in lowered:
        raise WeakPassword("the password contains the account name; leave the name out")
    if lowered in _common_passwords():
        raise WeakPassword(
            "the password is one of the 30,000 most common passwords; choose another"
        )
    _check_guessability(password, name)


def names(db: Database) -> list[str]:
    """The organiser names, sorted."""
    with db.read() as tx:
        return sorted(tx.execute(sa.select(table.c.name)).scalars(), key=str.casefold)


def exists(db: Database, name: str) -> bool:
    """Whether there is an account of this name (names match regardless of case)."""
    return _account(db, name) is not None


def add(db: Database, name: str, password: str, *, by: str = COMMAND_LINE) -> None:
    """Create an account; AccountError if the name is taken, WeakPassword if refused."""
    check_name(name)
    check_password(password, name)
    record = _new_record(password)
    with db.begin() as tx:
        if not import_account(tx, name, record):
            raise AccountError(f"there is already an organiser called {name!r}")
        _log(tx, by, "add", f"organiser {name} added")


def import_account(db: Database, name: str, record: Mapping[str, str]) -> bool:
    """Store an account with its hash and epoch as they are (from an old instance, or `add`).

    False, and nothing stored, when an account of that name (in any case) exists.
    """
    check_name(name)
    values = {key: record[key] for key in ("hash", "session_epoch", "password_changed")}
    with db.begin() as tx:
        inserted = tx.execute(
            tx.insert(table)
            .values(name=name, name_key=_name_key(name), **values)
            .on_conflict_do_nothing()
            .returning(table.c.name)
        ).first()
    return inserted is not None


def remove(db: Database, name: str, *, by: str = COMMAND_LINE) -> None:
    """Delete an account; AccountError if there is none of that name."""
    with db.begin() as tx:
        stored = existing_name(tx, name)
        tx.execute(sa.delete(table).where(table.c.name == stored))
        _log(tx, by, "delete", f"organiser {name} removed")


def set_password(db: Database, name: str, password: str, *, by: str = COMMAND_LINE) -> str:
    """Give an account a new password and a new session epoch; return the epoch."""
    check_password(password, name)
    record = _new_record(password)
    with db.begin() as tx:
        stored = existing_name(tx, name)
        tx.execute(sa.update(table).where(table.c.name == stored).values(**record))
        _log(tx, by, "update", f"password of {name} changed; signed out everywhere")
    return record["session_epoch"]


def verify(db: Database, name: str, password: str) -> bool:
    """Whether `password` is the organiser's; as slow for an unknown name as for a known one."""
    account = _account(db, name) if isinstance(name, str) else None
    stored = account["hash"] if account is not None else DUMMY_HASH
    if not isinstance(password, str):
        password = ""
    try:
        HASHER.verify(stored, _normalised(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if account is None:
        return False
    if HASHER.check_needs_rehash(stored):
        _rehash(db, account["name"], stored, password)
    return True


def session_epoch(db: Database, name: str) -> str:
    """The account's current session epoch, or "" when there is no such account."""
    account = _account(db, name) if isinstance(name, str) else None
    return account["session_epoch"] if account is not None else ""


def sign_out_everywhere(db: Database, name: str, *, by: str = COMMAND_LINE) -> str:
    """Replace the account's session epoch, ending every session; return the new epoch."""
    epoch = new_session_epoch()
    with db.begin() as tx:
        stored = existing_name(tx, name)
        tx.execute(sa.update(table).where(table.c.name == stored).values(session_epoch=epoch))
        _log(tx, by, "update", f"{name} signed out everywhere")
    return epoch


def new_session_epoch() -> str:
    """A new random session epoch: every session started under the old one ends."""
    return secrets.token_urlsafe(24)


# --- the accounts table ------------------------------------------------------------------------


def _name_key(name: str) -> str:
    """What makes two names the same account: the name regardless of case."""
    return name.casefold()


def _account(db: Database, name: str) -> dict[str, str] | None:
    """The stored account whose name matches `name` regardless of case, or None."""
    query = sa.select(table).where(table.c.name_key == _name_key(name))
    with db.read() as tx:
        row = tx.execute(query).mappings().first()
    return dict(row) if row is not None else None


def existing_name(tx: Database, name: str) -> str:
    """The stored name matching `name`, or AccountError naming the known ones."""
    account = _account(tx, name) if isinstance(name, str) else None
    if account is None:
        known = ", ".join(names(tx)) or "none yet"
        raise AccountError(f"there is no organiser called {name!r} (organisers: {known})")
    return account["name"]


def _log(tx: Database, by: str, action: str, summary: str) -> None:
    """An audit entry for an account change (names only; never a password or a hash)."""
    audit.record(tx, by, AUDIT_FILE, action, summary=summary)


def _new_record(password: str) -> dict[str, str]:
    """The stored part of an account for a new password: hash, epoch, time."""
    return {
        "hash": HASHER.hash(_normalised(password)),
        "session_epoch": new_session_epoch(),
        "password_changed": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _rehash(db: Database, stored_name: str, stored: str, password: str) -> None:
    """Store a hash with the current parameters, unless the password changed meanwhile."""
    new_hash = HASHER.hash(_normalised(password))
    with db.begin() as tx:
        tx.execute(
            sa.update(table)
            .where((table.c.name == stored_name) & (table.c.hash == stored))
            .values(hash=new_hash)
        )


# --- the policy ------------------------------------------------------------------------------


def _normalised(password: str) -> str:
    """The password in Unicode NFKC, so that the same characters typed differently match."""
    if not isinstance(password, str):
        raise WeakPassword("the password must be text")
    return unicodedata.normalize("NFKC", password)


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list), in lower case."""
    return frozenset(word.casefold() for word in FREQUENCY_LISTS["passwords"])


def _check_guessability(password: str, name: str) -> None:
    """Refuse what zxcvbn finds easy to guess: keyboard rows, dates, l33t common words, ..."""
    result = zxcvbn(password[:ZXCVBN_MAX_INPUT], user_inputs=[name] if name else [])
    if result["score"] >= MIN_ZXCVBN_SCORE:
        return
    warning = result["feedback"]["warning"] or "it would be easy to guess"
    raise WeakPassword(
        f"the password is too easy to guess ({warning.rstrip('.')}); "
        "a few unrelated words with spaces make a better one"
    )

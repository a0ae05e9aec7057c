"""Organiser accounts: names, argon2id password hashes and session epochs in the instance folder.

The accounts live in `<instance>/organisers.json` (0600, written atomically under a lock), never
in the repository. The password policy follows NIST SP 800-63B: length over composition (at
least 15 characters, at most 256, no rules about digits or symbols), and a password that is
common, expected or built from the account name is refused.

Each account has a random `session_epoch`. The web app puts it in the session at sign-in and
compares it on every request: changing the password or signing out everywhere replaces it, so
every older session stops working.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from campaign import limits
from campaign.errors import CampaignError
from tests.storage.legacy_f14c341 import audit, safe_files

FILE_NAME = "organisers.json"
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


def accounts_path(instance: str | os.PathLike[str]) -> Path:
    """Where the accounts of this instance are kept."""
    return Path(instance) / FILE_NAME


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


def names(instance: str | os.PathLike[str]) -> list[str]:
    """The organiser names, sorted."""
    return sorted(_read(instance), key=str.casefold)


def exists(instance: str | os.PathLike[str], name: str) -> bool:
    """Whether there is an account of this name (names match regardless of case)."""
    return _key(_read(instance), name) is not None


def add(
    instance: str | os.PathLike[str], name: str, password: str, *, by: str = COMMAND_LINE
) -> None:
    """Create an account; AccountError if the name is taken, WeakPassword if refused."""
    check_name(name)
    check_password(password, name)
    record = _new_record(password)

    def change(accounts: dict[str, Any]) -> None:
        if _key(accounts, name) is not None:
            raise AccountError(f"there is already an organiser called {name!r}")
        accounts[name] = record

    _update(instance, change)
    _log(instance, by, "add", f"organiser {name} added")


def remove(instance: str | os.PathLike[str], name: str, *, by: str = COMMAND_LINE) -> None:
    """Delete an account; AccountError if there is none of that name."""

    def change(accounts: dict[str, Any]) -> None:
        del accounts[_existing_key(accounts, name)]

    _update(instance, change)
    _log(instance, by, "delete", f"organiser {name} removed")


def set_password(
    instance: str | os.PathLike[str], name: str, password: str, *, by: str = COMMAND_LINE
) -> str:
    """Give an account a new password and a new session epoch; return the epoch."""
    check_password(password, name)
    record = _new_record(password)

    def change(accounts: dict[str, Any]) -> None:
        key = _existing_key(accounts, name)
        accounts[key] = {**accounts[key], **record}

    _update(instance, change)
    _log(instance, by, "update", f"password of {name} changed; signed out everywhere")
    return record["session_epoch"]


def verify(instance: str | os.PathLike[str], name: str, password: str) -> bool:
    """Whether `password` is the organiser's; as slow for an unknown name as for a known one."""
    accounts = _read(instance)
    key = _key(accounts, name) if isinstance(name, str) else None
    stored = accounts[key]["hash"] if key is not None else DUMMY_HASH
    if not isinstance(password, str):
        password = ""
    try:
        HASHER.verify(stored, _normalised(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    if key is None:
        return False
    if HASHER.check_needs_rehash(stored):
        _rehash(instance, key, stored, password)
    return True


def session_epoch(instance: str | os.PathLike[str], name: str) -> str:
    """The account's current session epoch, or "" when there is no such account."""
    accounts = _read(instance)
    key = _key(accounts, name)
    return accounts[key]["session_epoch"] if key is not None else ""


def sign_out_everywhere(
    instance: str | os.PathLike[str], name: str, *, by: str = COMMAND_LINE
) -> str:
    """Replace the account's session epoch, ending every session; return the new epoch."""
    epoch = secrets.token_urlsafe(24)

    def change(accounts: dict[str, Any]) -> None:
        accounts[_existing_key(accounts, name)]["session_epoch"] = epoch

    _update(instance, change)
    _log(instance, by, "update", f"{name} signed out everywhere")
    return epoch


# --- the accounts file ---------------------------------------------------------------------


def _read(instance: str | os.PathLike[str]) -> dict[str, Any]:
    """The accounts by name; {} when the file does not exist yet."""
    return _decode(safe_files.read_if_exists(accounts_path(instance)), accounts_path(instance))


def _decode(data: bytes | None, path: Path) -> dict[str, Any]:
    """The accounts held in the bytes of organisers.json."""
    if data is None:
        return {}
    try:
        accounts = json.loads(data)["organisers"]
    except (ValueError, KeyError, TypeError):
        raise CampaignError(
            f"{path}: cannot be read as an accounts file; restore it from a backup"
        ) from None
    if not isinstance(accounts, dict):
        raise CampaignError(f"{path}: 'organisers' must be a mapping; restore it from a backup")
    return accounts


def _update(instance: str | os.PathLike[str], change) -> None:
    """Apply `change` to the accounts under the file's lock and write them back (0600)."""
    path = accounts_path(instance)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def rewrite(old: bytes | None) -> bytes:
        accounts = _decode(old, path)
        change(accounts)
        text = json.dumps({"version": 1, "organisers": accounts}, indent=2, sort_keys=True)
        return (text + "\n").encode("utf-8")

    safe_files.update(path, rewrite, mode=safe_files.PRIVATE_MODE)


def _log(instance: str | os.PathLike[str], by: str, action: str, summary: str) -> None:
    """An audit entry for an account change (names only; never a password or a hash)."""
    audit.record(instance, by, FILE_NAME, action, summary=summary)


def _key(accounts: dict[str, Any], name: str) -> str | None:
    """The stored name matching `name` regardless of case, or None."""
    wanted = name.casefold()
    return next((key for key in accounts if key.casefold() == wanted), None)


def _existing_key(accounts: dict[str, Any], name: str) -> str:
    """The stored name matching `name`, or AccountError naming the known ones."""
    key = _key(accounts, name)
    if key is None:
        known = ", ".join(sorted(accounts)) or "none yet"
        raise AccountError(f"there is no organiser called {name!r} (organisers: {known})")
    return key


def _new_record(password: str) -> dict[str, str]:
    """The stored part of an account for a new password: hash, epoch, time."""
    return {
        "hash": HASHER.hash(_normalised(password)),
        "session_epoch": secrets.token_urlsafe(24),
        "password_changed": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _rehash(instance: str | os.PathLike[str], key: str, stored: str, password: str) -> None:
    """Store a hash with the current parameters, unless the password changed meanwhile."""
    new_hash = HASHER.hash(_normalised(password))

    def change(accounts: dict[str, Any]) -> None:
        if key in accounts and accounts[key]["hash"] == stored:
            accounts[key]["hash"] = new_hash

    _update(instance, change)


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

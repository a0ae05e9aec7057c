"""Organisers' second factor as stored: set up, confirm, check a code at sign-in, turn off.

The codes themselves are `second_factor`'s (TOTP and recovery codes, plain values); this module
keeps, per account in the `organisers` table, the TOTP secret (pending until confirmed with a
first code, so that a mis-scanned secret never locks anyone out), whether the factor is on,
and the last time step accepted; the unused recovery codes are rows of `recovery_codes`, hashed.

Every change is one transaction with its audit entry. Using a code is one conditional UPDATE
(`... WHERE totp_last_step < :step`), using a recovery code one DELETE: two sign-ins racing
with the same code, on any number of workers and on both databases, cannot both win. Turning
the factor on or off replaces the account's session epoch, so every other session ends.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import sqlalchemy as sa

from campaign.errors import CampaignError
from campaign.storage import audit, second_factor
from campaign.storage.database import Database
from campaign.storage.organisers import AUDIT_FILE, COMMAND_LINE, existing_name, new_session_epoch
from campaign.storage.tables import organisers as accounts
from campaign.storage.tables import recovery_codes


class FactorError(CampaignError):
    """The second factor cannot be changed so: not set up, already on, a wrong first code."""


class WrongCode(FactorError):
    """The first code typed to confirm a setup is not a current code of its secret."""


class Outcome(enum.Enum):
    """What a code typed at sign-in turned out to be."""

    ACCEPTED = "accepted"  # the current code of the app, never used before
    RECOVERY = "recovery"  # an unused recovery code, now used up
    REPLAYED = "replayed"  # a right code, but one already used (or older than the last used)
    WRONG = "wrong"  # anything else


@dataclass(frozen=True)
class State:
    """An account's second factor: whether it is on, and how many recovery codes are left."""

    on: bool
    recovery_left: int


def state(db: Database, name: str) -> State:
    """Whether the account has the factor on and its unused recovery codes ("off" if unknown)."""
    with db.read() as tx:
        row = _row(tx, name)
        if row is None or not row["totp_on"]:
            return State(False, 0)
        left = tx.execute(
            sa.select(sa.func.count()).where(recovery_codes.c.organiser == row["name"])
        ).scalar_one()
    return State(True, left)


def is_on(db: Database, name: str) -> bool:
    """Whether the account signs in with a second factor."""
    return state(db, name).on


def setup_secret(db: Database, name: str, *, fresh: bool = False) -> str:
    """The pending secret to show for setting the factor up (a new one if `fresh` or none).

    FactorError if the factor is already on: turning it off first is a deliberate step.
    """
    with db.begin() as tx:
        stored = existing_name(tx, name)
        row = _row(tx, stored)
        assert row is not None
        if row["totp_on"]:
            raise FactorError(
                f"{stored} already signs in with a second factor; turn it off first "
                "(or make new recovery codes)"
            )
        if row["totp_secret"] and not fresh:
            return row["totp_secret"]
        secret = second_factor.new_secret()
        tx.execute(_update(stored).values(totp_secret=secret))
    return secret


def confirm_setup(
    db: Database, name: str, secret: str, code: str, *, by: str = COMMAND_LINE
) -> list[str]:
    """Turn the factor on if `code` is a current code of `secret`; return the recovery codes.

    `secret` is the one that was shown: if another setup replaced it meanwhile, FactorError,
    so an app that scanned the older secret is never the one turned on.
    """
    codes = second_factor.new_recovery_codes()
    with db.begin() as tx:
        stored = existing_name(tx, name)
        row = _row(tx, stored)
        assert row is not None
        if row["totp_on"]:
            raise FactorError(f"{stored} already signs in with a second factor")
        if not secret or row["totp_secret"] != secret:
            raise FactorError(
                "this setup was replaced by a newer one; scan the new secret and try again"
            )
        step = second_factor.matching_step(secret, code, row["totp_last_step"])
        if step is None:
            raise WrongCode(
                "the code is not right; check the time on the phone, type the code the app "
                "shows now, or scan the secret again"
            )
        changed = tx.execute(
            _update(stored)
            .where(~accounts.c.totp_on & (accounts.c.totp_secret == secret))
            .values(totp_on=True, totp_last_step=step, session_epoch=new_session_epoch())
        ).rowcount
        if changed != 1:  # another confirmation won the race
            raise FactorError(f"{stored} already signs in with a second factor")
        _replace_recovery_codes(tx, stored, codes)
        _log(tx, by, "add", f"second factor of {stored} turned on; signed out everywhere")
    return codes


def check_code(db: Database, name: str, code: str) -> Outcome:
    """Whether `code` (the app's, or a recovery code) signs `name` in; uses it up if so."""
    if not isinstance(code, str) or not isinstance(name, str):
        return Outcome.WRONG
    with db.begin() as tx:
        row = _row(tx, name)
        if row is None or not row["totp_on"] or not row["totp_secret"]:
            return Outcome.WRONG
        if _looks_like_totp(code):
            return _use_totp(tx, row, code)
        return _use_recovery_code(tx, row["name"], code)


def new_recovery_codes(db: Database, name: str, *, by: str = COMMAND_LINE) -> list[str]:
    """Replace the account's recovery codes with new ones and return them (shown once)."""
    codes = second_factor.new_recovery_codes()
    with db.begin() as tx:
        stored = existing_name(tx, name)
        row = _row(tx, stored)
        if row is None or not row["totp_on"]:
            raise FactorError(f"{stored} has no second factor; turn it on first")
        _replace_recovery_codes(tx, stored, codes)
        _log(tx, by, "update", f"new recovery codes for {stored}; the old ones no longer work")
    return codes


def turn_off(db: Database, name: str, *, by: str = COMMAND_LINE) -> None:
    """Turn the factor off: secret and recovery codes forgotten, every session ended."""
    with db.begin() as tx:
        stored = existing_name(tx, name)
        row = _row(tx, stored)
        if row is None or not row["totp_on"]:
            raise FactorError(f"{stored} has no second factor to turn off")
        # totp_last_step stays: time only moves forward, so it stays a safe floor.
        epoch = new_session_epoch()
        tx.execute(_update(stored).values(totp_on=False, totp_secret=None, session_epoch=epoch))
        tx.execute(sa.delete(recovery_codes).where(recovery_codes.c.organiser == stored))
        _log(tx, by, "delete", f"second factor of {stored} turned off; signed out everywhere")


# --- inside a transaction ----------------------------------------------------------------------


def _row(tx: Database, name: str) -> dict | None:
    """The account matching `name` regardless of case, or None."""
    query = sa.select(accounts).where(accounts.c.name_key == name.casefold())
    row = tx.execute(query).mappings().first()
    return dict(row) if row is not None else None


def _update(stored: str) -> sa.Update:
    """An UPDATE of one account's row."""
    return sa.update(accounts).where(accounts.c.name == stored)


def _use_totp(tx: Database, row: dict, code: str) -> Outcome:
    """Accept the app's code once: the step is stored only if newer than the last one."""
    secret, last = row["totp_secret"], row["totp_last_step"]
    step = second_factor.matching_step(secret, code, last)
    if step is None:
        right_but_used = second_factor.matching_step(secret, code, -1) is not None
        return Outcome.REPLAYED if right_but_used else Outcome.WRONG
    # The condition is what makes a race safe: of two sign-ins with the same code, the
    # second's UPDATE finds the step already stored and changes nothing.
    won = tx.execute(
        _update(row["name"])
        .where(accounts.c.totp_on & (accounts.c.totp_last_step < step))
        .values(totp_last_step=step)
    ).rowcount
    return Outcome.ACCEPTED if won == 1 else Outcome.REPLAYED


def _use_recovery_code(tx: Database, stored: str, code: str) -> Outcome:
    """Use up a recovery code: the row is deleted, by one sign-in only."""
    mine = recovery_codes.c.organiser == stored
    hashes = list(tx.execute(sa.select(recovery_codes.c.hash).where(mine)).scalars())
    found = second_factor.matching_recovery(hashes, code)
    if found is None:
        return Outcome.WRONG
    deleted = tx.execute(
        sa.delete(recovery_codes).where(mine & (recovery_codes.c.hash == found))
    ).rowcount
    if deleted != 1:
        return Outcome.WRONG  # used a moment ago by another sign-in
    _log(tx, stored, "update", f"{stored} signed in with a recovery code ({len(hashes) - 1} left)")
    return Outcome.RECOVERY


def _replace_recovery_codes(tx: Database, stored: str, codes: list[str]) -> None:
    """Forget the account's recovery codes and keep the hashes of `codes`."""
    tx.execute(sa.delete(recovery_codes).where(recovery_codes.c.organiser == stored))
    rows = [{"organiser": stored, "hash": second_factor.recovery_hash(code)} for code in codes]
    tx.execute(sa.insert(recovery_codes), rows)


def _looks_like_totp(code: str) -> bool:
    """Six digits, spaces aside: the app's code (recovery codes have letters)."""
    digits = "".join(code.split())
    return len(digits) == second_factor.DIGITS and digits.isascii() and digits.isdigit()


def _log(tx: Database, by: str, action: str, summary: str) -> None:
    """An audit entry for a change of the factor (names only; never a secret or a code)."""
    audit.record(tx, by, AUDIT_FILE, action, summary=summary)

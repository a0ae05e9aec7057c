"""The second factor as stored: setup confirmed by a code, codes used once, recovery codes, races.

Every test runs on SQLite and on PostgreSQL (the `database` fixture).
"""

from __future__ import annotations

import io
import re
import threading
import time

import pyotp
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner

from campaign.cli import main
from campaign.storage import audit, factors, organisers, second_factor
from campaign.storage.factors import FactorError, Outcome
from campaign.storage.tables import organisers as accounts
from campaign.storage.tables import recovery_codes

GOOD = "violet tram umbrella seven"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Cheap argon2 parameters: the factor is what these tests are about."""
    monkeypatch.setattr(organisers, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def maria(database) -> str:
    """An account without the factor."""
    organisers.add(database, "maria", GOOD)
    return "maria"


def code(secret: str, seconds_ago: float = 0) -> str:
    """The code an authenticator app shows (or showed `seconds_ago`)."""
    return pyotp.TOTP(secret, interval=second_factor.STEP_S).at(time.time() - seconds_ago)


def turned_on(database, name: str) -> tuple[str, list[str]]:
    """Set the factor up for `name` with the code of a step ago; its secret and recovery codes.

    The previous step's code, so that the test's own "current" code is still unused.
    """
    secret = factors.setup_secret(database, name)
    codes = factors.confirm_setup(database, name, secret, code(secret, second_factor.STEP_S))
    return secret, codes


def row(database, name: str) -> dict:
    with database.read() as tx:
        found = tx.execute(sa.select(accounts).where(accounts.c.name == name)).mappings().one()
    return dict(found)


def stored_hashes(database, name: str) -> list[str]:
    with database.read() as tx:
        query = sa.select(recovery_codes.c.hash).where(recovery_codes.c.organiser == name)
        return list(tx.execute(query).scalars())


# --- setup ---------------------------------------------------------------------------------


def test_the_factor_is_off_until_a_first_code_confirms_the_secret(database, maria):
    secret = factors.setup_secret(database, maria)
    assert factors.setup_secret(database, maria) == secret  # a reload shows the same secret
    assert not factors.is_on(database, maria)
    with pytest.raises(FactorError, match="the code is not right"):
        factors.confirm_setup(database, maria, secret, "000000")
    with pytest.raises(FactorError, match="not right"):
        factors.confirm_setup(database, maria, secret, code(second_factor.new_secret()))
    assert not factors.is_on(database, maria)  # a mis-scanned secret locks nobody out
    codes = factors.confirm_setup(database, maria, secret, code(secret))
    assert factors.state(database, maria) == factors.State(True, second_factor.RECOVERY_CODES)
    assert len(set(codes)) == second_factor.RECOVERY_CODES
    hashes = stored_hashes(database, maria)
    assert sorted(hashes) == sorted(second_factor.recovery_hash(c) for c in codes)
    assert not any(c in repr(row(database, maria)) for c in codes)  # only hashes are kept


def test_a_replaced_setup_cannot_be_confirmed(database, maria):
    old = factors.setup_secret(database, maria)
    new = factors.setup_secret(database, maria, fresh=True)
    assert new != old
    with pytest.raises(FactorError, match="replaced by a newer one"):
        factors.confirm_setup(database, maria, old, code(old))
    factors.confirm_setup(database, maria, new, code(new))
    with pytest.raises(FactorError, match="already signs in with a second factor"):
        factors.setup_secret(database, maria)


def test_turning_on_and_off_ends_every_session_and_is_audited(database, maria):
    epoch = organisers.session_epoch(database, maria)
    turned_on(database, maria)
    on_epoch = organisers.session_epoch(database, maria)
    assert on_epoch != epoch
    factors.new_recovery_codes(database, maria, by="maria")
    factors.turn_off(database, maria)
    assert organisers.session_epoch(database, maria) not in (epoch, on_epoch)
    assert factors.state(database, maria) == factors.State(False, 0)
    assert row(database, maria)["totp_secret"] is None
    assert stored_hashes(database, maria) == []
    summaries = [change.summary for change in audit.recent_changes(database, 3)]
    assert summaries == [
        "second factor of maria turned off; signed out everywhere",
        "new recovery codes for maria; the old ones no longer work",
        "second factor of maria turned on; signed out everywhere",
    ]
    with pytest.raises(FactorError, match="no second factor to turn off"):
        factors.turn_off(database, maria)
    with pytest.raises(FactorError, match="turn it on first"):
        factors.new_recovery_codes(database, maria)


def test_unknown_accounts(database):
    with pytest.raises(organisers.AccountError, match="no organiser called 'anna'"):
        factors.setup_secret(database, "anna")
    assert factors.check_code(database, "anna", "123456") is Outcome.WRONG
    assert factors.state(database, "anna") == factors.State(False, 0)


# --- codes at sign-in ----------------------------------------------------------------------


def test_a_code_is_accepted_once(database, maria):
    secret, _codes = turned_on(database, maria)
    now = code(secret)
    assert factors.check_code(database, maria, now) is Outcome.ACCEPTED
    assert factors.check_code(database, maria, now) is Outcome.REPLAYED
    assert factors.check_code(database, "MARIA", f"{now[:3]} {now[3:]}") is Outcome.REPLAYED


def test_a_code_older_than_the_last_used_or_from_three_steps_ago_is_refused(database, maria):
    secret, _codes = turned_on(database, maria)
    assert factors.check_code(database, maria, code(secret, -second_factor.STEP_S)) is (
        Outcome.ACCEPTED  # the next step's code (a phone a little ahead)
    )
    assert factors.check_code(database, maria, code(secret)) is Outcome.REPLAYED  # older
    three_ago = code(secret, 3 * second_factor.STEP_S)
    assert factors.check_code(database, maria, three_ago) is Outcome.WRONG


def test_wrong_and_malformed_codes(database, maria):
    secret, _codes = turned_on(database, maria)
    for typed in ["", "12345", "1234567", "abcdef", "x" * 10_000, "١٢٣٤٥٦", None]:
        assert factors.check_code(database, maria, typed) is Outcome.WRONG
    other = code(second_factor.new_secret())
    if other != code(secret):
        assert factors.check_code(database, maria, other) is Outcome.WRONG


def test_a_recovery_code_is_used_up(database, maria):
    _secret, codes = turned_on(database, maria)
    assert factors.check_code(database, maria, codes[2].upper()) is Outcome.RECOVERY
    assert factors.check_code(database, maria, codes[2]) is Outcome.WRONG
    assert factors.state(database, maria).recovery_left == second_factor.RECOVERY_CODES - 1
    assert "(9 left)" in audit.recent_changes(database, 1)[0].summary


def test_new_recovery_codes_replace_the_old_ones(database, maria):
    _secret, old = turned_on(database, maria)
    new = factors.new_recovery_codes(database, maria)
    assert factors.check_code(database, maria, old[0]) is Outcome.WRONG
    assert factors.check_code(database, maria, new[0]) is Outcome.RECOVERY


def test_a_removed_account_takes_its_recovery_codes_along(database, maria):
    turned_on(database, maria)
    organisers.remove(database, maria)
    assert stored_hashes(database, maria) == []


def test_a_legacy_account_is_imported_without_a_factor(database):
    record = {"hash": "$argon2id$x", "session_epoch": "e" * 32, "password_changed": "2026"}
    assert organisers.import_account(database, "anna", record)
    assert row(database, "anna")["totp_on"] is False
    assert row(database, "anna")["totp_last_step"] == 0


# --- races ---------------------------------------------------------------------------------


def race(database, name: str, typed: str, threads: int = 2) -> list[Outcome]:
    """Sign-ins with the same code at the same moment, one thread each."""
    barrier = threading.Barrier(threads)
    outcomes: list[Outcome] = []

    def sign_in() -> None:
        barrier.wait()
        outcomes.append(factors.check_code(database, name, typed))

    workers = [threading.Thread(target=sign_in) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def test_two_sign_ins_racing_with_one_code_one_wins(database, maria):
    secret, codes = turned_on(database, maria)
    outcomes = race(database, maria, code(secret), threads=4)
    assert sorted(o.value for o in outcomes) == ["accepted", "replayed", "replayed", "replayed"]
    outcomes = race(database, maria, codes[0], threads=4)
    assert sorted(o.value for o in outcomes) == ["recovery", "wrong", "wrong", "wrong"]


def test_the_conditional_update_refuses_a_step_already_stored(database, maria, monkeypatch):
    """Both sign-ins read the old step before either writes (PostgreSQL's READ COMMITTED)."""
    secret, _codes = turned_on(database, maria)
    typed = code(secret)
    first_reads = row(database, maria)
    monkeypatch.setattr(factors, "_row", lambda tx, name: dict(first_reads))
    outcomes = [factors.check_code(database, maria, typed) for _ in range(2)]
    assert outcomes == [Outcome.ACCEPTED, Outcome.REPLAYED]


# --- the command line --------------------------------------------------------------------------


class CodeOfThePendingSecret(io.RawIOBase):
    """Standard input that, when first read (at the prompt), holds the code of the secret the
    command has just stored and shown: what the organiser reads off the app."""

    def __init__(self, database, name: str, before: str = ""):
        self.database, self.name, self.before, self.data = database, name, before, b""
        self.started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if not self.started:
            self.started = True
            secret = row(self.database, self.name)["totp_secret"]
            self.data = f"{self.before}{code(secret)}\n".encode()
        size = min(len(buffer), len(self.data))
        buffer[:size], self.data = self.data[:size], self.data[size:]
        return size


def cli(database, tmp_path, *args: str, typed=""):
    """`campaign --database URL organisers ARGS`, with `typed` on its standard input."""
    command = ["--instance", str(tmp_path / "instance"), "--database", database.url, "organisers"]
    return CliRunner().invoke(main, [*command, *args], input=typed)


def test_2fa_on_turns_on_only_after_a_right_code(database, maria, tmp_path):
    wrong = cli(database, tmp_path, "2fa-on", maria, typed="000000\n111111\n222222\n")
    assert wrong.exit_code == 1
    assert wrong.output.count("error: the code is not right") == 3
    assert not factors.is_on(database, maria)  # a mis-scanned secret: nothing turned on

    typed = io.BufferedReader(CodeOfThePendingSecret(database, maria, before="123\n"))
    result = cli(database, tmp_path, "2fa-on", maria, typed=typed)
    assert result.exit_code == 0, result.output
    secret = row(database, maria)["totp_secret"]
    assert f"secret: {second_factor.spaced(secret)}" in result.output
    assert second_factor.setup_uri(secret, maria, second_factor.ISSUER) in result.output
    assert second_factor.qr_text(second_factor.setup_uri(secret, maria, second_factor.ISSUER)) in (
        result.output
    )
    assert "error: the code is not right" in result.output  # "123" first, then the right one
    shown = re.findall(r"^  ([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})$", result.output, re.M)
    assert sorted(second_factor.recovery_hash(c) for c in shown) == sorted(
        stored_hashes(database, maria)
    )
    assert factors.is_on(database, maria)
    again = cli(database, tmp_path, "2fa-on", maria)
    assert again.exit_code == 1
    assert "error: maria already signs in with a second factor" in again.output


def test_2fa_codes_and_2fa_off(database, maria, tmp_path):
    _secret, old = turned_on(database, maria)
    made = cli(database, tmp_path, "2fa-codes", maria)
    assert made.exit_code == 0, made.output
    new = re.findall(r"^  ([a-z2-9-]{14})$", made.output, re.M)
    assert len(new) == second_factor.RECOVERY_CODES
    assert factors.check_code(database, maria, old[0]) is Outcome.WRONG
    assert factors.check_code(database, maria, new[0]) is Outcome.RECOVERY
    refused = cli(database, tmp_path, "2fa-off", maria, typed="n\n")
    assert refused.exit_code == 1 and factors.is_on(database, maria)
    off = cli(database, tmp_path, "2fa-off", maria, "--yes")
    assert off.exit_code == 0, off.output
    assert "The second factor of maria is off" in off.output
    assert not factors.is_on(database, maria)
    twice = cli(database, tmp_path, "2fa-off", maria, "--yes")
    assert twice.output == "error: maria has no second factor to turn off\n"
    unknown = cli(database, tmp_path, "2fa-codes", "anna")
    assert unknown.exit_code == 1 and "no organiser called 'anna'" in unknown.output

"""Organiser accounts: the password policy, argon2id hashes, session epochs, the CLI.

The accounts' tests run on SQLite and on PostgreSQL (the `database` fixture).
"""

import time

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from click.testing import CliRunner

from campaign.cli import main
from campaign.storage import audit, organisers
from campaign.storage.organisers import AccountError, WeakPassword
from campaign.storage.tables import organisers as accounts

GOOD = "violet tram umbrella seven"
OTHER = "copper lantern orchard nine"


@pytest.fixture
def instance(database):
    """The database of the accounts (named as the instance folder that held them once)."""
    return database


def stored(database, name: str) -> dict:
    """The row of an account as the database holds it."""
    with database.read() as tx:
        row = tx.execute(sa.select(accounts).where(accounts.c.name == name)).mappings().one()
    return dict(row)


@pytest.fixture(autouse=True)
def fast_hashing(request, monkeypatch):
    """Cheap argon2 parameters, except in the tests that ask for the real ones."""
    if "real_hasher" not in request.fixturenames:
        cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        monkeypatch.setattr(organisers, "HASHER", cheap)


@pytest.fixture
def real_hasher():
    """The production parameters: 64 MiB, 3 passes."""
    return organisers.HASHER


# --- the policy --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("short pass", "has 10 characters; use at least 15"),
        ("x" * 257, "use at most 256"),
        ("a" * 20, "one character repeated"),
        ("ZZZZZZZZZZZZZZZZZZZZZZZZZ", "one character repeated"),
        ("123456789987654321", "30,000 most common passwords"),
        ("QWERTY123456789", "30,000 most common passwords"),  # common, whatever the case
        ("password1234567", "too easy to guess"),
        ("qwertyuiopasdfgh", "too easy to guess"),
    ],
)
def test_policy_refuses(password, words):
    with pytest.raises(WeakPassword, match=words):
        organisers.check_password(password, "maria")


def test_policy_refuses_the_account_name_in_any_case():
    with pytest.raises(WeakPassword, match="contains the account name"):
        organisers.check_password("my name is Maria.Rossi ok", "maria.rossi")
    with pytest.raises(WeakPassword, match="contains the account name"):
        organisers.check_password("maria.rossi.1984", "Maria.Rossi.1984")  # equal to the name


def test_policy_counts_characters_not_bytes_and_needs_no_symbols():
    organisers.check_password("берёза ручей окно", "maria")  # 17 characters, letters only
    organisers.check_password(GOOD, "maria")
    long = "".join(f"{word} {n} " for n, word in enumerate(GOOD.split() * 20))[:256]
    organisers.check_password(long, "maria")  # 256 is allowed


def test_common_list_is_zxcvbns_thirty_thousand():
    assert len(organisers._common_passwords()) > 29_000
    assert "password" in organisers._common_passwords()


# --- accounts ----------------------------------------------------------------------------------


def test_add_stores_an_argon2id_hash(instance, real_hasher):
    organisers.add(instance, "maria", GOOD)
    record = stored(instance, "maria")
    assert GOOD not in repr(record)
    assert record["hash"].startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert len(record["session_epoch"]) >= 32
    assert organisers.names(instance) == ["maria"]


def test_verify_accepts_the_password_and_refuses_others(instance):
    organisers.add(instance, "maria", GOOD)
    assert organisers.verify(instance, "maria", GOOD)
    assert organisers.verify(instance, "MARIA", GOOD)  # names match regardless of case
    assert not organisers.verify(instance, "maria", OTHER)
    assert not organisers.verify(instance, "maria", GOOD.upper())
    assert not organisers.verify(instance, "nobody", GOOD)
    assert not organisers.verify(instance, "maria", None)


def test_unknown_name_takes_as_long_as_a_wrong_password(instance, real_hasher):
    organisers.add(instance, "maria", GOOD)

    def timed(name):
        start = time.perf_counter()
        assert not organisers.verify(instance, name, OTHER)
        return time.perf_counter() - start

    known, unknown = min(timed("maria") for _ in range(3)), min(timed("anna") for _ in range(3))
    assert unknown > known * 0.5, (known, unknown)  # both pay for one argon2 verification
    assert not organisers.HASHER.check_needs_rehash(organisers.DUMMY_HASH)


def test_weak_password_is_refused_and_nothing_is_stored(instance):
    with pytest.raises(WeakPassword, match="at least 15"):
        organisers.add(instance, "maria", "tooshort")
    assert organisers.names(instance) == []


def test_name_rules_and_duplicates(instance):
    for bad in ("", "a b", "x" * 65, "maría", "../etc"):
        with pytest.raises(AccountError, match="is not an organiser name"):
            organisers.add(instance, bad, GOOD)
    organisers.add(instance, "maria", GOOD)
    with pytest.raises(AccountError, match="already an organiser called 'Maria'"):
        organisers.add(instance, "Maria", OTHER)


def test_remove_and_unknown_organiser(instance):
    organisers.add(instance, "maria", GOOD)
    organisers.add(instance, "anna", OTHER)
    organisers.remove(instance, "maria")
    assert organisers.names(instance) == ["anna"]
    assert not organisers.verify(instance, "maria", GOOD)
    with pytest.raises(AccountError, match=r"no organiser called 'maria' \(organisers: anna\)"):
        organisers.remove(instance, "maria")


def test_set_password_changes_the_hash_and_the_session_epoch(instance):
    organisers.add(instance, "maria", GOOD)
    before = organisers.session_epoch(instance, "maria")
    after = organisers.set_password(instance, "maria", OTHER)
    assert after != before
    assert organisers.session_epoch(instance, "maria") == after
    assert organisers.verify(instance, "maria", OTHER)
    assert not organisers.verify(instance, "maria", GOOD)
    with pytest.raises(WeakPassword):
        organisers.set_password(instance, "maria", "maria is great!!")


def test_account_changes_are_in_the_audit_log_without_secrets(instance):
    organisers.add(instance, "maria", GOOD)
    organisers.set_password(instance, "maria", OTHER, by="maria")
    organisers.remove(instance, "maria")
    changes = audit.recent_changes(instance)
    assert [(c.who, c.action, c.summary) for c in changes] == [
        ("command line", "delete", "organiser maria removed"),
        ("maria", "update", "password of maria changed; signed out everywhere"),
        ("command line", "add", "organiser maria added"),
    ]
    log = repr(audit.recent_changes(instance))
    assert GOOD not in log and OTHER not in log and "argon2" not in log


def test_sign_out_everywhere_replaces_the_epoch(instance):
    organisers.add(instance, "maria", GOOD)
    before = organisers.session_epoch(instance, "maria")
    assert organisers.sign_out_everywhere(instance, "maria") != before
    assert organisers.session_epoch(instance, "maria") != before
    assert organisers.session_epoch(instance, "nobody") == ""


def test_verify_rehashes_an_old_hash(instance, monkeypatch, real_hasher):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(organisers, "HASHER", weak)
    organisers.add(instance, "maria", GOOD)
    monkeypatch.setattr(organisers, "HASHER", real_hasher)
    assert organisers.verify(instance, "maria", GOOD)
    assert stored(instance, "maria")["hash"].startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert organisers.verify(instance, "maria", GOOD)


def test_names_are_one_account_whatever_their_case_even_at_once(instance):
    record = {"hash": "$argon2id$x", "session_epoch": "e" * 32, "password_changed": "2026-11-01"}
    assert organisers.import_account(instance, "Maria", record)
    assert not organisers.import_account(instance, "MARIA", record)
    assert organisers.names(instance) == ["Maria"]
    assert organisers.session_epoch(instance, "maria") == "e" * 32


# --- the command line --------------------------------------------------------------------------


def run(instance, *args, input=None):
    """Run `campaign organisers ...` against the database `instance`."""
    return CliRunner().invoke(
        main, ["--database", instance.url, "organisers", *args], input=input, catch_exceptions=False
    )


def test_cli_add_asks_twice_then_list_and_remove(instance):
    result = run(instance, "add", "maria", input=f"{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("Password for maria") == 1
    assert "Repeat for confirmation" in result.output
    assert GOOD not in result.output  # hidden input is not echoed
    assert organisers.verify(instance, "maria", GOOD)
    assert run(instance, "list").output == "maria\n"
    result = run(instance, "remove", "maria", input="y\n")
    assert result.exit_code == 0, result.output
    assert organisers.names(instance) == []


def test_cli_add_refuses_a_weak_password_with_the_policy_message(instance):
    result = run(instance, "add", "maria", input="password\npassword\n")
    assert result.exit_code == 1
    assert "error: the password has 8 characters; use at least 15" in result.output
    assert "Traceback" not in result.output
    assert organisers.names(instance) == []


def test_cli_add_refuses_differing_passwords_then_accepts(instance):
    result = run(instance, "add", "maria", input=f"{GOOD}\n{OTHER}\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert organisers.verify(instance, "maria", GOOD)


def test_cli_refuses_bad_and_taken_names_before_asking(instance):
    result = run(instance, "add", "no spaces")
    assert result.exit_code == 1 and "is not an organiser name" in result.output
    run(instance, "add", "maria", input=f"{GOOD}\n{GOOD}\n")
    result = run(instance, "add", "maria")
    assert result.exit_code == 1 and "already an organiser" in result.output
    assert "Password" not in result.output


def test_cli_remove_unknown_and_unconfirmed(instance):
    result = run(instance, "remove", "nobody", input="y\n")
    assert result.exit_code == 1 and "no organiser called 'nobody'" in result.output
    run(instance, "add", "maria", input=f"{GOOD}\n{GOOD}\n")
    result = run(instance, "remove", "maria", input="n\n")
    assert result.exit_code == 1
    assert organisers.names(instance) == ["maria"]


def test_cli_password_changes_it(instance):
    run(instance, "add", "maria", input=f"{GOOD}\n{GOOD}\n")
    result = run(instance, "password", "maria", input=f"{OTHER}\n{OTHER}\n")
    assert result.exit_code == 0, result.output
    assert organisers.verify(instance, "maria", OTHER)
    result = run(instance, "password", "nobody")
    assert result.exit_code == 1 and "no organiser called 'nobody'" in result.output


def test_cli_database_from_the_environment(instance, tmp_path):
    result = CliRunner().invoke(
        main,
        ["--instance", str(tmp_path / "unused"), "organisers", "add", "anna"],
        input=f"{GOOD}\n{GOOD}\n",
        env={"CAMPAIGN_DATABASE_URL": instance.url},
    )
    assert result.exit_code == 0, result.output
    assert organisers.names(instance) == ["anna"]


def test_cli_default_is_the_sqlite_file_of_the_instance_folder(tmp_path):
    folder = tmp_path / "instance"
    result = CliRunner().invoke(
        main,
        ["--instance", str(folder), "organisers", "add", "anna"],
        input=f"{GOOD}\n{GOOD}\n",
    )
    assert result.exit_code == 0, result.output
    assert (folder / "campaign.sqlite3").stat().st_mode & 0o077 == 0  # it holds the hashes
    assert run_in(folder, "list").output == "anna\n"


def run_in(folder, *args):
    return CliRunner().invoke(main, ["--instance", str(folder), "organisers", *args])

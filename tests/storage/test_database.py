"""campaign.storage.database: URLs, one line for every failure, transactions, forks."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from campaign.cli import main
from campaign.errors import CampaignError
from campaign.storage import audit, counts, versions
from campaign.storage.database import (
    DatabaseError,
    connect,
    default_url,
    normalised_url,
    open_database,
    shown,
)
from campaign.web import create_app
from tests.builders import ROOT
from tests.databases import free_port


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:p@db.example/campaign", "postgresql+psycopg://u:p@db.example/campaign"),
        ("postgres://u@db.example:5433/campaign", "postgresql+psycopg://u@db.example:5433/campaign"),
        ("postgresql+psycopg://u@/campaign?host=/run/pg", "postgresql+psycopg://u@/campaign?host=%2Frun%2Fpg"),
        ("sqlite:////srv/instance/campaign.sqlite3", "sqlite:////srv/instance/campaign.sqlite3"),
    ],
)  # fmt: skip
def test_urls_get_the_driver_this_package_uses(given, used):
    assert normalised_url(given) == used


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("not a url", "is not a database URL"),
        ("", "is not a database URL"),
        ("mysql://u@host/campaign", "mysql:// is not supported"),
        ("sqlite://", "SQLite needs a file"),
        ("sqlite:///:memory:", "SQLite needs a file"),
        ("postgresql://u@host", "name the database"),
    ],
)
def test_a_bad_url_is_one_clear_error(given, words):
    with pytest.raises(CampaignError, match=words):
        connect(given)


def test_messages_never_show_the_password():
    assert shown("postgresql+psycopg://campaign:s3cret@db/campaign") == (
        "postgresql+psycopg://campaign:***@db/campaign"
    )


def test_the_default_is_a_private_sqlite_file_in_the_instance_folder(tmp_path):
    url = default_url(tmp_path / "instance")
    assert url == f"sqlite:///{tmp_path / 'instance' / 'campaign.sqlite3'}"
    database = open_database(url)
    counts.record(database, "it-interior", "post")
    path = tmp_path / "instance" / "campaign.sqlite3"
    assert path.stat().st_mode & 0o077 == 0 and (path.parent.stat().st_mode & 0o077) == 0
    with database.read() as tx:
        pragmas = [
            tx.connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]
    assert pragmas == ["wal", 1, 5000]


# --- failures: one line, no traceback ------------------------------------------------------------


def test_an_unreachable_server_is_one_line_naming_it():
    url = f"postgresql://campaign:s3cret@127.0.0.1:{free_port()}/campaign"
    with pytest.raises(DatabaseError) as refused:
        counts.total(connect(url))
    message = str(refused.value)
    assert message.startswith(
        f"database postgresql+psycopg://campaign:***@127.0.0.1:{url.split(':')[3]}"
    )
    assert "cannot connect (Connection refused" in message
    assert "check CAMPAIGN_DATABASE_URL" in message and "\n" not in message
    assert "s3cret" not in message


def test_a_wrong_password_is_one_line_naming_it(postgres):
    url = postgres.url("postgres", tcp=True, password="not the password")
    with pytest.raises(DatabaseError) as refused:
        open_database(url)
    message = str(refused.value)
    assert 'cannot connect (password authentication failed for user "postgres")' in message
    assert "not the password" not in message and "\n" not in message
    assert counts.total(open_database(postgres.url(postgres.new_database(), tcp=True))) == 0


def test_the_command_line_says_one_line_and_exits_1(postgres):
    url = postgres.url("postgres", tcp=True, password="not the password")
    result = CliRunner().invoke(main, ["--database", url, "organisers", "list"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: database postgresql+psycopg://postgres:***@127.0.0.1")
    assert "password authentication failed" in result.output


def test_the_web_app_does_not_start_and_says_why_in_one_line(tmp_path, site):
    environment = {
        **os.environ,
        "CAMPAIGN_DATABASE_URL": f"postgresql://campaign:s3cret@127.0.0.1:{free_port()}/campaign",
        "CAMPAIGN_INSTANCE": str(tmp_path / "instance"),
    }
    started = subprocess.run(
        [sys.executable, "-c", "import app"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode == 1
    assert started.stderr.startswith("error: database postgresql+psycopg://campaign:***@127.0.0.1")
    assert "Connection refused" in started.stderr and "Traceback" not in started.stderr
    assert started.stderr.count("\n") == 1


@contextlib.contextmanager
def read_only(folder: Path):
    """`folder` where nothing can be created, even by root (the tests run as root)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
    else:
        folder.chmod(0o500)
    try:
        yield folder
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o700)


@pytest.mark.parametrize("made_before", [False, True])
def test_a_read_only_instance_folder_is_one_clear_error(tmp_path, site, made_before):
    folder = tmp_path / "instance"
    folder.mkdir(mode=0o700)
    (folder / "secret_key").write_text("k" * 64)
    if made_before:  # a database made while the folder was writable
        counts.record(open_database(default_url(folder)), "it-interior", "post")
        from campaign.storage.database import dispose_all

        dispose_all()
    with read_only(folder):
        with pytest.raises(DatabaseError) as refused:
            counts.total(open_database(default_url(folder)))
        assert str(refused.value).endswith(f"; check that {folder} is writable")
        result = CliRunner().invoke(main, ["--instance", str(folder), "organisers", "list"])
        assert result.exit_code == 1 and "is writable" in result.output
        assert "Traceback" not in result.output
        config = {"INSTANCE_PATH": str(folder), "TESTING": True}
        with pytest.raises(DatabaseError, match="is writable"):
            create_app({**config, "RECIPIENTS": str(site.recipients)})


# --- transactions ---------------------------------------------------------------------------------


def test_a_version_and_its_audit_entry_commit_or_roll_back_together(database):
    with pytest.raises(OSError, match="disk full"), database.begin() as tx:
        versions.record(tx, "letter.en.txt", b"Dear office,\n", "maria")
        audit.record(tx, "maria", "letter.en.txt", "edit", summary="one step")
        raise OSError("disk full")  # the save fails after both were written
    assert versions.list_versions(database, "letter.en.txt") == []
    assert audit.recent_changes(database) == []
    with database.begin() as tx:
        kept = versions.record(tx, "letter.en.txt", b"Dear office,\n", "maria")
        audit.record(tx, "maria", "letter.en.txt", "edit", summary="one step")
    assert versions.list_versions(database, "letter.en.txt") == [kept]
    assert [change.summary for change in audit.recent_changes(database)] == ["one step"]


def test_a_read_transaction_refuses_a_write(database):
    with database.read() as tx, pytest.raises(RuntimeError, match="a write inside a read"):
        counts.record(tx, "it-interior", "post")
    with pytest.raises(RuntimeError, match=r"use `with db\.begin"):
        database.execute(sa.text("SELECT 1"))


def _count_after_fork(database) -> None:
    counts.record(database, "kz-president", "post")  # the child's own connection


def test_a_forked_worker_opens_its_own_connections(database):
    counts.record(database, "it-interior", "post")  # the parent's pool holds a connection now
    context = multiprocessing.get_context("fork")  # as gunicorn makes its workers
    children = [context.Process(target=_count_after_fork, args=(database,)) for _ in range(3)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
    assert [child.exitcode for child in children] == [0, 0, 0]
    counts.record(database, "it-interior", "post")  # and the parent's still works
    assert counts.by_channel(database) == {"post": 5}

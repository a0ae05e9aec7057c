"""Upgrading an instance folder from before the database: everything arrives, once.

The old folder is made by the storage code as it was at commit f14c341 (copied verbatim in
tests/storage/legacy_f14c341/), then imported with `campaign.storage.legacy` into SQLite and
into PostgreSQL (the `database` fixture).
"""

from __future__ import annotations

import multiprocessing
import shutil
import sqlite3
from dataclasses import astuple
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from campaign.cli import main
from campaign.storage import audit, counts, legacy, organisers, versions
from campaign.web import create_app
from tests.storage import workers
from tests.storage.legacy_f14c341 import audit as old_audit
from tests.storage.legacy_f14c341 import counts as old_counts
from tests.storage.legacy_f14c341 import organisers as old_organisers
from tests.storage.legacy_f14c341 import versions as old_versions
from tests.web.pages import page

GOOD = "violet tram umbrella seven"
OTHER = "copper lantern orchard nine"
FILES = ("recipients.yaml", "campaign.yaml", "letter.en.txt", "letter.ru.txt")


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch):
    """Cheap argon2 in the old and the new code: the hashes are carried over as they are."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(old_organisers, "HASHER", cheap)
    monkeypatch.setattr(organisers, "HASHER", cheap)


def build_old_instance(folder: Path) -> Path:
    """An instance folder as f14c341 left it: counts, accounts, audit log, versions, limits."""
    folder.mkdir(parents=True)  # the old web app made it (config.instance_path)
    counts_db = folder / "counts.sqlite3"
    old_counts.record_many(
        counts_db, [("it-interior", "post"), ("it-interior", "email")], "2026-11-20"
    )
    for _ in range(41):
        old_counts.record(counts_db, "kz-president", "phone", day="2026-11-21")
    old_counts.record(counts_db, "kz-nsc-atyrau", "fax", day="2026-11-22")
    old_organisers.add(folder, "maria.rossi", GOOD)
    old_organisers.add(folder, "Anna", OTHER, by="maria.rossi")
    old_organisers.set_password(folder, "anna", GOOD, by="Anna")
    old_organisers.sign_out_everywhere(folder, "maria.rossi", by="maria.rossi")
    old_audit.record(
        folder,
        "maria.rossi",
        "recipients.yaml",
        "update",
        office="kz-president",
        summary="kz-president: ask.ru «Освободите Алму» — phones",
        fields=["kz-president.ask.ru", "kz-president.phones"],
    )
    for number, file_name in enumerate(FILES):
        for step in range(3):
            text = f"{file_name} v{step}: Алма Шалабаева, Alua Ablyazova\n" * (number + 1)
            who = "" if step == 0 else ("maria.rossi", "Anna")[step % 2]
            old_versions.record(folder, file_name, text.encode() + bytes([0, 255]), who)
    stray = folder / "versions" / "letter.en.txt" / ".20261122T1-maria.rossi-0.txt.abc.tmp"
    stray.write_bytes(b"half a save")  # a temporary file a killed save left behind
    limits = sqlite3.connect(folder / "limits.sqlite3")  # the windows: not imported
    limits.execute("CREATE TABLE events (window TEXT, key TEXT, at REAL)")
    limits.commit()
    limits.close()
    return folder


@pytest.fixture(scope="session")
def old_instance(tmp_path_factory) -> Path:
    """The old instance folder, made once (each of its saves is fsynced, as it was)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(old_organisers, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024))
        return build_old_instance(tmp_path_factory.mktemp("old") / "instance")


@pytest.fixture
def instance(tmp_path, old_instance) -> Path:
    """A copy of the old instance folder that a test may change."""
    return Path(shutil.copytree(old_instance, tmp_path / "instance"))


def old_state(folder: Path) -> dict:
    """What the old code itself reads back from the folder."""
    accounts = old_organisers._read(folder)
    return {
        "counts": old_counts.rows(folder / "counts.sqlite3"),
        "names": old_organisers.names(folder),
        "epochs": {name: record["session_epoch"] for name, record in accounts.items()},
        "hashes": {name: record["hash"] for name, record in accounts.items()},
        "audit": [astuple(change) for change in old_audit.recent_changes(folder, 1000)],
        "versions": {
            name: [
                (astuple(kept), old_versions.read(folder, name, kept.id))
                for kept in old_versions.list_versions(folder, name, 1000)
            ]
            for name in FILES
        },
    }


def new_state(database) -> dict:
    """The same, read from the database by the new code."""
    names = organisers.names(database)
    return {
        "counts": counts.rows(database),
        "names": names,
        "epochs": {name: organisers.session_epoch(database, name) for name in names},
        "hashes": {name: organisers._account(database, name)["hash"] for name in names},
        "audit": [astuple(change) for change in audit.recent_changes(database, 1000)],
        "versions": {
            name: [
                (astuple(kept), versions.read(database, name, kept.id))
                for kept in versions.list_versions(database, name, 1000)
            ]
            for name in FILES
        },
    }


def test_every_row_account_entry_and_version_arrives(instance, database):
    before = old_state(instance)
    assert sum(n for *_, n in before["counts"]) == 44 and len(before["audit"]) == 5
    assert all(len(kept) == 3 for kept in before["versions"].values())

    report = legacy.import_instance(database, instance)

    assert report.problems == [] and report.skipped == []
    assert [line.split(": ", 1)[1] for line in report.imported] == [
        "4 counts (44 letters)",
        "2 accounts (Anna, maria.rossi)",
        "5 audit entries",
        "3 versions of campaign.yaml",
        "3 versions of letter.en.txt; ignored 1 other file",
        "3 versions of letter.ru.txt",
        "3 versions of recipients.yaml",
    ]
    assert new_state(database) == before
    assert organisers.verify(database, "maria.rossi", GOOD)
    assert organisers.verify(database, "anna", GOOD) and not organisers.verify(
        database, "anna", OTHER
    )
    version = versions.list_versions(database, "letter.ru.txt")[0]
    kept = versions.read(database, "letter.ru.txt", version.id)
    assert versions.find(database, "letter.ru.txt", versions.safe_files.version(kept)) == kept


def test_a_second_import_imports_nothing_twice(instance, database):
    legacy.import_instance(database, instance)
    imported = new_state(database)
    again = legacy.import_instance(database, instance)
    assert again.imported == [] and again.problems == []
    assert len(again.skipped) == 7 and all("already imported on" in line for line in again.skipped)
    assert new_state(database) == imported
    assert [source for source, _, _ in legacy.imported_sources(database)] == [
        "audit.jsonl",
        "counts.sqlite3",
        "organisers.json",
        "versions/campaign.yaml",
        "versions/letter.en.txt",
        "versions/letter.ru.txt",
        "versions/recipients.yaml",
    ]


def test_a_file_changed_after_its_import_is_not_imported_again(instance, database):
    legacy.import_instance(database, instance)
    old_counts.record(instance / "counts.sqlite3", "it-interior", "post", day="2026-11-23")
    report = legacy.import_instance(database, instance)
    assert any("counts.sqlite3: changed since it was imported" in line for line in report.skipped)
    assert counts.total(database) == 44  # nothing counted twice
    (instance / "counts.sqlite3").write_bytes(b"broken since")  # a start-up does not read it
    start_up = legacy.import_instance(database, instance, check_changes=False)
    assert start_up.problems == [] and start_up.imported == []
    assert all("already imported on" in line for line in start_up.skipped)


def test_an_import_adds_to_what_the_database_already_holds(instance, database):
    counts.record(database, "kz-president", "phone", day="2026-11-21")
    organisers.import_account(
        database,
        "ANNA",
        {"hash": "$argon2id$kept", "session_epoch": "e" * 32, "password_changed": "2026-11-30"},
    )
    report = legacy.import_instance(database, instance)
    assert any(
        "1 accounts (maria.rossi); kept the database's own account of Anna" in line
        for line in report.imported
    )
    assert counts.by_day(database)["2026-11-21"] == 42
    assert organisers.names(database) == ["ANNA", "maria.rossi"]


def test_a_broken_accounts_file_is_named_at_its_line_and_the_rest_is_imported(instance, database):
    accounts = instance / "organisers.json"
    good = accounts.read_text()
    lines = good.splitlines(keepends=True)
    lines[2] = lines[2].replace('"', "", 1)  # a hand edit gone wrong on line 3
    accounts.write_text("".join(lines))

    report = legacy.import_instance(database, instance)

    assert [str(problem) for problem in report.problems] == [
        f"{accounts}:3: not valid JSON (Expecting property name enclosed in double quotes, "
        "column 5); fix it (or move it out of the instance folder), then run `campaign db import`"
    ]
    assert organisers.names(database) == []
    assert counts.total(database) == 44 and len(audit.recent_changes(database, 100)) == 5
    accounts.write_text(good)  # fixed: the next run imports it, and only it
    again = legacy.import_instance(database, instance)
    assert [line.split(": ", 1)[1] for line in again.imported] == ["2 accounts (Anna, maria.rossi)"]
    assert counts.total(database) == 44


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"time": "2026-11-22T10:30:15Z", "who": "x"', "not valid JSON (Expecting ',' delimiter"),
        ("[1, 2]", "not a JSON object"),
        ('{"time": "t", "who": "w", "file": "f"}', "'action' is missing or not text"),
        ('{"time": "t", "who": "w", "file": "f", "action": "a", "fields": "x"}', "'fields' is not"),
        ("\xff\xfe", "not UTF-8 text"),
    ],
)
def test_a_broken_audit_line_is_named_and_nothing_of_the_log_is_imported(
    instance, database, line, message
):
    log = instance / "audit.jsonl"
    entries = log.read_bytes().splitlines(keepends=True)
    entries.insert(3, line.encode("latin-1") + b"\n")
    log.write_bytes(b"".join(entries))
    report = legacy.import_instance(database, instance)
    assert len(report.problems) == 1
    assert str(report.problems[0]).startswith(f"{log}:4: {message}")
    assert audit.recent_changes(database, 100) == []  # all of the log, or none of it
    assert organisers.names(database) == ["Anna", "maria.rossi"]


def test_a_counts_file_that_is_not_a_database_is_named(instance, database):
    (instance / "counts.sqlite3").write_bytes(b"not a database at all" * 100)
    report = legacy.import_instance(database, instance)
    assert [problem.where for problem in report.problems] == [str(instance / "counts.sqlite3")]
    assert "cannot be read as the old counts database" in report.problems[0].message
    assert counts.total(database) == 0 and len(organisers.names(database)) == 2


def test_a_bad_count_row_is_named_by_its_row(instance, database):
    with sqlite3.connect(instance / "counts.sqlite3") as connection:
        connection.execute("INSERT INTO counts VALUES ('It Interior', 'post', '2026-11-20', 3)")
    report = legacy.import_instance(database, instance)
    assert report.problems[0].where == f"{instance / 'counts.sqlite3'}: row 5"
    assert "is not an office id" in report.problems[0].message


def test_two_processes_importing_at_once_import_once(instance, database):
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=workers.import_instance, args=(database.url, str(instance)))
        for _ in range(3)
    ]
    for worker in processes:
        worker.start()
    for worker in processes:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in processes] == [0, 0, 0]
    assert new_state(database) == old_state(instance)


def test_campaign_db_import_reports_and_fails_on_a_broken_file(instance, database):
    runner = CliRunner()
    command = ["--instance", str(instance), "--database", database.url, "db", "import"]
    result = runner.invoke(main, command)
    assert result.exit_code == 0, result.output
    assert f"imported {instance / 'counts.sqlite3'}: 4 counts (44 letters)" in result.output
    result = runner.invoke(main, command)
    assert result.exit_code == 0 and "imported" not in result.output.replace("already imported", "")
    (instance / "versions" / "bad name!").mkdir()
    result = runner.invoke(main, command)
    assert result.exit_code == 1
    assert "is not a file the console edits" in result.output
    assert "Traceback" not in result.output


def test_the_web_app_imports_an_old_instance_when_it_starts(instance, database, site):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database.url,
        "RECIPIENTS": str(site.recipients),
        "TEMPLATES": str(site.templates),
    }
    app = create_app(config)
    assert page(app.test_client().get("/")).one(id="total").text == "44 letters sent so far."
    assert organisers.names(app.extensions["campaign.site"].database) == ["Anna", "maria.rossi"]
    create_app(config)  # a restart, or another worker: nothing twice
    assert counts.total(database) == 44

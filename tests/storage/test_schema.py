"""campaign.storage.schema: the migrations, their lock, `campaign db status` and `db upgrade`.

Every test runs on SQLite and on PostgreSQL; `empty_database_url` is a database with no table.
"""

from __future__ import annotations

import multiprocessing

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner

from campaign.cli import main
from campaign.errors import CampaignError
from campaign.storage import counts, schema, tables
from campaign.storage.database import connect, open_database, shown
from tests.storage import workers

REVISIONS = (
    "0001_counts",
    "0002_throttle",
    "0003_organisers",
    "0004_audit_log",
    "0005_versions",
    "0006_imports",
    "0007_second_factor",
    "0008_reports",
    "0009_published",
)


def test_an_empty_database_is_upgraded_once_to_the_newest_revision(empty_database_url):
    database = connect(empty_database_url)
    assert schema.status(database) == schema.Status(None, REVISIONS[-1], REVISIONS)
    assert schema.upgrade(database) == list(REVISIONS)
    assert schema.status(database).up_to_date
    assert schema.upgrade(database) == []


def test_the_migrations_make_exactly_the_tables_the_code_uses(database):
    with database.read() as tx:
        differences = compare_metadata(MigrationContext.configure(tx.connection), tables.metadata)
    assert differences == []


def test_opening_a_database_upgrades_it_first(empty_database_url):
    counts.record(open_database(empty_database_url), "it-interior", "post")
    assert schema.status(connect(empty_database_url)).up_to_date


def test_a_database_newer_than_the_code_is_refused(database):
    with database.begin() as tx:
        tx.execute(sa.text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    with pytest.raises(CampaignError, match="at revision 0099_from_the_future, which this version"):
        schema.status(database)
    with pytest.raises(CampaignError, match="does not know"):
        open_database(database.url, again=True)


def test_workers_starting_at_once_migrate_once(empty_database_url):
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=workers.open_and_count, args=(empty_database_url,)) for _ in range(4)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0, 0, 0, 0]
    database = connect(empty_database_url)
    assert schema.status(database).up_to_date
    assert counts.total(database) == 4
    with database.read() as tx:
        assert tx.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_campaign_db_status_and_upgrade(empty_database_url):
    runner = CliRunner()
    status = runner.invoke(main, ["--database", empty_database_url, "db", "status"])
    assert status.exit_code == 0, status.output
    assert "revision: none (empty database)" in status.output
    assert f"pending: {', '.join(REVISIONS)}; run `campaign db upgrade`" in status.output
    upgraded = runner.invoke(main, ["--database", empty_database_url, "db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"to {REVISIONS[-1]} (applied {', '.join(REVISIONS)})" in upgraded.output
    again = runner.invoke(main, ["--database", empty_database_url, "db", "upgrade"])
    assert again.output.endswith(f" is up to date ({REVISIONS[-1]})\n")
    status = runner.invoke(main, ["--database", empty_database_url, "db", "status"])
    assert f"revision: {REVISIONS[-1]}\nup to date" in status.output
    assert status.output.startswith(f"database: {shown(connect(empty_database_url).url)}\n")

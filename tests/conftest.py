"""The one bundled-campaign fixture (a copy a test may change); the databases, both backends."""

import multiprocessing.forkserver
import os
from collections.abc import Iterator

import pytest

from campaign.site import Site
from campaign.storage.database import ENVIRONMENT_VARIABLE, Database, dispose_all, open_database
from tests.builders import ROOT, copy_site
from tests.databases import BACKENDS, Cluster


@pytest.fixture
def site_emails() -> dict[str, str]:
    """Which offices of the copy get a test e-mail address; a folder's conftest may override."""
    return {}


@pytest.fixture
def site(tmp_path, site_emails) -> Site:
    """A Site on a copy of the bundled campaign in tmp_path, with an empty instance folder."""
    return copy_site(tmp_path, site_emails)


@pytest.fixture(scope="session", autouse=True)
def forkserver_of_this_tree():
    """The PDF workers' forkserver, started from this tree once for the session.

    Python 3.11's forkserver ignores the parent's sys.path and imports `campaign` relative to
    the folder it starts in: started by the first PDF of a test that changed folder, it would
    import the installed package (another checkout's code) instead of this one.
    """
    from campaign.letters import render_pool  # noqa: F401  (sets what the forkserver preloads)

    before = os.getcwd()
    os.chdir(ROOT)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        os.chdir(before)


# --- the databases: SQLite and a throwaway PostgreSQL cluster (see tests/databases.py) ---------


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server for the whole session; the tests fail (never skip) if it cannot start."""
    cluster = Cluster()
    try:
        cluster.start()
    except RuntimeError as error:
        cluster.stop()
        pytest.fail(str(error), pytrace=False)
    yield cluster
    dispose_all()
    cluster.stop()


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path) -> Iterator[str]:
    """The URL of a fresh, migrated database: a SQLite file, then a PostgreSQL database."""
    yield from _fresh_database(request, tmp_path, migrated=True)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path) -> Iterator[str]:
    """The URL of a database never migrated (no table at all), on both backends."""
    yield from _fresh_database(request, tmp_path, migrated=False)


def _fresh_database(request, tmp_path, *, migrated: bool) -> Iterator[str]:
    """A new SQLite file (migrated on first open), or a new database of the cluster."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'campaign.sqlite3'}"
        return
    cluster = request.getfixturevalue("postgres")
    name = cluster.new_database(migrated=migrated)
    yield cluster.url(name)
    dispose_all()
    cluster.drop_database(name)


@pytest.fixture
def database(database_url: str) -> Database:
    """The database of `database_url`, opened (on both backends, one test each)."""
    return open_database(database_url)


@pytest.fixture(autouse=True)
def _close_databases(monkeypatch) -> Iterator[None]:
    """No test uses a database of the environment; each one's connections closed after it."""
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    yield
    dispose_all()

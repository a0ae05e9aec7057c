"""The one bundled-campaign fixture: a copy of the campaign that a test may change."""

import multiprocessing.forkserver
import os

import pytest

from campaign.site import Site
from tests.builders import ROOT, copy_site


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

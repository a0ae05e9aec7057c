"""The one bundled-campaign fixture: a copy of the campaign that a test may change."""

import pytest

from campaign.site import Site
from tests.builders import copy_site


@pytest.fixture
def site_emails() -> dict[str, str]:
    """Which offices of the copy get a test e-mail address; a folder's conftest may override."""
    return {}


@pytest.fixture
def site(tmp_path, site_emails) -> Site:
    """A Site on a copy of the bundled campaign in tmp_path, with an empty instance folder."""
    return copy_site(tmp_path, site_emails)

"""Fixtures in the style of the Flask tutorial: `app` and `client` on copies of the campaign."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from campaign.site import Site
from campaign.storage import organisers
from campaign.web import create_app
from tests.web.admin.helpers import ORGANISER, PASSPHRASE, sign_in
from tests.web.pages import EMAILS


@pytest.fixture
def site_emails() -> dict[str, str]:
    """Two offices of the web tests' copy have an e-mail address (see pages.EMAILS)."""
    return EMAILS


@pytest.fixture
def recipients_file(site: Site) -> Path:
    """The copy's recipients.yaml."""
    return site.recipients


@pytest.fixture
def templates_dir(site: Site) -> Path:
    """The copy's letter templates, which a test may change."""
    return site.templates


@pytest.fixture
def instance(site: Site) -> Path:
    """The app's instance folder, empty at the start of each test."""
    return site.instance


@pytest.fixture
def config(recipients_file: Path, templates_dir: Path, instance: Path) -> dict:
    """The test configuration; tests may change it before asking for `app`."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "RECIPIENTS": str(recipients_file),
        "TEMPLATES": str(templates_dir),
    }


@pytest.fixture
def app(config: dict):
    """The app under test."""
    return create_app(config)


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


# --- the organisers' console ------------------------------------------------------------------


@pytest.fixture(scope="session")
def account_record() -> dict[str, str]:
    """ORGANISER's stored account, made once: an argon2 hash takes about a second."""
    return {
        "hash": organisers.HASHER.hash(PASSPHRASE),
        "session_epoch": secrets.token_urlsafe(24),
        "password_changed": "2026-11-01T09:00:00+00:00",
    }


@pytest.fixture
def organiser(site: Site, account_record: dict[str, str]) -> str:
    """The name of an organiser with an account in the database of the app's instance."""
    assert organisers.import_account(site.database, ORGANISER, account_record)
    return ORGANISER


@pytest.fixture
def admin(app, client, organiser):
    """A test client signed in to the console as `organiser`."""
    response = sign_in(client)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client

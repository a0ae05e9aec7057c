"""Fixtures of the hostile-input suite: the web app's, a quick signed-in console, helpers."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from campaign.storage import organisers
from campaign.web import create_app
from tests.builders import copy_site
from tests.web import conftest as web
from tests.web.admin.helpers import ORGANISER
from tests.web.pages import EMAILS

# The web tests' fixtures, found by pytest under these names.
site_emails = web.site_emails
recipients_file = web.recipients_file
templates_dir = web.templates_dir
instance = web.instance
config = web.config
app = web.app
client = web.client
account_record = web.account_record
organiser = web.organiser


@pytest.fixture
def admin(app, client, organiser):
    """A test client with an organiser's console session (no argon2 check: these tests are
    about what the console does with hostile input, tests/web/admin tests the sign-in)."""
    return signed_in(app, client)


@dataclass
class Console:
    """One app shared by a module's tests (each sees what the earlier ones saved, so they
    assert only what holds whatever came before): a signed-in console client, a supporter's
    client, and the files it serves."""

    app: Flask
    admin: FlaskClient
    client: FlaskClient
    recipients: Path
    templates: Path
    first_recipients: bytes  # recipients.yaml as the app first served it


def signed_in(app: Flask, client: FlaskClient) -> FlaskClient:
    """`client` with a console session of ORGANISER."""
    epoch = organisers.session_epoch(app.extensions["campaign.site"].database, ORGANISER)
    with client.session_transaction() as session:
        session.update(
            organiser=ORGANISER,
            epoch=epoch,
            sid=secrets.token_urlsafe(18),
            since=int(time.time()),
        )
    assert client.get("/admin/dashboard").status_code == 200
    return client


@pytest.fixture(scope="module")
def console(tmp_path_factory, account_record) -> Console:
    """A module's shared app (see Console)."""
    copy = copy_site(tmp_path_factory.mktemp("console"), EMAILS)  # as tests/web has it
    recipients, templates, instance = copy.recipients, copy.templates, copy.instance
    organisers.import_account(copy.database, ORGANISER, account_record)
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "RECIPIENTS": str(recipients),
            "TEMPLATES": str(templates),
            "RATE_LIMIT": 1000,
        }
    )
    admin = signed_in(app, app.test_client())
    first = recipients.read_bytes()
    yield Console(app, admin, app.test_client(), recipients, templates, first)
    app.extensions["campaign.guards"].renders.close()

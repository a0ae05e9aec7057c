"""Several hosts, one campaign: two gunicorn servers, each with its own copy of the campaign
folder, sharing one PostgreSQL database, as the README runs them.

A change saved through the console of one is served by the other (it polls the published
versions and writes them into its own copy); organisers on two hosts who change the same field
get a conflict, and changes of different offices are merged, exactly as on one host.
Every wait is a poll with a generous timeout, never a sleep that is asserted on.
"""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from campaign import directory
from campaign.storage import organisers
from campaign.storage.database import open_database
from tests import servers
from tests.builders import copy_site
from tests.servers import Served, wait_for
from tests.web.admin.helpers import ORGANISER, PASSPHRASE, field_values, hidden, token_of

SECRET = "a secret key shared by both hosts of the test, long enough"
SEEN_TIMEOUT_S = 60  # the poll is every 2 s; a crowded machine is far slower than that


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Let a 303 come back as it is, so a test sees that a save was accepted."""

    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """An organiser's browser on one host: cookies kept, redirects not followed."""

    def __init__(self, served: Served):
        self.url = served.url
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.url + path, body, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self) -> None:
        _status, html = self.request("/admin")
        data = {"csrf_token": token_of(html), "name": ORGANISER, "password": PASSPHRASE}
        status, text = self.request("/admin", data)
        assert status == 303, text

    def office_form(self, office_id: str) -> dict:
        status, html = self.request(f"/admin/recipients/{office_id}/edit")
        assert status == 200, html
        return {
            **field_values(html),
            "csrf_token": token_of(html),
            "version": hidden(html, "version"),
        }

    def save_office(self, office_id: str, form: dict) -> tuple[int, str]:
        return self.request(f"/admin/recipients/{office_id}/edit", form)


@pytest.fixture(scope="module")
def hosts(tmp_path_factory, postgres) -> Iterator[tuple[Served, Served, list]]:
    """Two servers on two ports, each with its own campaign folder, one PostgreSQL."""
    url = postgres.url(postgres.new_database())
    organisers.add(open_database(url), ORGANISER, PASSPHRASE)
    sites = []
    folder_a, settings_a = _host(tmp_path_factory, "host-a", url, sites)
    folder_b, settings_b = _host(tmp_path_factory, "host-b", url, sites)
    with (
        servers.gunicorn(folder_a / "instance", folder_a / "gunicorn.log", **settings_a) as first,
        servers.gunicorn(folder_b / "instance", folder_b / "gunicorn.log", **settings_b) as second,
    ):
        yield first, second, sites


def _host(tmp_path_factory, name: str, url: str, sites: list) -> tuple:
    """The folder and settings of one host: its own copy of the campaign."""
    folder = tmp_path_factory.mktemp(name)
    site = copy_site(folder / "campaign")
    sites.append(site)
    settings = {
        "CAMPAIGN_RECIPIENTS": str(site.recipients),
        "CAMPAIGN_TEMPLATES": str(site.templates),
        "CAMPAIGN_DATABASE_URL": url,
        "CAMPAIGN_SECRET_KEY": SECRET,
        "CAMPAIGN_SECURE_COOKIES": "0",
        "CAMPAIGN_THREADS": "4",
    }
    return folder, settings


def office_on(site, office_id: str):
    """The office as the host's own copy of recipients.yaml has it."""
    return directory.load(site.recipients).get(office_id)


def test_a_change_saved_on_one_host_is_served_by_the_other(hosts):
    first, second, (site_a, site_b) = hosts
    maria = Browser(first)
    maria.sign_in()
    form = maria.office_form("kz-foreign-affairs")
    form["office"] = "Ministry of Foreign Affairs (published from host A)"
    assert maria.save_office("kz-foreign-affairs", form)[0] == 303
    assert office_on(site_a, "kz-foreign-affairs").office.endswith("(published from host A)")

    anna = Browser(second)
    wait_for(
        lambda: "(published from host A)" in anna.request("/")[1],
        SEEN_TIMEOUT_S,
        "the change of host A on host B's campaign page",
    )
    assert office_on(site_b, "kz-foreign-affairs").office.endswith("(published from host A)")
    anna.sign_in()
    assert anna.office_form("kz-foreign-affairs")["office"].endswith("(published from host A)")


def test_the_same_field_changed_on_two_hosts_is_a_conflict(hosts):
    first, second, (_site_a, site_b) = hosts
    maria, anna = Browser(first), Browser(second)
    maria.sign_in()
    anna.sign_in()
    mine = maria.office_form("it-interior")
    theirs = anna.office_form("it-interior")
    theirs["title"] = "Title saved on host B"
    assert anna.save_office("it-interior", theirs)[0] == 303
    mine["title"] = "Title saved on host A"  # opened before B's save: the same field
    status, text = maria.save_office("it-interior", mine)
    assert status == 409, text
    assert "it-interior.title was changed by someone else" in text
    assert "you changed it too" in text
    assert office_on(site_b, "it-interior").title == "Title saved on host B"


def test_different_offices_changed_on_two_hosts_are_merged(hosts):
    first, second, (site_a, site_b) = hosts
    maria, anna = Browser(first), Browser(second)
    maria.sign_in()
    anna.sign_in()
    mine = maria.office_form("it-justice")
    theirs = anna.office_form("kz-president")
    theirs["person"] = "Merged from host B"
    assert anna.save_office("kz-president", theirs)[0] == 303
    mine["person"] = "Merged from host A"
    assert maria.save_office("it-justice", mine)[0] == 303

    def both_on(site) -> bool:
        return (
            office_on(site, "it-justice").person == "Merged from host A"
            and office_on(site, "kz-president").person == "Merged from host B"
        )

    assert both_on(site_a)  # A merged its save onto B's, then wrote its copy
    wait_for(  # B's copy follows at its next look: a request makes it look
        lambda: Browser(second).request("/") and both_on(site_b),
        SEEN_TIMEOUT_S,
        "both changes on host B",
    )

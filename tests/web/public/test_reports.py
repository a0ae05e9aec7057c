"""/report: what came of a letter, per office and channel, counted and nothing else kept."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.storage import counts, reports
from campaign.storage.tables import reports as table
from campaign.web import create_app
from tests.web.pages import OFFICE_IDS, csrf_token, page


def post(client, **selected):
    """POST the report form with `selected` (select name -> kind) and a fresh CSRF token."""
    return client.post("/report", data={"csrf_token": csrf_token(client, "/report"), **selected})


def database(app):
    """The app's database."""
    return app.extensions["campaign.site"].database


def stored(app) -> list[tuple]:
    """Every row of the reports table, as stored."""
    with database(app).read() as tx:
        query = sa.select(table).order_by(table.c.office, table.c.channel)
        return [tuple(row) for row in tx.execute(query)]


def test_the_form_asks_about_every_office_and_its_channels(client):
    html = page(client.get("/report"))
    legends = html.all("fieldset", class_="report-office")
    assert [e.attrs["id"] for e in legends] == [f"report-{office}" for office in OFFICE_IDS]
    selects = [e.attrs["name"] for e in html.all("select")]
    assert "report-it-interior-post" in selects and "report-it-interior-phone" in selects
    assert "report-it-interior-email" not in selects  # the office has no e-mail address
    options = html.all("option")[:5]
    assert [e.attrs["value"] for e in options] == ["", *reports.KINDS]
    assert not html.all("input", type="text") and not html.all("textarea")  # nothing to type


def test_a_report_is_counted_by_office_channel_kind_and_day_only(client, app):
    response = post(
        client,
        **{
            "report-it-interior-post": "returned",
            "report-kz-president-phone": "answered",
            "report-it-justice-post": "",  # nothing to report
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/report?done=2"
    done = page(client.get(response.headers["Location"]))
    assert "we have counted your 2 reports" in done.one(id="reported").text
    rows = stored(app)
    assert [row[:3] + row[4:] for row in rows] == [
        ("it-interior", "post", "returned", 1),
        ("kz-president", "phone", "answered", 1),
    ]
    assert all(len(row) == 5 and len(row[3]) == 10 for row in rows)  # a day, no time
    assert counts.total(database(app)) == 0  # a report is not a letter sent


def test_nothing_chosen_counts_nothing(client, app):
    response = post(client)
    assert response.headers["Location"] == "/report?done=0"
    assert "nothing was counted" in client.get("/report?done=0").get_data(as_text=True)
    assert stored(app) == []


@pytest.mark.parametrize(
    "selected",
    [
        {"report-it-interior-post": "lost-in-the-post"},
        {"report-it-interior-email": "returned"},  # no e-mail address: no e-mail sent
        {"report-nobody-post": "returned"},
        {"report-it-interior-pigeon": "returned"},
        {"report-it-interior-post": "returned", "report-kz-president-post": "' OR 1=1 --"},
    ],
    ids=["kind", "channel-not-had", "office", "channel", "one-bad-of-two"],
)
def test_a_bad_report_is_400_and_counts_nothing(client, app, selected):
    assert post(client, **selected).status_code == 400
    assert stored(app) == []


def test_other_fields_are_ignored_and_never_stored(client, app):
    response = post(
        client, **{"report-it-interior-post": "acknowledged", "note": "My name is Eve Quillfeather"}
    )
    assert response.status_code == 303
    assert stored(app)[0][:3] == ("it-interior", "post", "acknowledged")
    files = [path for path in Path(app.instance_path).rglob("*") if path.is_file()]
    assert any(path.name == "campaign.sqlite3" for path in files)
    for path in files:  # the database and its journal
        assert b"Quillfeather" not in path.read_bytes(), path.name  # the campaign files say "Every"


def test_the_form_needs_its_csrf_token(client, app):
    response = client.post("/report", data={"report-it-interior-post": "returned"})
    assert response.status_code == 400
    assert stored(app) == []


def test_reports_are_rate_limited_across_workers(config):
    first = create_app({**config, "REPORT_RATE_LIMIT": 2}).test_client()
    assert post(first, **{"report-it-interior-post": "returned"}).status_code == 303
    other = create_app({**config, "REPORT_RATE_LIMIT": 2}).test_client()
    assert post(other, **{"report-it-interior-post": "returned"}).status_code == 303
    response = post(other, **{"report-it-interior-post": "returned"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 3000  # the window is an hour


def test_the_page_speaks_the_interface_language(client):
    html = page(client.get("/report?lang=ru"))
    assert html.one("h1").text == "Что стало с вашими письмами"
    assert "Ваше письмо почтой" in html.one("label", for_="report-it-interior-post").text
    assert "Письмо вернулось или e-mail не доставлен" in html.all("select")[0].text

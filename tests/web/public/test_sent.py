"""POST /sent: "I sent it" counts anonymously, once a receipt; the campaign page shows the total."""

from __future__ import annotations

import threading
import urllib.parse

import pytest

from campaign.storage import counts
from campaign.web import create_app
from tests.web.admin.helpers import hidden
from tests.web.pages import csrf_token, page, write_data


def report(client, sent, receipt: str | None = None) -> dict:
    """The form data of an "I sent it" report, with a fresh receipt unless one is given."""
    return {
        "csrf_token": csrf_token(client),
        "sent": sent,
        "receipt": receipt or counts.new_receipt(),
    }


def total_on_campaign_page(client) -> str:
    """The total as the campaign page states it."""
    return page(client.get("/")).one(id="total").text


def test_i_sent_it_increments_the_count_on_the_campaign_page(client, app):
    assert total_on_campaign_page(client) == "0 letters sent so far."
    sent = ["it-interior:post", "it-interior:phone", "kz-president:post"]
    response = client.post("/sent", data=report(client, sent))
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "We have counted your 3 letters." in thanks.get_data(as_text=True)
    assert page(thanks).one(id="total").text == "Together, supporters have sent 3 letters."
    assert total_on_campaign_page(client) == "3 letters sent so far."
    assert counts.by_channel(app.extensions["campaign.site"].database) == {"phone": 1, "post": 2}


def test_nothing_ticked_counts_nothing(client):
    response = client.post("/sent", data=report(client, []), follow_redirects=True)
    assert "nothing was counted" in response.get_data(as_text=True)
    assert total_on_campaign_page(client) == "0 letters sent so far."


@pytest.mark.parametrize("value", ["nowhere:post", "it-interior:pigeon", "it-interior", ":"])
def test_unknown_office_or_channel_is_400_and_counts_nothing(client, value):
    response = client.post("/sent", data=report(client, ["kz-president:post", value]))
    assert response.status_code == 400
    assert total_on_campaign_page(client) == "0 letters sent so far."


def test_sent_reports_are_rate_limited_across_workers_and_restarts(config):
    first = create_app({**config, "SENT_RATE_LIMIT": 2}).test_client()
    assert first.post("/sent", data=report(first, ["kz-president:post"])).status_code == 303
    other_worker = create_app({**config, "SENT_RATE_LIMIT": 2}).test_client()  # or a restart
    data = report(other_worker, ["kz-president:post"])
    assert other_worker.post("/sent", data=data).status_code == 303
    response = other_worker.post("/sent", data=report(other_worker, ["kz-president:post"]))
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 3000  # the window is an hour
    assert total_on_campaign_page(other_worker) == "2 letters sent so far."


def test_sent_reports_are_rate_limited(client, app):
    for _ in range(10):
        assert client.post("/sent", data=report(client, ["kz-president:post"])).status_code == 303
    response = client.post("/sent", data=report(client, ["kz-president:post"]))
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert total_on_campaign_page(client) == "10 letters sent so far."


def test_sent_via_get_is_405(client):
    assert client.get("/sent").status_code == 405


@pytest.mark.parametrize("value", ["it-interior:email", "it-interior:fax", "kz-president:email"])
def test_a_channel_the_office_does_not_have_is_400_and_counts_nothing(client, value):
    assert (
        client.post("/sent", data=report(client, ["kz-president:post", value])).status_code == 400
    )
    assert total_on_campaign_page(client) == "0 letters sent so far."


def test_each_office_and_channel_counts_once_per_report(client, app):
    sent = ["kz-president:post"] * 50 + ["kz-nsc-atyrau:email", "kz-nsc-atyrau:email"]
    response = client.post("/sent", data=report(client, sent))
    assert response.status_code == 303
    assert counts.by_channel(app.extensions["campaign.site"].database) == {"email": 1, "post": 1}


# --- receipts: a report repeated counts once ---------------------------------------------------


def thanks_query(location: str) -> dict[str, list[str]]:
    """The thanks page's query string of a redirect to it, parsed."""
    parts = urllib.parse.urlsplit(location)
    assert parts.path == "/thanks"
    return urllib.parse.parse_qs(parts.query)


def test_the_preview_gives_the_report_a_fresh_receipt(client):
    data = write_data(client)
    first = hidden(client.post("/write", data=data).get_data(as_text=True), "receipt")
    second = hidden(client.post("/write", data=data).get_data(as_text=True), "receipt")
    assert counts.check_receipt(first) and counts.check_receipt(second) and first != second


def test_a_report_posted_again_counts_once_and_still_answers_303(client, app):
    preview = client.post("/write", data=write_data(client)).get_data(as_text=True)
    data = {
        "csrf_token": hidden(preview, "csrf_token"),
        "receipt": hidden(preview, "receipt"),
        "sent": ["kz-president:post", "it-interior:phone"],
    }
    answers = [client.post("/sent", data=data) for _ in range(3)]  # the browser, a retry, ...
    assert [answer.status_code for answer in answers] == [303, 303, 303]
    locations = {answer.headers["Location"] for answer in answers}
    assert len(locations) == 1  # the same answer each time
    assert thanks_query(locations.pop()) == {
        "n": ["2"],
        "sent": ["kz-president:post", "it-interior:phone"],  # for the report link
    }
    assert counts.total(app.extensions["campaign.site"].database) == 2
    more = {**data, "sent": [*data["sent"], "kz-nsc-atyrau:post"]}  # back, one more ticked
    assert thanks_query(client.post("/sent", data=more).headers["Location"])["n"] == ["3"]
    assert counts.by_office_and_channel(app.extensions["campaign.site"].database) == {
        "it-interior": {"post": 0, "email": 0, "phone": 1, "fax": 0},
        "kz-nsc-atyrau": {"post": 1, "email": 0, "phone": 0, "fax": 0},
        "kz-president": {"post": 1, "email": 0, "phone": 0, "fax": 0},
    }


def test_repeats_of_a_counted_report_do_not_use_up_the_clients_reports(config):
    client = create_app({**config, "SENT_RATE_LIMIT": 1}).test_client()
    data = report(client, ["kz-president:post"])
    for _ in range(5):
        assert client.post("/sent", data=data).status_code == 303
    assert client.post("/sent", data=report(client, ["kz-president:post"])).status_code == 429


@pytest.mark.parametrize("receipt", ["", "short", "x" * 65, "not/a+receipt!!!!!!!!", "é" * 24])
def test_a_report_without_a_valid_receipt_is_400_and_counts_nothing(client, receipt):
    data = {"csrf_token": csrf_token(client), "sent": ["kz-president:post"], "receipt": receipt}
    assert client.post("/sent", data=data).status_code == 400
    assert total_on_campaign_page(client) == "0 letters sent so far."


def test_the_same_report_from_two_workers_at_once_counts_once(config, database_url):
    """Two app instances (two workers, or two hosts) on one database, on both backends."""
    settings = {**config, "DATABASE_URL": database_url, "SENT_RATE_LIMIT": 1000}
    apps = [create_app(settings) for _ in range(2)]
    clients = [application.test_client() for application in apps]
    sent = ["kz-president:post", "kz-president:phone", "it-interior:post"]
    receipts = [counts.new_receipt() for _ in range(20)]
    forms = [(client, report(client, sent)) for client in clients]
    statuses: list[int] = []

    def post_all(client, data):
        for receipt in receipts:
            statuses.append(client.post("/sent", data={**data, "receipt": receipt}).status_code)

    threads = [threading.Thread(target=post_all, args=form) for form in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [303] * 40
    assert counts.total(apps[0].extensions["campaign.site"].database) == 3 * len(receipts)


def test_a_report_when_the_database_is_busy_is_503_with_retry_after_not_400(client, monkeypatch):
    from campaign.storage.database import DatabaseError
    from campaign.web.public import views

    def busy(*args, **kwargs):
        raise DatabaseError("database sqlite:///x: busy for over 5 s (database is locked)")

    monkeypatch.setattr(views.counts, "record_many", busy)
    response = client.post("/sent", data=report(client, ["kz-president:post"]))
    assert response.status_code == 503  # "try again", not "your form was wrong"
    assert int(response.headers["Retry-After"]) > 0

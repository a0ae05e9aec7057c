"""POST /sent: "I sent it" counts anonymously, and the campaign page shows the total."""

from __future__ import annotations

import pytest

from campaign.storage import counts
from campaign.web import create_app
from tests.web.pages import csrf_token, page


def total_on_campaign_page(client) -> str:
    """The total as the campaign page states it."""
    return page(client.get("/")).one(id="total").text


def test_i_sent_it_increments_the_count_on_the_campaign_page(client, app):
    assert total_on_campaign_page(client) == "0 letters sent so far."
    sent = ["it-interior:post", "it-interior:phone", "kz-president:post"]
    response = client.post("/sent", data={"csrf_token": csrf_token(client), "sent": sent})
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "We have counted your 3 letters." in thanks.get_data(as_text=True)
    assert page(thanks).one(id="total").text == "Together, supporters have sent 3 letters."
    assert total_on_campaign_page(client) == "3 letters sent so far."
    assert counts.by_channel(app.config["COUNTS_DB"]) == {"phone": 1, "post": 2}


def test_nothing_ticked_counts_nothing(client):
    response = client.post("/sent", data={"csrf_token": csrf_token(client)}, follow_redirects=True)
    assert "nothing was counted" in response.get_data(as_text=True)
    assert total_on_campaign_page(client) == "0 letters sent so far."


@pytest.mark.parametrize("value", ["nowhere:post", "it-interior:pigeon", "it-interior", ":"])
def test_unknown_office_or_channel_is_400_and_counts_nothing(client, value):
    data = {"csrf_token": csrf_token(client), "sent": ["kz-president:post", value]}
    response = client.post("/sent", data=data)
    assert response.status_code == 400
    assert total_on_campaign_page(client) == "0 letters sent so far."


def test_sent_reports_are_rate_limited_across_workers_and_restarts(config):
    first = create_app({**config, "SENT_RATE_LIMIT": 2}).test_client()
    data = {"csrf_token": csrf_token(first), "sent": ["kz-president:post"]}
    assert first.post("/sent", data=data).status_code == 303
    other_worker = create_app({**config, "SENT_RATE_LIMIT": 2}).test_client()  # or a restart
    data = {"csrf_token": csrf_token(other_worker), "sent": ["kz-president:post"]}
    assert other_worker.post("/sent", data=data).status_code == 303
    response = other_worker.post("/sent", data=data)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 3000  # the window is an hour
    assert total_on_campaign_page(other_worker) == "2 letters sent so far."


def test_sent_reports_are_rate_limited(client, app):
    data = {"csrf_token": csrf_token(client), "sent": ["kz-president:post"]}
    for _ in range(10):
        assert client.post("/sent", data=data).status_code == 303
    response = client.post("/sent", data=data)
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert total_on_campaign_page(client) == "10 letters sent so far."


def test_sent_via_get_is_405(client):
    assert client.get("/sent").status_code == 405


@pytest.mark.parametrize("value", ["it-interior:email", "it-interior:fax", "kz-president:email"])
def test_a_channel_the_office_does_not_have_is_400_and_counts_nothing(client, value):
    data = {"csrf_token": csrf_token(client), "sent": ["kz-president:post", value]}
    assert client.post("/sent", data=data).status_code == 400
    assert total_on_campaign_page(client) == "0 letters sent so far."


def test_each_office_and_channel_counts_once_per_report(client, app):
    sent = ["kz-president:post"] * 50 + ["kz-nsc-atyrau:email", "kz-nsc-atyrau:email"]
    response = client.post("/sent", data={"csrf_token": csrf_token(client), "sent": sent})
    assert response.status_code == 303
    assert counts.by_channel(app.config["COUNTS_DB"]) == {"email": 1, "post": 1}

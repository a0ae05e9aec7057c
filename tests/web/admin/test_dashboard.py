"""The dashboard: anonymous counts per office, channel and day, a chart drawn by the app, a CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from campaign.storage import counts
from tests.web.pages import page


def record(app, office: str, channel: str, day: str, times: int = 1) -> None:
    """Count letters as "I sent it" would."""
    for _ in range(times):
        counts.record(app.extensions["campaign.site"].database, office, channel, day)


def test_an_empty_dashboard(admin):
    response = admin.get("/admin/dashboard")
    assert response.status_code == 200
    found = page(response)
    assert found.one("span", id="total").text == "0"
    assert "No letters counted yet." in response.get_data(as_text=True)


def test_counts_per_office_channel_and_day(app, admin):
    today = dt.datetime.now(dt.UTC).date()
    record(app, "it-interior", "post", today.isoformat(), 3)
    record(app, "it-interior", "email", today.isoformat())
    record(app, "kz-president", "phone", (today - dt.timedelta(days=2)).isoformat(), 2)
    html = admin.get("/admin/dashboard").get_data(as_text=True)
    found = page(admin.get("/admin/dashboard"))
    assert found.one("span", id="total").text == "6"
    row = r'<tr><th scope="row"><code>([^<]+)</code></th>(.*?)</tr>'
    rows = {
        office: re.findall(r"<td>(?:<strong>)?(\d+)", cells)
        for office, cells in re.findall(row, html)
    }
    assert rows["it-interior"] == ["3", "1", "0", "0", "4"]  # post, e-mail, phone, fax, all
    assert rows["kz-president"] == ["0", "0", "2", "0", "2"]
    channels = found.one("table", id="channel-table").text
    assert "by post" in channels and "by phone" in channels
    charts = found.all("svg")
    assert len(charts) == 3
    assert all(chart.attrs["role"] == "img" for chart in charts)
    bars = [element for element in found.all("rect") if element.attrs.get("class") == "bar"]
    assert len(bars) == 30 + 2 + 4  # days, offices, channels
    assert any(f"{today.isoformat()}: 4" in bar.text for bar in bars)


def test_the_counts_as_csv(app, admin):
    record(app, "it-justice", "fax", "2026-11-01", 2)
    response = admin.get("/admin/counts.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["office", "channel", "day", "letters"]
    assert rows[1:] == [["it-justice", "fax", "2026-11-01", "2"]]


def test_the_dashboard_loads_nothing_from_elsewhere(admin):
    html = admin.get("/admin/dashboard").get_data(as_text=True)
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    assert "<script" not in html.split("</head>")[1]  # no inline or foreign script in the page

"""What supporters did: the anonymous counts, as charts, tables and a CSV."""

from __future__ import annotations

from flask import render_template

from campaign.directory import CHANNELS
from campaign.storage import audit, counts, reports
from campaign.web.admin import bp, chart
from campaign.web.current import database, download

DAYS = 30


@bp.get("/dashboard")
def dashboard():
    """Totals; letters per day, per office and per channel; the last changes made in the console."""
    db = database()
    per_office = counts.by_office_and_channel(db)
    per_channel = counts.by_channel(db)
    daily = counts.daily(db, DAYS)
    office_totals = [(office, sum(cells.values())) for office, cells in per_office.items()]
    channel_totals = [(channel, per_channel.get(channel, 0)) for channel in CHANNELS]
    return render_template(
        "admin/dashboard.html",
        active_page="admin.dashboard",
        total=counts.total(db),
        days=DAYS,
        daily=daily,
        last_days_total=sum(n for _, n in daily),
        per_office=per_office,
        channels=CHANNELS,
        channel_totals=channel_totals,
        day_chart=chart.columns(daily),
        office_chart=chart.rows(office_totals),
        channel_chart=chart.rows(channel_totals),
        changes=audit.recent_changes(db, 8),
        kinds=reports.KINDS,
        reports_total=reports.total(db),
        reports_per_office=reports.by_office(db),
        reports_per_channel=reports.by_channel(db),
    )


@bp.get("/reports.csv")
def reports_csv():
    """Every report (office, channel, kind, day, reports) as CSV: nothing about any supporter."""
    return download(reports.reports_csv(database()), "letter-reports.csv", "text/csv")


@bp.get("/counts.csv")
def counts_csv():
    """Every count (office, channel, day, letters) as CSV: nothing about any supporter."""
    text = counts.counts_csv(database())
    return download(text, "letter-counts.csv", "text/csv")

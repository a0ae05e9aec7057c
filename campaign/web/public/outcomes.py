"""What came of the letters: a supporter reports, per office and channel, anonymously.

The form asks, per office and channel, whether the letter came back (or bounced), got no
answer, was acknowledged or answered. Only (office, channel, kind, day) is counted
(`storage.reports`); nothing the supporter types is asked for, stored or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, current_app, redirect, render_template, request, url_for

from campaign.directory import channels
from campaign.errors import CampaignError
from campaign.rulebook import Loaded
from campaign.storage import reports
from campaign.web.current import database, loaded
from campaign.web.guards import client_key
from campaign.web.i18n import ui_language
from campaign.web.public.campaign_page import Office, office
from campaign.web.public.views import bp, reachable

FIELD = "report-"  # a select per letter: report-<office id>-<channel>


@dataclass(frozen=True)
class Letters:
    """One office and the channels to report on, as the form shows them."""

    office: Office
    channels: tuple[str, ...]


@bp.get("/report")
def report():
    """The form: every office and channel, or only the letters a supporter just sent."""
    if "done" in request.args:
        number = max(request.args.get("done", 0, type=int), 0)
        return render_template("report.html", done=True, number=number)
    wanted = request.args.getlist("sent")
    return render_template(
        "report.html",
        done=False,
        rows=letters_to_report(loaded(), wanted),
        only_sent=bool(wanted),
        kinds=reports.KINDS,
        field=FIELD,
    )


@bp.post("/report")
def report_post():
    """Count what the supporter reports; nothing about them is kept."""
    current = loaded()
    current_app.extensions["campaign.guards"].report_limiter.hit(client_key())
    chosen = []
    for name, kind in request.form.items():
        if name.startswith(FIELD) and kind:
            office_id, _dash, channel = name.removeprefix(FIELD).rpartition("-")
            chosen.append((office_id, channel, kind))
    try:
        number = (
            reports.record_many(database(), chosen, reachable=reachable(current)) if chosen else 0
        )
    except CampaignError:
        abort(400)
    return redirect(url_for("public.report", done=number), code=303)


def letters_to_report(current: Loaded, wanted: list[str]) -> list[Letters]:
    """The offices with their channels; only the `wanted` "office:channel" pairs if given."""
    language = ui_language()
    pairs = {tuple(value.partition(":")[::2]) for value in wanted}
    rows = []
    for recipient in current.directory.recipients:
        own = channels(recipient)
        if pairs:
            own = tuple(channel for channel in own if (recipient.id, channel) in pairs)
        if own:
            rows.append(Letters(office(recipient, language), own))
    return rows or ([] if not pairs else letters_to_report(current, []))

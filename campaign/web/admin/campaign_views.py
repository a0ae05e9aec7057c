"""The campaign in the console: its texts, chronology, quotes and deadline; open or close it."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.editing import campaign_fields
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.site import CAMPAIGN_FILE
from campaign.web.admin import bp, campaign_form, merge
from campaign.web.admin.common import (
    messages_of,
    open_campaign,
    opened,
    problem_text,
    save_yaml,
)
from campaign.web.current import loaded
from campaign.web.public.campaign_page import campaign_is_closed
from campaign.yamlfile.read import load_document


@bp.route("/campaign", methods=["GET", "POST"])
def campaign():
    """The campaign form; saved with the version it came from."""
    fields, version = open_campaign()
    if request.method == "GET":
        return campaign_page(campaign_form.from_fields(fields), version)
    values, errors = campaign_form.read(request.form)
    version = request.form.get("version", "")
    if errors:
        return campaign_page(values, version, errors=errors)
    plain, rows = campaign_form.to_plain(values)
    try:
        save_yaml(
            CAMPAIGN_FILE,
            version,
            lambda document: campaign_fields.set_campaign_fields(document, plain),
        )
    except ConflictError as conflict:
        values, notes = refreshed(values, version)
        return campaign_page(values, conflict.current_version, conflict=conflict, notes=notes)
    except InvalidData as invalid:
        errors, others = problems_by_field(invalid, rows)
        return campaign_page(values, version, errors=errors, others=others)
    except CampaignError as refused:
        return campaign_page(values, version, others=messages_of(refused))
    flash(_("The campaign was saved."), "success")
    return redirect(url_for("admin.campaign"), code=303)


@bp.post("/campaign/open")
def campaign_open():
    """Open or close the appeal (campaign.yaml's `open`)."""
    wanted = request.form.get("state") == "open"
    try:
        save_yaml(
            CAMPAIGN_FILE,
            request.form.get("version", ""),
            lambda document: campaign_fields.set_campaign_fields(document, {"open": wanted}),
        )
    except CampaignError as refused:
        for line in messages_of(refused):
            flash(line, "error")
    else:
        flash(_("The appeal is open.") if wanted else _("The appeal is closed."), "success")
    return redirect(url_for("admin.campaign"), code=303)


def refreshed(values: dict, version: str) -> tuple[dict, dict]:
    """After a conflict: my edits over the campaign as saved now, and notes on what changed."""
    first = opened(CAMPAIGN_FILE, version)
    if first is None:
        return values, {}
    before = campaign_fields.campaign_fields(load_document(first, CAMPAIGN_FILE))
    now, _version = open_campaign()
    return merge.merge(values, campaign_form.from_fields(before), campaign_form.from_fields(now))


def campaign_page(values, version, *, errors=None, others=None, conflict=None, notes=None):
    """The campaign form with its values, errors and conflict; the open/closed state."""
    current = loaded().appeal.campaign
    refused = bool(errors or others)
    html = render_template(
        "admin/campaign.html",
        active_page="admin.campaign",
        values=values,
        version=version,
        errors=errors or {},
        others=others or [],
        conflict=conflict,
        notes=notes or {},
        limits=campaign_form.limits(values),
        events=campaign_form.count(values, "chronology"),
        quotes=campaign_form.count(values, "quotes"),
        sources=[("", _("(choose)")), *current.sources.items()],
        is_open=current.is_open,
        closed=campaign_is_closed(current),
        deadline=current.deadline,
    )
    return html, 409 if conflict else (400 if refused else 200)


def problems_by_field(invalid: InvalidData, rows) -> tuple[dict, list[str]]:
    """The problems of a save next to their fields; the ones without a field as sentences."""
    errors: dict[str, list[str]] = {}
    others = []
    for problem in invalid.problems:
        name = campaign_form.field_name(problem.field, rows)
        if name:
            errors.setdefault(name, []).append(problem.message)
        else:
            others.append(problem_text(problem))
    return errors, others

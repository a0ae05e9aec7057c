"""The campaign in the console: its texts, chronology, quotes, updates and deadline; its state
(open, paused, won, closed)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.directory.addresses import countries
from campaign.directory.schema import DISCLOSURES
from campaign.editing import campaign_fields
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.letters import states
from campaign.site import CAMPAIGN_FILE, thanks_name
from campaign.web.admin import bp, campaign_form, merge
from campaign.web.admin.campaign_form import CampaignForm, StateForm
from campaign.web.admin.common import messages_of, open_campaign, opened, save_yaml
from campaign.web.admin.fields import flat_values, reload
from campaign.web.current import loaded
from campaign.web.i18n import ui_language
from campaign.web.public.forms import disclosure_label
from campaign.yamlfile.read import load_document


@bp.route("/campaign", methods=["GET", "POST"])
def campaign():
    """The campaign form; saved with the version it came from."""
    if request.method == "GET":
        fields, version = open_campaign()
        return campaign_page(campaign_form.opened(fields, version))
    form = CampaignForm()
    missing = campaign_form.incomplete(form)
    if missing or not form.validate():
        return campaign_page(form, others=missing)
    plain, rows = campaign_form.to_plain(form)
    version = form.version.data or ""
    try:
        save_yaml(
            CAMPAIGN_FILE,
            version,
            lambda document: campaign_fields.set_campaign_fields(document, plain),
        )
    except ConflictError as conflict:
        notes = refreshed(form, version, conflict.current_version)
        return campaign_page(form, conflict=conflict, notes=notes)
    except InvalidData as invalid:
        return campaign_page(form, others=campaign_form.add_problems(form, invalid.problems, rows))
    except CampaignError as refused:
        return campaign_page(form, others=messages_of(refused))
    flash(_("The campaign was saved."), "success")
    return redirect(url_for("admin.campaign"), code=303)


@bp.post("/campaign/state")
def campaign_state():
    """Set the appeal's state, with the reason of a pause or the outcome of a win."""
    form = StateForm()
    if not form.validate():
        return campaign_page(saved_form(), state=form)
    plain = campaign_form.state_plain(form)
    try:
        save_yaml(
            CAMPAIGN_FILE,
            form.version.data or "",
            lambda document: campaign_fields.set_state(document, plain),
        )
    except ConflictError as conflict:
        form.version.data = conflict.current_version  # saving again sets it over theirs
        return campaign_page(saved_form(), state=form, conflict=conflict)
    except InvalidData as invalid:
        others = campaign_form.add_state_problems(form, invalid.problems)
        return campaign_page(saved_form(), state=form, others=others)
    except CampaignError as refused:
        return campaign_page(saved_form(), state=form, others=messages_of(refused))
    flash(_("The state of the appeal was saved."), "success")
    return redirect(url_for("admin.campaign"), code=303)


def saved_form() -> CampaignForm:
    """The campaign form with the fields as saved now."""
    fields, version = open_campaign()
    return campaign_form.opened(fields, version)


def refreshed(form: CampaignForm, version: str, newest: str) -> dict:
    """After a conflict: my edits over the campaign as saved now (in the form, at the newest
    version), and notes on what someone else changed."""
    first = opened(CAMPAIGN_FILE, version)
    if first is None:
        form.version.data = newest
        return {}
    before = campaign_fields.campaign_fields(load_document(first, CAMPAIGN_FILE))
    now, _version = open_campaign()
    merged, notes = merge.merge(
        flat_values(form), campaign_form.from_fields(before), campaign_form.from_fields(now)
    )
    reload(form, merged, newest)
    return notes


def campaign_page(
    form: CampaignForm,
    *,
    state: StateForm | None = None,
    others=None,
    conflict=None,
    notes=None,
):
    """The campaign form with its values, errors and conflict; the state form (as posted, or
    as saved)."""
    appeal = loaded().appeal
    current = appeal.campaign
    if state is None:
        fields, version = open_campaign()
        state = campaign_form.state_form(fields, version)
    refused = form.refused() or state.refused() or bool(others)
    html = render_template(
        "admin/campaign.html",
        active_page="admin.campaign",
        form=form,
        state_form=state,
        others=others or [],
        conflict=conflict,
        notes=notes or {},
        sources=[("", _("(choose)")), *current.sources.items()],
        update_sources=[("", _("(none: give the web address)")), *current.sources.items()],
        state=states.state_of(current),
        written_state=current.state,
        deadline_passed=states.deadline_passed(current),
        disclosure_choices=[(rule, disclosure_label(rule)) for rule in DISCLOSURES],
        country_choices=[("", _("(choose)")), *countries(ui_language()).items()],
        deadline=current.deadline,
        thanks_files=[thanks_name(language) for language in appeal.thanks],
    )
    return html, 409 if conflict else (400 if refused else 200)

"""The recipient directory in the console: the table, and add, edit, duplicate, delete an office."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.directory import CHANNELS, Directory, channels
from campaign.directory.addresses import recipient_lines
from campaign.editing import offices
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.letters import states
from campaign.models import Recipient
from campaign.storage import audit, reports
from campaign.web.admin import bp, merge, office_form
from campaign.web.admin.common import messages_of, open_directory, opened, save_yaml
from campaign.web.admin.fields import add_errors, posted_or, reload
from campaign.web.admin.office_form import DeleteForm, DuplicateForm, OfficeForm
from campaign.web.current import database, loaded, site
from campaign.web.i18n import ui_language
from campaign.yamlfile import load_document

SEARCH_LIMIT = 100


@bp.get("/recipients")
def recipients():
    """All offices, searchable and filtered by tag, country and missing e-mail (GET only)."""
    current = open_directory()
    wanted: dict[str, Any] = {
        "q": request.args.get("q", "")[:SEARCH_LIMIT].strip(),
        "tag": request.args.get("tag", "")[:SEARCH_LIMIT],
        "country": request.args.get("country", "")[:2],
        "no_email": request.args.get("no_email", "") == "1",
    }
    shown = [office for office in current.recipients if matches(office, **wanted)]
    return render_template(
        "admin/recipients.html",
        active_page="admin.recipients",
        offices=shown,
        total=len(current.recipients),
        wanted=wanted,
        tags=sorted({tag for office in current.recipients for tag in office.tags}),
        countries=sorted({office.country for office in current.recipients}),
        channels_of=channels_of,
        changes=directory_changes(),
        # Letters reported returned or bounced since each office was last checked.
        problems=reports.problems_since(
            database(), {office.id: office.verified for office in current.recipients}
        ),
    )


@bp.route("/recipients/new", methods=["GET", "POST"])
def office_new():
    """A form for a new office."""
    current = open_directory()
    if request.method == "GET":
        values = {"language": "en"}
        return office_page(current, None, office_form_of(values, current.version, current))
    form = office_form_of(offices=current)
    if not form.validate():
        return office_page(current, None, form)
    plain = office_form.to_plain(form.values())
    return save_office(current, None, form, lambda doc: offices.add_office(doc, plain))


@bp.route("/recipients/<office_id>/edit", methods=["GET", "POST"])
def office_edit(office_id: str):
    """The form of one office; saved with the version it came from."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    if request.method == "GET":
        values = office_form.from_plain(offices.office_plain(current.document, office_id))
        return office_page(current, office_id, office_form_of(values, current.version, current))
    form = office_form_of(offices=current)
    if not form.validate():
        return office_page(current, office_id, form)
    plain = office_form.to_plain(form.values())

    def change(document) -> None:
        offices.update_office(document, office_id, plain)

    return save_office(current, office_id, form, change)


@bp.route("/recipients/<office_id>/duplicate", methods=["GET", "POST"])
def office_duplicate(office_id: str):
    """Copy an office under a new id, then open the copy's form."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    form = posted_or(DuplicateForm, current.version, {"new_id": f"{office_id}-copy"})
    error = []
    if request.method == "POST" and form.validate():
        new_id = form.new_id.data or ""
        try:
            edit_directory(
                form,
                lambda doc: offices.duplicate_office(doc, office_id, new_id),
                action="duplicate",
            )
        except ConflictError as refused:
            error = messages_of(refused)
        except CampaignError as refused:  # the id: taken, or not a slug
            error = messages_of(refused)
            add_errors(form.new_id, error)
        else:
            copied = _(
                "%(new)s is a copy of %(old)s: change what differs.", new=new_id, old=office_id
            )
            flash(copied, "success")
            return redirect(url_for("admin.office_edit", office_id=new_id), code=303)
    form.version.data = current.version  # a second try saves over what the error shows
    return render_template(
        "admin/office_duplicate.html",
        active_page="admin.recipients",
        office=current.get(office_id),
        form=form,
        error=error,
    ), 400 if error or form.refused() else 200


@bp.route("/recipients/<office_id>/delete", methods=["GET", "POST"])
def office_delete(office_id: str):
    """Ask, then delete an office (a POST form: no JavaScript needed)."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    form = posted_or(DeleteForm, current.version)
    error = []
    if request.method == "POST" and form.validate():
        try:
            edit_directory(form, lambda doc: offices.delete_office(doc, office_id))
        except CampaignError as refused:
            error = messages_of(refused)
        else:
            deleted = _("%(id)s was deleted. Its previous version is in the history.", id=office_id)
            flash(deleted, "success")
            return redirect(url_for("admin.recipients"), code=303)
    form.version.data = current.version
    return render_template(
        "admin/office_delete.html",
        active_page="admin.recipients",
        office=current.get(office_id),
        form=form,
        error=error,
    ), 400 if error else 200


# --- helpers --------------------------------------------------------------------------------


def office_form_of(
    values: dict | None = None, version: str = "", offices: Directory | None = None
) -> OfficeForm:
    """The posted office form, or (GET) one opened with `values` at the file's `version`; the
    directory's `offices` are the replacements it offers (but the office itself)."""
    form = posted_or(OfficeForm, version, values or {})
    own = (request.view_args or {}).get("office_id")
    others = [  # a replacement takes letters itself
        office
        for office in (offices.recipients if offices else ())
        if office.id != own and not states.is_paused(office)
    ]
    form.set_choices(ui_language(), others, loaded().appeal.campaign.disclosure)
    return form


def edit_directory(form, change, action: str = "") -> None:
    """One safe save of recipients.yaml from the version the form was opened on."""
    save_yaml(site().recipients.name, form.version.data or "", change, action=action)


def save_office(current: Directory, office_id: str | None, form: OfficeForm, change):
    """One safe save of an office form; the form again, with the input kept, on any refusal."""
    version = form.version.data or ""
    try:
        save_yaml(site().recipients.name, version, change)
    except ConflictError as conflict:
        notes = refreshed(current, office_id, form, version, conflict.current_version)
        return office_page(current, office_id, form, conflict=conflict, notes=notes)
    except InvalidData as invalid:
        ids = {form.typed_id(), office_id or ""}
        others = office_form.errors_by_field(invalid.problems, ids, form)
        return office_page(current, office_id, form, others=others)
    except CampaignError as refused:
        new_id = form.typed_id()
        if new_id != office_id and new_id in current.ids:  # the id is taken
            add_errors(form["id"], messages_of(refused))
            return office_page(current, office_id, form)
        return office_page(current, office_id, form, others=messages_of(refused))
    flash(_("Saved. The change is in recipients.yaml and in the history."), "success")
    return redirect(url_for("admin.office_edit", office_id=form.typed_id()), code=303)


def refreshed(current: Directory, office_id, form: OfficeForm, version: str, newest: str) -> dict:
    """After a conflict: my edits over the office as saved now (in the form, at the newest
    version), and notes on what someone else changed."""
    first = opened(site().recipients.name, version)
    if office_id is None or first is None or office_id not in current.ids:
        form.version.data = newest
        return {}
    before = offices.office_plain(load_document(first, site().recipients.name), office_id)
    now = offices.office_plain(current.document, office_id)
    merged, notes = merge.merge(
        form.values(), office_form.from_plain(before), office_form.from_plain(now)
    )
    reload(form, merged, newest)
    return notes


def office_page(
    current: Directory,
    office_id: str | None,
    form: OfficeForm,
    *,
    others: list | None = None,
    conflict: ConflictError | None = None,
    notes: dict | None = None,
):
    """The office form with its values, errors, conflict and the address as it prints."""
    office = current.get(office_id) if office_id else None
    refused = form.refused() or bool(others)
    html = render_template(
        "admin/office_form.html",
        active_page="admin.recipients",
        office=office,
        printed=printed_address(office) if office else [],
        form=form,
        others=others or [],
        conflict=conflict,
        notes=notes or {},
    )
    return html, 409 if conflict else (400 if refused else 200)


def directory_changes(limit: int = 15) -> list[audit.Change]:
    """The last changes of recipients.yaml in the audit log."""
    name = site().recipients.name
    return [change for change in audit.recent_changes(database(), 100) if change.file == name][
        :limit
    ]


def printed_address(office: Recipient) -> list[str]:
    """The address block as it prints in the office's own letters."""
    return recipient_lines(office, office.language)


def channels_of(office: Recipient) -> dict[str, bool]:
    """Which channels an office can be reached by."""
    reachable = channels(office)
    return {channel: channel in reachable for channel in CHANNELS}


def matches(office: Recipient, q: str, tag: str, country: str, no_email: bool) -> bool:
    """Whether an office is shown for the table's search and filters."""
    if tag and tag not in office.tags:
        return False
    if country and office.country != country:
        return False
    if no_email and office.emails:
        return False
    if not q:
        return True
    fields = (office.id, office.office, office.office_local, office.person, office.title)
    haystack = " ".join((*fields, office.address.city))
    return q.casefold() in haystack.casefold()

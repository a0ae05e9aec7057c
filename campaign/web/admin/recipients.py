"""The recipient directory in the console: the table, and add, edit, duplicate, delete an office."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.directory import CHANNELS, Directory, channels
from campaign.directory.addresses import countries, recipient_lines
from campaign.editing import offices
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.models import LANGUAGES, Recipient
from campaign.storage import audit
from campaign.web.admin import bp, merge, office_form
from campaign.web.admin.common import messages_of, open_directory, opened, save_yaml
from campaign.web.current import site
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
    )


@bp.route("/recipients/new", methods=["GET", "POST"])
def office_new():
    """A form for a new office; saved by editing.offices.add_office."""
    current = open_directory()
    if request.method == "GET":
        return office_page(current, None, {"language": "en"}, current.version)
    values, errors = office_form.read(request.form)
    if errors:
        return office_page(current, None, values, request.form.get("version", ""), errors=errors)
    plain = office_form.to_plain(values)
    return save_office(current, None, values, lambda doc: offices.add_office(doc, plain))


@bp.route("/recipients/<office_id>/edit", methods=["GET", "POST"])
def office_edit(office_id: str):
    """The form of one office; saved with the version it came from."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    if request.method == "GET":
        plain = offices.office_plain(current.document, office_id)
        return office_page(current, office_id, office_form.from_plain(plain), current.version)
    values, errors = office_form.read(request.form)
    if errors:
        version = request.form.get("version", "")
        return office_page(current, office_id, values, version, errors=errors)
    plain = office_form.to_plain(values)

    def change(document) -> None:
        offices.update_office(document, office_id, plain)

    return save_office(current, office_id, values, change)


@bp.route("/recipients/<office_id>/duplicate", methods=["GET", "POST"])
def office_duplicate(office_id: str):
    """Copy an office under a new id, then open the copy's form."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    new_id = request.form.get("new_id", f"{office_id}-copy").strip()[:64]
    error = []
    if request.method == "POST":
        try:
            save_yaml(
                site().recipients.name,
                request.form.get("version", ""),
                lambda doc: offices.duplicate_office(doc, office_id, new_id),
                action="duplicate",
            )
        except CampaignError as refused:
            error = messages_of(refused)
        else:
            copied = _(
                "%(new)s is a copy of %(old)s: change what differs.", new=new_id, old=office_id
            )
            flash(copied, "success")
            return redirect(url_for("admin.office_edit", office_id=new_id), code=303)
    status = 400 if error else 200
    return render_template(
        "admin/office_duplicate.html",
        active_page="admin.recipients",
        office=current.get(office_id),
        new_id=new_id,
        version=current.version,
        error=error,
    ), status


@bp.route("/recipients/<office_id>/delete", methods=["GET", "POST"])
def office_delete(office_id: str):
    """Ask, then delete an office (a POST form: no JavaScript needed)."""
    current = open_directory()
    if office_id not in current.ids:
        abort(404)
    error = []
    if request.method == "POST":
        try:
            save_yaml(
                site().recipients.name,
                request.form.get("version", ""),
                lambda doc: offices.delete_office(doc, office_id),
            )
        except CampaignError as refused:
            error = messages_of(refused)
        else:
            deleted = _("%(id)s was deleted. Its previous version is in the history.", id=office_id)
            flash(deleted, "success")
            return redirect(url_for("admin.recipients"), code=303)
    return render_template(
        "admin/office_delete.html",
        active_page="admin.recipients",
        office=current.get(office_id),
        version=current.version,
        error=error,
    ), 400 if error else 200


# --- helpers --------------------------------------------------------------------------------


def save_office(current: Directory, office_id: str | None, values: dict, change):
    """One safe save of an office form; the form again, with the input kept, on any refusal."""
    version = request.form.get("version", "")
    try:
        save_yaml(site().recipients.name, version, change)
    except ConflictError as conflict:
        values, notes = refreshed(current, office_id, values, version)
        return office_page(
            current, office_id, values, conflict.current_version, conflict=conflict, notes=notes
        )
    except InvalidData as invalid:
        ids = {values["id"].strip(), office_id or ""}
        errors, others = office_form.errors_by_field(invalid.problems, ids)
        return office_page(current, office_id, values, version, errors=errors, others=others)
    except CampaignError as refused:
        new_id = values["id"].strip()
        taken = new_id != office_id and new_id in current.ids
        errors = {"id": messages_of(refused)} if taken else {}
        others = [] if errors else messages_of(refused)
        return office_page(current, office_id, values, version, errors=errors, others=others)
    flash(_("Saved. The change is in recipients.yaml and in the history."), "success")
    return redirect(url_for("admin.office_edit", office_id=values["id"].strip()), code=303)


def refreshed(current: Directory, office_id: str | None, values: dict, version: str):
    """After a conflict: my edits over the office as saved now, and notes on what changed."""
    first = opened(site().recipients.name, version)
    if office_id is None or first is None or office_id not in current.ids:
        return values, {}
    before = offices.office_plain(load_document(first, site().recipients.name), office_id)
    now = offices.office_plain(current.document, office_id)
    return merge.merge(values, office_form.from_plain(before), office_form.from_plain(now))


def office_page(
    current: Directory,
    office_id: str | None,
    values: dict,
    version: str,
    *,
    errors: dict | None = None,
    others: list | None = None,
    conflict: ConflictError | None = None,
    notes: dict | None = None,
):
    """The office form with its values, errors, conflict and the address as it prints."""
    office = current.get(office_id) if office_id else None
    refused = bool(errors or others or conflict)
    html = render_template(
        "admin/office_form.html",
        active_page="admin.recipients",
        office=office,
        printed=printed_address(office) if office else [],
        values=values,
        version=version,
        errors=errors or {},
        others=others or [],
        conflict=conflict,
        notes=notes or {},
        labels=office_form.labels(),
        limits=office_form.LIMITS,
        country_choices=[("", _("(choose)")), *countries(ui_language()).items()],
        language_choices=[(code, code) for code in LANGUAGES],
    )
    return html, 409 if conflict else (400 if refused else 200)


def directory_changes(limit: int = 15) -> list[audit.Change]:
    """The last changes of recipients.yaml in the audit log."""
    name = site().recipients.name
    return [change for change in audit.recent_changes(site().instance, 100) if change.file == name][
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

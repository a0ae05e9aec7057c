"""Import and export of the directory: CSV and vCard out; a CSV in, after a preview."""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from campaign.directory import interchange
from campaign.editing import csv_import
from campaign.errors import CampaignError, ConflictError
from campaign.web.admin import bp, carry
from campaign.web.admin.common import messages_of, open_directory, save_yaml
from campaign.web.admin.forms import ImportConfirmForm, ImportForm, upload_limit
from campaign.web.current import download, site

NAME_LIMIT = 100


@bp.get("/recipients.csv")
def export_csv():
    """The directory as CSV (UTF-8 with a byte order mark, for spreadsheets)."""
    current = open_directory()
    return download(interchange.export_csv(current.recipients), "recipients.csv", "text/csv")


@bp.get("/recipients.vcf")
def export_vcard():
    """The directory as vCards, one per office."""
    current = open_directory()
    return download(interchange.export_vcard(current.recipients), "recipients.vcf", "text/vcard")


@bp.get("/import")
def import_form():
    """Export links and the upload form of an import."""
    return import_page(ImportForm())


@bp.post("/import")
def import_preview():
    """What the uploaded CSV would add and change; nothing is written yet."""
    form = ImportForm()
    if not form.validate():
        return import_page(form)
    name, data = file_name(form.file_name()), form.content()
    current = open_directory()
    try:
        preview = csv_import.preview_import(data, current.document, name)
    except CampaignError as error:
        return import_page(form, messages_of(error))
    blob, signed = carry.pack(data, current.version)
    carried = {"name": name, "blob": blob, "signed": signed, "version": current.version}
    confirm = ImportConfirmForm(formdata=None, data=carried)
    return render_template(
        "admin/import_preview.html",
        active_page="admin.import_form",
        preview=preview,
        form=confirm,
    ), 200 if preview.ok else 400


@bp.post("/import/confirm")
def import_confirm():
    """Apply the previewed CSV in one safe save, if the directory has not changed meanwhile."""
    form = ImportConfirmForm()
    name = file_name(form.name.data or "")
    version = form.version.data or ""
    try:
        data = carry.unpack(form.blob.data or "", form.signed.data or "", version, upload_limit())
    except carry.Tampered:
        lost = _("The file to import was lost on the way. Upload it again.")
        return import_page(ImportForm(formdata=None), [lost])

    def apply(document) -> None:
        csv_import.apply_import(csv_import.preview_import(data, document, name), document)

    try:
        save_yaml(site().recipients.name, version, apply, f"import of {name}", action="import")
    except ConflictError as conflict:
        intro = _(
            "The directory changed after the preview, so nothing was imported. "
            "Upload the file again to see a new preview."
        )
        return import_page(ImportForm(formdata=None), [intro, *conflict.changes], status=409)
    except CampaignError as error:
        return import_page(ImportForm(formdata=None), messages_of(error))
    flash(_("%(name)s was imported.", name=name), "success")
    return redirect(url_for("admin.recipients"), code=303)


def import_page(form: ImportForm, problems: list[str] | None = None, status: int = 0):
    """The import and export page, with the problems of the last attempt."""
    problems = [*(str(message) for message in form.csv.errors), *(problems or [])]
    html = render_template(
        "admin/import.html",
        active_page="admin.import_form",
        form=form,
        problems=problems,
        limit_kb=upload_limit() // 1000,
        columns=interchange.COLUMNS,
    )
    return html, status or (400 if problems else 200)


def file_name(name: str) -> str:
    """An uploaded file's name, for messages only: no folders, no odd characters, short."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip() or "import.csv"
    return cleaned[:NAME_LIMIT]

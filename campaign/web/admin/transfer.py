"""Import and export of the directory: CSV and vCard out; a CSV in, after a preview."""

from __future__ import annotations

import re

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign.directory import interchange
from campaign.editing import csv_import
from campaign.errors import CampaignError, ConflictError
from campaign.web.admin import bp, carry
from campaign.web.admin.common import messages_of, open_directory, save_yaml
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
    return import_page()


@bp.post("/import")
def import_preview():
    """What the uploaded CSV would add and change; nothing is written yet."""
    upload = request.files.get("csv")
    if upload is None or not upload.filename:
        return import_page([_("Choose a CSV file to upload.")])
    limit = current_app.config["ADMIN_IMPORT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return import_page([_("The file is larger than %(kb)d KB; split it.", kb=limit // 1000)])
    name = file_name(upload.filename)
    current = open_directory()
    try:
        preview = csv_import.preview_import(data, current.document, name)
    except CampaignError as error:
        return import_page(messages_of(error))
    blob, signed = carry.pack(data, current.version)
    return render_template(
        "admin/import_preview.html",
        active_page="admin.import_form",
        preview=preview,
        name=name,
        blob=blob,
        signed=signed,
        version=current.version,
    ), 200 if preview.ok else 400


@bp.post("/import/confirm")
def import_confirm():
    """Apply the previewed CSV in one safe save, if the directory has not changed meanwhile."""
    name = file_name(request.form.get("name", ""))
    version = request.form.get("version", "")
    try:
        data = carry.unpack(
            request.form.get("blob", ""),
            request.form.get("signed", ""),
            version,
            current_app.config["ADMIN_IMPORT_MAX_BYTES"],
        )
    except carry.Tampered:
        return import_page([_("The file to import was lost on the way. Upload it again.")])

    def apply(document) -> None:
        csv_import.apply_import(csv_import.preview_import(data, document, name), document)

    try:
        save_yaml(site().recipients.name, version, apply, f"import of {name}", action="import")
    except ConflictError as conflict:
        intro = _(
            "The directory changed after the preview, so nothing was imported. "
            "Upload the file again to see a new preview."
        )
        return import_page([intro, *conflict.changes], status=409)
    except CampaignError as error:
        return import_page(messages_of(error))
    flash(_("%(name)s was imported.", name=name), "success")
    return redirect(url_for("admin.recipients"), code=303)


def import_page(problems: list[str] | None = None, status: int = 0):
    """The import and export page, with the problems of the last attempt."""
    html = render_template(
        "admin/import.html",
        active_page="admin.import_form",
        problems=problems or [],
        limit_kb=current_app.config["ADMIN_IMPORT_MAX_BYTES"] // 1000,
        columns=interchange.COLUMNS,
    )
    return html, status or (400 if problems else 200)


def file_name(name: str) -> str:
    """An uploaded file's name, for messages only: no folders, no odd characters, short."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = re.sub(r"[^\w.\- ]", "_", base).strip() or "import.csv"
    return cleaned[:NAME_LIMIT]

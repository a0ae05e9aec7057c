"""Versions of the files the console edits: list them, compare two, restore one; the audit log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from campaign import editing
from campaign.errors import CampaignError
from campaign.storage import audit, safe_files, versions
from campaign.web.admin import bp
from campaign.web.admin.common import messages_of, who
from campaign.web.admin.forms import RestoreForm
from campaign.web.current import database, site

NOW = "now"


@bp.get("/history")
def history():
    """Every editable file with its last versions, and the audit log."""
    files = {name: versions.list_versions(database(), name, 3) for name in editable()}
    return render_template(
        "admin/history.html",
        active_page="admin.history",
        files=files,
        changes=audit.recent_changes(database(), 50),
    )


@bp.get("/history/<file_name>")
def history_file(file_name: str):
    """The versions of one file; ?a=&b= shows the changes from version a to b (or "now")."""
    check_file(file_name)
    kept = versions.list_versions(database(), file_name, 100)
    path = site().path_of(file_name)
    first, second = request.args.get("a", ""), request.args.get("b", NOW)
    diff, error = "", []
    if first:
        try:
            diff = compare(file_name, first, second)
        except CampaignError as refused:
            error = messages_of(refused)
    return render_template(
        "admin/history_file.html",
        active_page="admin.history",
        file_name=file_name,
        kept=kept,
        expected_version=safe_files.file_version(path),
        first=first,
        second=second,
        diff_lines=diff.splitlines(),
        compared=bool(first) and not error,
        error=error,
    ), 400 if error else 200


@bp.post("/history/<file_name>/restore")
def history_restore(file_name: str):
    """Bring back a kept version, checked like any save; back to where the button was."""
    check_file(file_name)
    form = RestoreForm()
    version_id = form.version_id.data or ""
    back = form.back_to(url_for("admin.history_file", file_name=file_name))
    try:
        editing.restore(site(), file_name, version_id, who(), form.expected.data or "")
    except CampaignError as refused:
        for line in messages_of(refused):
            flash(line, "error")
        return redirect(back, code=303)
    when = version_time(version_id)
    flash(_("The version of %(time)s is back in %(file)s.", time=when, file=file_name), "success")
    return redirect(back, code=303)


def editable() -> tuple[str, ...]:
    """The files the console keeps versions of."""
    return site().editable_files()


def check_file(file_name: str) -> None:
    """404 for anything but an editable file."""
    if file_name not in editable():
        abort(404)


def compare(file_name: str, first: str, second: str) -> str:
    """The unified diff from version `first` to version `second` (or to the file now)."""
    if second == NOW:
        return editing.compare_version(site(), file_name, first)
    old = versions.read(database(), file_name, first).decode("utf-8", "replace")
    new = versions.read(database(), file_name, second).decode("utf-8", "replace")
    return versions.diff(old, new, f"{file_name} ({first})", f"{file_name} ({second})")


def version_time(version_id: str) -> str:
    """The time part of a version id, readable: "2026-11-22 10:30:15 UTC"."""
    stamp = version_id[:15]
    if len(stamp) < 15:
        return version_id
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]} {stamp[9:11]}:{stamp[11:13]}:{stamp[13:15]} UTC"

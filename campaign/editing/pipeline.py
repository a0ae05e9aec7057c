"""The one edit path: open, change, validate, save, keep the version, log; restore; conflicts.

Every file the console edits (recipients.yaml, campaign.yaml, the letter bodies) goes through
`save`: the change is applied to the file as it is, the result is checked by the rulebook
together with every other file of the campaign, written by the safe save (a lock, a check that
the file is still the version the editor opened, an atomic write, a backup), kept in the
version history, and logged. A conflict says what someone else changed, field by field for
the YAML files and line by line for the letters. `restore` is a save of a kept version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from campaign.directory import ENTRY_KEYS
from campaign.editing import campaign_fields, offices
from campaign.editing.changes import (
    Change,
    conflict_lines,
    describe,
    field_changes,
    line_changes,
    record_changes,
)
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.rulebook import load_site
from campaign.site import CAMPAIGN_FILE, Site
from campaign.storage import audit, safe_files, versions
from campaign.text import file_text
from campaign.yamlfile import dump_document, load_document

Edit = Callable[[bytes], bytes]  # the file's content now -> its content after the change


def open_file(site: Site, file_name: str) -> tuple[bytes, str]:
    """A file for an edit page, and its version; the history keeps it for conflict messages."""
    return versions.remember(site.instance, site.path_of(file_name))


def in_document(change: Callable[[Any], None], file_name: str) -> Edit:
    """An Edit of a YAML file from a change of its round-trip document, made in place."""

    def edit(data: bytes) -> bytes:
        document = load_document(data, file_name)
        change(document)
        return dump_document(document, file_name)

    return edit


def replaced_by(text: str) -> Edit:
    """An Edit that puts `text` (from a browser: any line ends) in place of a letter body."""
    if not isinstance(text, str):
        raise CampaignError("the letter must be text")
    data = file_text(text).encode("utf-8")
    return lambda _old: data


def save(
    site: Site,
    file_name: str,
    expected_version: str,
    edit: Edit,
    who: str,
    *,
    summary: str = "",
    action: str = "",
) -> str:
    """Apply `edit` to the file as it is now, check, save, keep and log it; the new version.

    ConflictError (with what the other editor changed) when the file is no longer
    `expected_version`; InvalidData or TemplateError when the result breaks a rule. In both
    cases nothing is written.
    """
    versions.check_who(who)
    path = site.path_of(file_name)
    current = safe_files.read_if_exists(path)
    if current is None:
        raise CampaignError(f"{path}: no such file")
    if safe_files.version(current) != expected_version:
        raise _conflict(site, file_name, expected_version, current, edit)
    new = edit(current)
    if new == current:
        return expected_version
    load_site(site, {file_name: new})  # the rulebook: InvalidData or TemplateError
    try:
        safe_files.safe_write(
            path, new, expected_version, on_saved=versions.keeper(site.instance, file_name, who)
        )
    except ConflictError:
        latest = safe_files.read_if_exists(path)
        raise _conflict(site, file_name, expected_version, latest, edit, base=current) from None
    _log(site, file_name, who, changes_between(file_name, current, new), summary, action)
    return safe_files.version(new)


def restore(site: Site, file_name: str, version_id: str, who: str, expected_version: str) -> str:
    """Bring back a kept version of a file, as a checked save; return the new version."""
    kept = versions.read(site.instance, site.path_of(file_name).name, version_id)
    summary = f"restored the version {version_id}"
    return save(
        site, file_name, expected_version, lambda _now: kept, who, summary=summary, action="restore"
    )


def compare_version(site: Site, file_name: str, version_id: str) -> str:
    """A unified diff from a kept version to the file as it is now ("" when the same)."""
    old = versions.read(site.instance, file_name, version_id).decode("utf-8", "replace")
    now = safe_files.read_if_exists(site.path_of(file_name)) or b""
    return versions.diff(
        old, now.decode("utf-8", "replace"), f"{file_name} ({version_id})", f"{file_name} (now)"
    )


# --- what changed -------------------------------------------------------------------------------


def changes_between(file_name: str, old: bytes | None, new: bytes | None) -> list[Change]:
    """What differs between two versions of an editable file (nothing known: [])."""
    if old is None or new is None:
        return []
    try:
        if file_name == CAMPAIGN_FILE:
            return field_changes(
                _campaign_fields(old),
                _campaign_fields(new),
                campaign_fields.CAMPAIGN_FIELDS,
                campaign_fields.ORDERS,
            )
        if file_name.endswith((".yaml", ".yml")):
            return record_changes(
                offices.offices_plain(load_document(old, file_name)),
                offices.offices_plain(load_document(new, file_name)),
                ENTRY_KEYS,
                offices.ORDERS,
            )
        return line_changes(old.decode("utf-8"), new.decode("utf-8"))
    except (InvalidData, UnicodeDecodeError):
        return []


def _campaign_fields(data: bytes) -> dict[str, Any]:
    """The editable fields of a campaign.yaml."""
    return campaign_fields.campaign_fields(load_document(data, CAMPAIGN_FILE))


def _conflict(
    site: Site,
    file_name: str,
    expected_version: str,
    current: bytes | None,
    edit: Edit | None,
    *,
    base: bytes | None = None,
) -> ConflictError:
    """A ConflictError listing what someone else changed since `expected_version`."""
    if base is None or safe_files.version(base) != expected_version:
        base = versions.find(site.instance, file_name, expected_version)
    retry = "reload it" if file_name.endswith((".yaml", ".yml")) else "copy your text, reload"
    headline = (
        f"{file_name} was changed by someone else since you opened it, so nothing was saved; "
        f"{retry} and make your change again"
    )
    if base is None or current is None:
        return ConflictError(headline, [], safe_files.version(current))
    theirs = changes_between(file_name, base, current)
    lines = conflict_lines(file_name, theirs, _mine(file_name, base, edit)) or [
        f"{file_name}: comments or layout were changed since you opened it"
    ]
    return ConflictError(headline, lines, safe_files.version(current))


def _mine(file_name: str, base: bytes, edit: Edit | None) -> list[Change]:
    """What `edit` changes when applied to the version the editor opened."""
    if edit is None:
        return []
    try:
        return changes_between(file_name, base, edit(base))
    except (CampaignError, KeyError, TypeError, ValueError):
        return []


def _log(
    site: Site, file_name: str, who: str, changes: list[Change], summary: str, action: str
) -> None:
    """The audit entry of a save: who, which file, what, and the office when there is one."""
    scopes = {change.scope for change in changes}
    office = next(iter(scopes)) if len(scopes) == 1 and file_name == site.recipients.name else ""
    audit.record(
        site.instance,
        who,
        file_name,
        action or _action(file_name, changes, office),
        office=office,
        summary=" — ".join(part for part in (summary, describe(changes)) if part),
        fields=[change.what for change in changes],
    )


_STATE_ACTIONS = {"open": "open", "paused": "pause", "won": "win", "closed": "close"}


def _action(file_name: str, changes: list[Change], office: str) -> str:
    """The log's word for a save: add, update, delete, open, pause, win, close or edit."""
    kinds = {change.action for change in changes}
    if office and len(kinds) == 1:
        return {"added": "add", "deleted": "delete", "changed": "update"}[kinds.pop()]
    if file_name == CAMPAIGN_FILE:
        new_state = [change.new for change in changes if change.what == "state"]
        scopes = {change.scope for change in changes}
        if new_state and scopes <= set(campaign_fields.STATE_FIELDS):
            return _STATE_ACTIONS.get(new_state[0], "edit")
    return "edit"

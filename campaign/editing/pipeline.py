"""The one edit path: open, change, validate, save, keep the version, log; restore; conflicts.

Every file the console edits (recipients.yaml, campaign.yaml, the letter bodies) goes through
`save`: the change is applied to the file as it is, the result is checked by the rulebook
together with every other file of the campaign, written by the safe save (a lock, an atomic
write, a backup), kept in the version history, and logged. When someone else saved the file
since the editor opened it, a change to a YAML file is merged onto theirs if the two touch
different fields (`three_way`); otherwise, and always for a letter or a restore, the save is
refused with what the other one changed, field by field for the YAML files and line by line
for the letters. A save is one database transaction: the versions, the audit entry and the
new published version (what every host serves) commit together, after the file is read again
and merged again if it changed meanwhile, in a transaction that serialises savers on every
host, so two saves can never both win; this host's copy of the file is written after it
(`publishing`: a kill in between is completed by the next sync).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from campaign.directory import ENTRY_KEYS
from campaign.editing import campaign_fields, offices, publishing, three_way
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
from campaign.storage import audit, published, safe_files, versions
from campaign.storage.database import Database
from campaign.text import file_text
from campaign.yamlfile import dump_document, load_document

Edit = Callable[[bytes], bytes]  # the file's content now -> its content after the change


def open_file(site: Site, file_name: str) -> tuple[bytes, str]:
    """A file for an edit page, and its version; the history keeps it for conflicts and merges."""
    data = publishing.current(site.database, site, file_name)
    if data is None:
        raise CampaignError(f"{site.path_of(file_name)}: no such file")
    return data, versions.keep_unknown(site.database, file_name, data)


def remove_leftovers(site: Site) -> list[Path]:
    """Remove the temporary files interrupted saves left (at start-up); the files removed.

    Each file's are removed under its lock; a file whose lock is held is skipped (its holder
    removes them), and so is one whose folder cannot be written.
    """
    removed = []
    for file_name in site.editable_files():
        path = site.path_of(file_name)
        if not safe_files.temp_files(path.parent):
            continue  # nothing to remove: no lock file made beside a file never saved
        try:
            with safe_files.locked(path, wait=0):
                removed += safe_files.remove_stale_temp_files(path)
        except (CampaignError, OSError):
            continue
    return removed


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
    merge: bool = True,
) -> str:
    """Apply `edit` to the file as it is now, check, save, keep and log it; the new version.

    When the file is no longer `expected_version`, a YAML edit is merged onto it if nobody
    changed the same fields (not with `merge=False`: a restore replaces the whole file); else
    ConflictError, with what the other editor changed. InvalidData or TemplateError when the
    result breaks a rule. In every refusal nothing is written.
    """
    versions.check_who(who)
    database = site.database
    # Outside the transaction first (the rulebook takes a while), then again in it if needed.
    onto = publishing.current(database, site, file_name)
    plan = _plan(site, file_name, expected_version, edit, onto, merge)
    path = site.path_of(file_name)
    with safe_files.locked(path):  # this host's copy: written by one process at a time
        safe_files.remove_stale_temp_files(path)
        with database.begin() as tx:
            published.lock(tx)  # savers on every host and process, one at a time from here
            current = publishing.current(tx, site, file_name)
            if current != plan.onto:  # saved meanwhile: plan again, now that nobody else can
                plan = _plan(site, file_name, expected_version, edit, current, merge)
            if plan.new == plan.onto:
                return safe_files.version(plan.onto)
            _commit(tx, site, file_name, plan, who, summary, action)
        # The save is done: its versions, audit entry and publication are one transaction.
        # This host's copy follows (a kill before it is completed by the next sync: the copy
        # is behind, it holds what the app last put there).
        try:
            publishing.write_copy(site, file_name, lock=False)
        except CampaignError as error:
            raise CampaignError(
                f"{file_name} was saved and published, and every host serves it, but this "
                f"host's copy could not be written ({error}); it is written at the next look "
                "once that is fixed"
            ) from None
    return safe_files.version(plan.new)


def _commit(
    tx: Database, site: Site, file_name: str, plan: _Plan, who: str, summary: str, action: str
) -> None:
    """In the save's transaction: the versions kept, the audit entry, the new one published."""
    path = site.path_of(file_name)
    local = safe_files.read_if_exists(path)
    for known in (plan.onto, local):  # what is replaced, when the history did not know it
        if known is not None:
            versions.keep_unknown(tx, file_name, known)
    versions.record(tx, file_name, plan.new, who)
    changes = changes_between(file_name, plan.onto, plan.new)
    _log(tx, site, file_name, who, changes, summary, action, merged=plan.merged)
    published.put(tx, file_name, plan.new, who)
    # The copy here, as it is now, is accounted for: until it is written over, it is behind.
    published.seen(tx, path, safe_files.version(local))


@dataclass(frozen=True)
class _Plan:
    """What a save writes: `new` over `onto` (the file as read), and whether it was merged."""

    onto: bytes
    new: bytes
    merged: bool


def _plan(
    site: Site,
    file_name: str,
    expected_version: str,
    edit: Edit,
    current: bytes | None,
    merge: bool,
) -> _Plan:
    """The checked new content of the file from `current`: edited, or merged onto it."""
    if current is None:
        raise CampaignError(f"{site.path_of(file_name)}: no such file")
    merged = safe_files.version(current) != expected_version
    if not merged:
        new = edit(current)
    else:
        base = versions.find(site.database, file_name, expected_version)
        if not merge or base is None or not three_way.mergeable(file_name):
            raise _conflict(file_name, base, current, edit)
        try:
            new = three_way.merge(file_name, base, current, edit)
        except three_way.NotMerged as refused:
            raise _conflict(file_name, base, current, edit, refused.fields) from None
    if new != current:
        load_site(site, {file_name: new})  # the rulebook: InvalidData or TemplateError
    return _Plan(current, new, merged)


def restore(site: Site, file_name: str, version_id: str, who: str, expected_version: str) -> str:
    """Bring back a kept version of a file, as a checked save; return the new version."""
    kept = versions.read(site.database, site.path_of(file_name).name, version_id)
    summary = f"restored the version {version_id}"
    return save(
        site,
        file_name,
        expected_version,
        lambda _now: kept,
        who,
        summary=summary,
        action="restore",
        merge=False,  # a whole file brought back: never merged with what is there now
    )


def compare_version(site: Site, file_name: str, version_id: str) -> str:
    """A unified diff from a kept version to the file as it is now ("" when the same)."""
    old = versions.read(site.database, file_name, version_id).decode("utf-8", "replace")
    now = publishing.current(site.database, site, file_name) or b""
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
    file_name: str,
    base: bytes | None,
    current: bytes,
    edit: Edit,
    both: list[str] | None = None,
) -> ConflictError:
    """A ConflictError listing what someone else changed since `base`, the version opened."""
    retry = "reload it" if file_name.endswith((".yaml", ".yml")) else "copy your text, reload"
    headline = (
        f"{file_name} was changed by someone else since you opened it, so nothing was saved; "
        f"{retry} and make your change again"
    )
    if base is None:
        return ConflictError(headline, [], safe_files.version(current))
    theirs = changes_between(file_name, base, current)
    lines = conflict_lines(file_name, theirs, _mine(file_name, base, edit), both or ()) or [
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
    tx: Database,
    site: Site,
    file_name: str,
    who: str,
    changes: list[Change],
    summary: str,
    action: str,
    *,
    merged: bool,
) -> None:
    """The audit entry of a save: who, which file, what, the office when there is one, and
    whether it was merged onto someone else's change."""
    scopes = {change.scope for change in changes}
    office = next(iter(scopes)) if len(scopes) == 1 and file_name == site.recipients.name else ""
    note = "merged onto someone else's change saved meanwhile" if merged else ""
    audit.record(
        tx,
        who,
        file_name,
        action or _action(file_name, changes, office),
        office=office,
        summary=" — ".join(part for part in (note, summary, describe(changes)) if part),
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

"""Several hosts, one campaign: each host's copy of the files follows the published version.

A console save publishes the file's new content in the database, with its version and audit
entry, in one transaction (`pipeline.save`); then this host writes it into its own copy
(`write_copy`). Every host looks at the published versions (the web app: at most every
PUBLISHED_POLL_S, and whenever its files change) and `sync`s its copies:

- a copy that still holds what the app last put there (or none, or a folder new to the
  campaign) is behind: the published version is written over it, safely, and the copy's
  content kept in the history if the history did not know it;
- nothing published yet: the copies, checked by the rulebook, are published as found on disk;
- a copy edited (or deleted) on this host by hand: with SQLite (one host, as `make run`) the
  files are the truth, as they always were, so it is published once the rulebook passes (a
  file deleted or broken keeps the last good version served, with the problem); with PostgreSQL
  (several hosts may share it) it is kept on disk but not served: the host serves the
  published version and says so (`campaign check`, the console's banner) until
  `campaign publish` publishes the edit to every host, or the edit is dropped.

A save killed after its transaction and before the copy was written is completed by the next
sync: the copy still holds what the app last put there, so it is behind.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from campaign.errors import CampaignError
from campaign.rulebook import load_site
from campaign.site import Site
from campaign.storage import audit, published, safe_files, versions
from campaign.storage.database import Database

log = logging.getLogger(__name__)

COMMAND_LINE = "command-line"  # who publishes with `campaign publish`


class Copy(enum.Enum):
    """How this host's copy of a file stands to the published version."""

    SAME = "same"  # holds the published version
    UNPUBLISHED = "unpublished"  # nothing published yet: the copy is the campaign
    BEHIND = "behind"  # holds what the app last put there: the published version goes over it
    EDITED = "edited"  # edited on this host by hand (SQLite: published; PostgreSQL: reported)


@dataclass
class Synced:
    """What a sync did: the files it published, and what the host serves instead of its copy."""

    published: list[str] = field(default_factory=list)
    served: dict[str, bytes] = field(default_factory=dict)  # file -> the published bytes
    notes: list[str] = field(default_factory=list)  # one line per copy not served


def several_hosts(db: Database) -> bool:
    """Whether hosts may share this database (PostgreSQL); a SQLite file is one host's."""
    return db.dialect != "sqlite"


def standing(
    db: Database, site: Site, file_name: str
) -> tuple[Copy, bytes | None, published.Published | None]:
    """How this host's copy of `file_name` stands, its bytes, and the published version."""
    path = site.path_of(file_name)
    local = safe_files.read_if_exists(path)
    now = published.get(db, file_name)
    if now is None:
        return (Copy.UNPUBLISHED if local is not None else Copy.SAME), local, now
    if safe_files.version(local) == now.sha256:
        return Copy.SAME, local, now
    last = published.last_seen(db, path)
    if local is not None and last == safe_files.version(local):
        return Copy.BEHIND, local, now
    if last is None and several_hosts(db):
        return Copy.BEHIND, local, now  # a host new to the campaign: it takes what is served
    return Copy.EDITED, local, now  # a copy deleted by hand too


def current(db: Database, site: Site, file_name: str) -> bytes | None:
    """The content the console edits and merges onto: the published version, or this host's
    copy where that is the campaign (nothing published; a hand edit on the only host)."""
    state, local, now = standing(db, site, file_name)
    if now is None or state is Copy.SAME:
        return local
    if state is Copy.EDITED and not several_hosts(db):
        return local
    return now.content


def write_copy(site: Site, file_name: str, *, lock: bool = True) -> bool:
    """Write the published version into this host's copy (safe write); whether it changed.

    Under the file's lock (`lock=False`: the caller holds it) the published version is read
    again, so workers writing at once all leave the newest. Content the history did not know
    is kept there first: never lost.
    """
    db = site.database
    path = site.path_of(file_name)

    def newest(old: bytes | None) -> bytes | None:
        now = published.get(db, file_name)
        if now is None or now.content == old:
            return None
        return now.content

    def keep_old(old: bytes | None, _new: bytes) -> None:
        if old is not None:
            versions.keep_unknown(db, file_name, old)

    written = safe_files.rewrite(path, newest, on_saved=keep_old, lock=lock)
    now = published.get(db, file_name)
    if now is not None and safe_files.read_if_exists(path) == now.content:
        published.seen(db, path, now.sha256)
    return written is not None


def sync(site: Site) -> Synced:
    """Bring this host's copies to the published versions, publish what is this host's to
    publish (see the module), and say what is served instead of a copy edited by hand."""
    db = site.database
    synced = Synced()
    found: dict[str, bytes] = {}
    for file_name in site.editable_files():
        try:
            state, local, now = standing(db, site, file_name)
        except CampaignError as error:  # a copy that cannot be read: the rulebook says why
            synced.notes.append(str(error))
            continue
        if state is Copy.SAME and now is not None:
            path = site.path_of(file_name)
            if published.last_seen(db, path) != now.sha256:
                published.seen(db, path, now.sha256)
        elif state is Copy.BEHIND:
            try:
                write_copy(site, file_name)
            except CampaignError as error:  # a full disk: serve the published version anyway
                if now is not None:
                    synced.served[file_name] = now.content
                synced.notes.append(f"{error}; this host serves the published version")
        elif local is not None and (state is Copy.UNPUBLISHED or not several_hosts(db)):
            found[file_name] = local
        elif now is not None and several_hosts(db):
            synced.served[file_name] = now.content
            synced.notes.append(edited_note(site, now))
    if found:
        synced.published = publish_found(site, found, synced.served)
    return synced


def publish_found(
    site: Site, found: dict[str, bytes], served: dict[str, bytes], who: str = ""
) -> list[str]:
    """Publish copies found on disk, if the campaign with them passes the rulebook; the files
    published. `who` (the command line) is logged in the audit; "" (the web app) is not."""
    try:
        load_site(site, served)
    except CampaignError:
        return []  # the reload reports the problems and keeps serving the last good version
    done = []
    with site.database.begin() as tx:
        published.lock(tx)
        for file_name, data in found.items():
            path = site.path_of(file_name)
            before = published.get(tx, file_name)
            if safe_files.read_if_exists(path) != data:
                continue  # changed again meanwhile: the next sync takes it
            if before is not None and (
                several_hosts(tx) or before.sha256 == safe_files.version(data)
            ):
                continue  # another host published first (several hosts), or nothing to do
            if before is not None:
                versions.keep_unknown(tx, file_name, before.content)
            versions.record(tx, file_name, data, who=who)
            if who:
                audit.record(
                    tx,
                    who,
                    file_name,
                    "publish",
                    summary=f"published this host's copy ({published.place(path)})",
                )
            published.put(tx, file_name, data, who)
            published.seen(tx, path, safe_files.version(data))
            done.append(file_name)
    return done


def edited_note(site: Site, now: published.Published) -> str:
    """The line that says a hand-edited copy is not served, and what to do."""
    path = site.path_of(now.file)
    by = f"saved by {now.who}" if now.who else "found on disk"
    return (
        f"{path}: edited on this host and not published, so this host serves the published "
        f"version ({by}, {now.time}); run `campaign publish` to publish it to every host, "
        "or undo the edit (e.g. `git checkout` the file)"
    )


def differences(site: Site) -> list[str]:
    """One line per copy of this host that is not the published version (`campaign check`)."""
    db = site.database
    lines = []
    for file_name in site.editable_files():
        state, _local, now = standing(db, site, file_name)
        path = site.path_of(file_name)
        if state is Copy.UNPUBLISHED:
            lines.append(f"{path}: not published yet; the web app publishes it when it starts")
        elif state is Copy.BEHIND and now is not None:
            lines.append(
                f"{path}: behind the published version ({now.time}); the web app writes the "
                "published version here when it next looks"
            )
        elif state is Copy.EDITED and now is not None:
            lines.append(edited_note(site, now))
    return lines


def publish_local(site: Site) -> list[str]:
    """`campaign publish`: check this host's files with the rulebook, then publish the ones
    edited here as one save each (merged onto changes saved meanwhile from the console, or a
    conflict); what was done, one line a file."""
    from campaign.editing import pipeline  # pipeline imports this module

    db = site.database
    load_site(site)  # InvalidData: every problem, nothing published
    lines = []
    for file_name in site.editable_files():
        state, local, now = standing(db, site, file_name)
        path = site.path_of(file_name)
        if local is None or state is Copy.SAME:
            continue
        if state is Copy.BEHIND:
            lines.append(f"{path}: not published (behind the published version, not edited)")
            continue
        if state is Copy.UNPUBLISHED or not several_hosts(db):
            if publish_found(site, {file_name: local}, {}, who=COMMAND_LINE):
                lines.append(f"published {path}")
            continue
        assert now is not None
        base = published.last_seen(db, path) or now.sha256
        version = pipeline.save(
            site,
            file_name,
            base,
            _replaced_by(local),
            COMMAND_LINE,
            summary=f"published the copy of {published.place(path)}",
            action="publish",
        )
        lines.append(f"published {path} (version {version[:16]})")
    if not lines:
        return ["nothing to publish: this host's files are the published versions"]
    return lines


def _replaced_by(data: bytes) -> Callable[[bytes], bytes]:
    """An edit that makes the file `data` byte for byte (this host's copy, published; the
    console's `replaced_by` takes a browser's text and normalises its line ends)."""
    return lambda _old: data

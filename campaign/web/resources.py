"""The campaign's files as the web app serves them: reloaded when they change, no restart needed.

They change on disk (a save, a hand edit) or in the database: another host saved and published
a new version, which this host sees by polling the published versions (one small query at most
every `poll_s` per worker) and writes into its own copy before it reloads (`publishing.sync`).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from campaign.editing import publishing
from campaign.errors import CampaignError
from campaign.rulebook import Loaded, load_site
from campaign.site import Site
from campaign.storage import published
from campaign.storage.safe_files import is_temp_file

log = logging.getLogger(__name__)


def stamp(*paths: Path) -> tuple:
    """What changes when any of these files, or a file directly in these folders, is saved."""
    entries: list[tuple] = []
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        files = [file for file in files if not is_temp_file(file.name)]  # a save in progress
        for file in files:
            try:
                status = file.stat()
            except FileNotFoundError:
                entries.append((str(file), None))
                continue
            entries.append((str(file), status.st_mtime_ns, status.st_size))
    return tuple(entries)


class Resources:
    """Serves the campaign, checked by the rulebook, reloading it after any save or hand edit.

    Files that break a rule are reported in the log (and to organisers, `problems`) and the
    last good version keeps being served, so a typo in campaign.yaml does not take the
    campaign page down.
    """

    def __init__(self, site: Site, poll_s: float = 2.0):
        self.site = site
        self.poll_s = poll_s  # how often a worker looks at the published versions
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._shas: dict[str, str] | None = None  # the published versions when last loaded
        self._polled_at = float("-inf")
        self._loaded: Loaded | None = None
        self.problems: list[str] = []  # why the files on disk are not the ones served

    def get(self) -> Loaded:
        """The current campaign; raises CampaignError if it never loaded."""
        current = stamp(self.site.recipients, self.site.templates)
        with self._lock:
            shas = self._poll()
            if current != self._stamp or (shas is not None and shas != self._shas):
                self._reload()
            if self._loaded is None:
                raise CampaignError("the campaign files could not be loaded; see the log")
            return self._loaded

    def _poll(self) -> dict[str, str] | None:
        """The published versions, looked at most every `poll_s`; None between two looks."""
        now = time.monotonic()
        if now - self._polled_at < self.poll_s:
            return None
        self._polled_at = now
        try:
            return published.shas(self.site.database)
        except CampaignError as error:  # the database gone away: keep serving what we have
            log.warning("published versions not looked at: %s", error)
            return None

    def _reload(self) -> None:
        """Bring the copies up to date, then load and check every file; keep the previous
        campaign if anything fails."""
        synced = publishing.Synced()
        try:
            synced = publishing.sync(self.site)
            self._shas = published.shas(self.site.database)
        except CampaignError as error:
            log.warning("files not brought up to the published versions: %s", error)
        for note in synced.notes:
            log.warning("%s", note)
        self._stamp = stamp(self.site.recipients, self.site.templates)  # after the writes
        try:
            self._loaded = load_site(self.site, synced.served)
            self.problems = list(synced.notes)
        except CampaignError as error:
            self.problems = [*synced.notes, *str(error).splitlines()]
            log.error("campaign files not reloaded, keeping the last good ones:\n%s", error)
        except Exception:  # a bug must not take every page down either; the log has the trace
            self.problems = ["the campaign files could not be read; see the log"]
            log.exception("campaign files not reloaded, keeping the last good ones")

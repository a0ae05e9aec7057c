"""The campaign's files as the web app serves them: reloaded when they change, no restart needed."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from campaign.errors import CampaignError
from campaign.rulebook import Loaded, load_site
from campaign.site import Site
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

    def __init__(self, site: Site):
        self.site = site
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._loaded: Loaded | None = None
        self.problems: list[str] = []  # why the files on disk are not the ones served

    def get(self) -> Loaded:
        """The current campaign; raises CampaignError if it never loaded."""
        current = stamp(self.site.recipients, self.site.templates)
        with self._lock:
            if current != self._stamp:
                self._reload(current)
            if self._loaded is None:
                raise CampaignError("the campaign files could not be loaded; see the log")
            return self._loaded

    def _reload(self, current: tuple) -> None:
        """Load and check every file; keep the previous campaign if anything fails."""
        try:
            self._loaded = load_site(self.site)
            self.problems = []
        except CampaignError as error:
            self.problems = str(error).splitlines()
            log.error("campaign files not reloaded, keeping the last good ones:\n%s", error)
        except Exception:  # a bug must not take every page down either; the log has the trace
            self.problems = ["the campaign files could not be read; see the log"]
            log.exception("campaign files not reloaded, keeping the last good ones")
        self._stamp = current

"""The directory and the templates, reloaded when their files change: no restart needed."""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from campaign import directory
from campaign.directory import Directory
from campaign.errors import CampaignError
from campaign.letters import render
from campaign.letters.render import Templates

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Loaded:
    """One consistent pair of directory and templates."""

    directory: Directory
    templates: Templates


def stamp(*paths: Path) -> tuple:
    """What changes when any of these files, or a file directly in these folders, is saved."""
    entries = []
    for path in paths:
        files = sorted(path.iterdir()) if path.is_dir() else [path]
        for file in files:
            try:
                status = file.stat()
            except FileNotFoundError:
                entries.append((str(file), None))
                continue
            entries.append((str(file), status.st_mtime_ns, status.st_size))
    return tuple(entries)


class Resources:
    """Serves the loaded directory and templates, reloading them after an organiser's save.

    A file that fails to load is reported in the log and the last good version is kept,
    so a typo in campaign.yaml does not take the campaign page down.
    """

    def __init__(self, recipients: str | os.PathLike[str], templates_dir: str | os.PathLike[str]):
        self.recipients = Path(recipients)
        self.templates_dir = Path(templates_dir)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._loaded: Loaded | None = None

    def get(self) -> Loaded:
        """The current directory and templates; raises CampaignError if they never loaded."""
        current = stamp(self.recipients, self.templates_dir)
        with self._lock:
            if current != self._stamp:
                self._reload(current)
            if self._loaded is None:
                raise CampaignError("the campaign files could not be loaded; see the log")
            return self._loaded

    def _reload(self, current: tuple) -> None:
        """Load both; keep the previous pair if either fails."""
        try:
            self._loaded = Loaded(directory.load(self.recipients), render.load(self.templates_dir))
        except CampaignError as error:
            log.error("campaign files not reloaded, keeping the last good ones:\n%s", error)
        self._stamp = current

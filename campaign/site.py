"""Where one campaign is: its directory, its letters folder, its instance folder, its database."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from campaign.errors import CampaignError
from campaign.models import LANGUAGES

if TYPE_CHECKING:
    from campaign.storage.database import Database

CAMPAIGN_FILE = "campaign.yaml"
DATABASE_URL_VARIABLE = "CAMPAIGN_DATABASE_URL"  # the environment variable naming the database


def body_name(language: str) -> str:
    """The file name of the letter body in `language`."""
    return f"letter.{language}.txt"


def thanks_name(language: str) -> str:
    """The file name of the thank-you letter in `language`, offered when the appeal is won."""
    return f"thanks.{language}.txt"


@dataclass(frozen=True)
class Site:
    """One campaign on disk: passed whole instead of three paths through every call."""

    recipients: Path  # recipients.yaml
    templates: Path  # letter_templates/: campaign.yaml, the bodies, print.html and print.css
    instance: Path  # this installation's own files: the secret key, the SQLite database
    database_url: str = ""  # the shared state; "" for the SQLite file in the instance folder

    @classmethod
    def at(
        cls,
        recipients: str | os.PathLike[str],
        templates: str | os.PathLike[str],
        instance: str | os.PathLike[str] = "instance",
        database_url: str | None = None,
    ) -> Site:
        """A Site from the paths (and database URL) as given on a command line or in a config."""
        return cls(Path(recipients), Path(templates), Path(instance), database_url or "")

    @property
    def database(self) -> Database:
        """The shared state: versions, audit log, accounts, counts, limits (schema current)."""
        return self.connect_database()

    def connect_database(self, *, upgrade: bool = True, again: bool = False) -> Database:
        """The database, its schema upgraded first unless `upgrade` is False (`campaign db`).

        The schema is checked once per process, or `again` (at start-up, which it proves).
        """
        from campaign.storage import database  # SQLAlchemy only for the commands that need it

        url = self.database_url or database.default_url(self.instance)
        return database.open_database(url, again=again) if upgrade else database.connect(url)

    @property
    def campaign_file(self) -> Path:
        """campaign.yaml."""
        return self.templates / CAMPAIGN_FILE

    def editable_files(self) -> tuple[str, ...]:
        """The names of the files the console edits and keeps versions of."""
        return (
            self.recipients.name,
            CAMPAIGN_FILE,
            *(body_name(language) for language in LANGUAGES),
        )

    def path_of(self, file_name: str) -> Path:
        """Where an editable file is, or a CampaignError for any other name."""
        if file_name == self.recipients.name:
            return self.recipients
        if file_name not in self.editable_files():
            raise CampaignError(f"{file_name!r} is not a file the console edits")
        return self.templates / file_name

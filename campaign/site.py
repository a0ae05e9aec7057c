"""Where one campaign's files are: its directory, its letters folder and its instance folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from campaign.errors import CampaignError
from campaign.models import LANGUAGES

CAMPAIGN_FILE = "campaign.yaml"


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
    instance: Path  # this installation's state: versions, audit log, accounts, counts

    @classmethod
    def at(
        cls,
        recipients: str | os.PathLike[str],
        templates: str | os.PathLike[str],
        instance: str | os.PathLike[str] = "instance",
    ) -> Site:
        """A Site from three paths as given on a command line or in a config."""
        return cls(Path(recipients), Path(templates), Path(instance))

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

"""One family of errors. Every message says where, what, and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a file or an input: where it is and what is wrong."""

    where: str  # "recipients.yaml:42" or a form field name such as "email"
    message: str  # what is wrong and how to fix it
    field: str = ""  # dotted path inside the record, e.g. "it-interior.emails[0]"

    def __str__(self) -> str:
        middle = f" {self.field}:" if self.field else ""
        return f"{self.where}:{middle} {self.message}"


class CampaignError(Exception):
    """Base class: bad input or data that the user can fix. Never shown as a traceback."""


class InvalidData(CampaignError):
    """A file (recipients.yaml, campaign.yaml, a template) or an input has problems.

    Holds every problem found, so one run reports them all at once.
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class TemplateError(CampaignError):
    """A letter template does not compile, does not render, or tries to escape the sandbox."""

    def __init__(self, where: str, message: str):
        self.problem = Problem(where, message)
        super().__init__(str(self.problem))


class ConflictError(CampaignError):
    """A save would overwrite a version newer than the one the editor started from.

    `message` is the headline; `changes` says, one line each, what the other editor changed
    (empty when that cannot be known); `current_version` is the file's version now.
    """

    def __init__(self, message: str, changes: Iterable[str] = (), current_version: str = ""):
        self.message = message
        self.changes = list(changes)
        self.current_version = current_version
        super().__init__("\n".join([message, *self.changes]))


class RenderError(CampaignError):
    """The PDF could not be produced (a layout problem, not bad user input)."""


class Busy(CampaignError):
    """Every worker is busy: try again in `retry_after` seconds (the web answers 503)."""

    def __init__(self, retry_after: int):
        super().__init__(f"the server is busy; try again in {retry_after} s")
        self.retry_after = retry_after


class TooLarge(CampaignError):
    """A request asks for more than a limit allows (letters, paragraphs, pages): answer 413."""


class RenderTimeout(RenderError):
    """A PDF took longer than its deadline and was stopped."""

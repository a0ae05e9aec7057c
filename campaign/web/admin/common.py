"""What the console's views share: who is editing, opening and saving files, messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import g

from campaign import directory, editing
from campaign.directory import Directory
from campaign.editing import campaign_fields
from campaign.errors import CampaignError, ConflictError, InvalidData, Problem, TemplateError
from campaign.site import CAMPAIGN_FILE
from campaign.storage import versions
from campaign.web.current import database, site
from campaign.yamlfile import load_document


def who() -> str:
    """The signed-in organiser (the console's before_request has checked the session)."""
    return g.organiser


def open_directory() -> Directory:
    """recipients.yaml as it is now; the history keeps its version for conflict messages."""
    data, _version = editing.open_file(site(), site().recipients.name)
    return directory.from_bytes(site().recipients, data)


def open_campaign() -> tuple[dict[str, Any], str]:
    """campaign.yaml's editable fields as plain values, and the version to send back."""
    data, version = editing.open_file(site(), CAMPAIGN_FILE)
    return campaign_fields.campaign_fields(load_document(data, CAMPAIGN_FILE)), version


def save_yaml(
    file_name: str,
    version: str,
    change: Callable[[Any], None],
    summary: str = "",
    action: str = "",
) -> str:
    """One save of a change to recipients.yaml or campaign.yaml, by the signed-in organiser."""
    edit = editing.in_document(change, file_name)
    return editing.save(site(), file_name, version, edit, who(), summary=summary, action=action)


def opened(file_name: str, version: str) -> bytes | None:
    """The content an organiser opened (its version), when the history knows it."""
    return versions.find(database(), file_name, version)


def console_path(wanted: str | None, fallback: str) -> str:
    """`wanted` if it is a page of this console (never another site), else `fallback`."""
    if wanted:
        parts = urlsplit(wanted)
        local = not parts.scheme and not parts.netloc and not wanted.startswith("//")
        if local and parts.path.startswith("/admin/") and "\\" not in wanted:
            return wanted
    return fallback


def messages_of(error: CampaignError) -> list[str]:
    """An error from the core as the lines to show in the page (no traceback, ever)."""
    if isinstance(error, InvalidData):
        return [problem_text(problem) for problem in error.problems]
    if isinstance(error, TemplateError):
        return [problem_text(error.problem)]
    if isinstance(error, ConflictError):
        return [error.message, *error.changes]
    return [str(error)]


def problem_text(problem: Problem) -> str:
    """One problem as a sentence: the field (or file and line) and what is wrong."""
    where = problem.field or problem.where
    return f"{where}: {problem.message}"

"""What the console's views share: where the files are, who is editing, downloads, messages."""

from __future__ import annotations

from pathlib import Path

from flask import Response, current_app, g

from campaign.errors import CampaignError, ConflictError, InvalidData, Problem, TemplateError


def recipients_path() -> Path:
    """The recipients.yaml this app serves."""
    return Path(current_app.config["RECIPIENTS"])


def templates_dir() -> Path:
    """The letter_templates folder this app serves."""
    return Path(current_app.config["TEMPLATES"])


def instance() -> str:
    """The instance folder: versions, audit log, accounts, counts."""
    return current_app.instance_path


def who() -> str:
    """The signed-in organiser (the console's before_request has checked the session)."""
    return g.organiser


def file_places() -> dict[str, Path | str]:
    """The keyword arguments of letter_edits' functions that work on any editable file."""
    return {
        "instance": instance(),
        "templates_dir": templates_dir(),
        "recipients_path": recipients_path(),
    }


def download(content: str | bytes, filename: str, mimetype: str, inline: bool = False) -> Response:
    """A file to save (or, `inline`, to show), never cached."""
    response = Response(content, mimetype=mimetype)
    disposition = "inline" if inline else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


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

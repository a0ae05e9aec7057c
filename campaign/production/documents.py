"""The kit's and the dossier's documents: our own templates, filled in by the one sandbox."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from campaign.letters.pdf import check_paper
from campaign.letters.sandbox import LetterSandbox, letter_environment
from campaign.models import Recipient

TEMPLATES = Path(__file__).resolve().parent / "templates"
STYLESHEET = "production.css"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


@cache
def _environment() -> LetterSandbox:
    """The sandbox, autoescaping, on this package's templates (made once per process)."""
    return letter_environment(TEMPLATES, autoescape=True)


def document_html(name: str, *, language: str, title: str, paper: str, **context: Any) -> str:
    """The HTML of the template `name`: plain values in, every one escaped, our CSS inlined."""
    check_paper(paper)
    css = Markup((TEMPLATES / STYLESHEET).read_text(encoding="utf-8"))  # noqa: S704 - ours
    return (
        _environment()
        .get_template(name)
        .render(lang=language, title=title, page_size=PAGE_SIZES[paper], css=css, **context)
    )


def office_name(office: Recipient, language: str) -> str:
    """The office as readers of `language` know it: its own name in its own language."""
    if language == office.language and office.office_local:
        return office.office_local
    return office.office

"""`campaign check`: everything an organiser can get wrong, found in one run."""

from __future__ import annotations

from pathlib import Path

from campaign import directory
from campaign.errors import CampaignError, InvalidData, Problem, TemplateError
from campaign.letters import drafts, pdf, render
from campaign.letters.senders import make_sender
from campaign.models import LANGUAGES, Letter

# A sender with every field filled, in scripts the letters must print.
SAMPLE_SENDER = make_sender(
    name="Sample Supporter",
    street="1 Example Street",
    postcode="00100",
    city="Roma",
    country="IT",
    email="supporter@example.org",
    note="A personal note: Атырау, Қазақстан.",
)


def check_campaign(recipients_path: Path, templates_dir: Path) -> tuple[list[Problem], str]:
    """All problems of the directory and the templates, and a one-line summary when none."""
    problems: list[Problem] = []
    offices = _collect(problems, lambda: directory.load(recipients_path).recipients)
    letter_templates = _collect(problems, lambda: render.load(templates_dir), templates_dir)
    if problems or offices is None or letter_templates is None:
        return problems, ""
    letters = []
    for recipient in offices:
        for language in LANGUAGES:
            letter = _collect(
                problems,
                lambda r=recipient, lang=language: render.render_letter(
                    letter_templates, r, SAMPLE_SENDER, lang
                ),
                templates_dir,
            )
            if letter is not None:
                letters.append(letter)
    problems.extend(_draft_problems(letters, recipients_path))
    for language in LANGUAGES:  # one document per language: a PDF holds one letter an office
        same_language = [letter for letter in letters if letter.language == language]
        _collect(problems, lambda ls=same_language: pdf.render(ls, templates_dir=templates_dir))
    summary = (
        f"ok: {len(offices)} offices, {len(LANGUAGES)} languages, "
        f"{len(letters)} letters rendered as text, PDF and e-mail drafts"
    )
    return problems, summary


def _collect(problems: list[Problem], action, folder: Path | None = None):
    """Run `action`; on a CampaignError add its problems (with file paths) and return None."""
    try:
        return action()
    except InvalidData as error:
        problems.extend(_in_folder(p, folder) for p in error.problems)
    except TemplateError as error:
        problems.append(_in_folder(error.problem, folder))
    except CampaignError as error:
        problems.append(Problem(str(folder or "campaign"), str(error)))
    return None


def _in_folder(problem: Problem, folder: Path | None) -> Problem:
    """The problem with its file named by its path inside the templates folder."""
    if folder is None or "/" in problem.where:
        return problem
    return Problem(f"{folder / problem.where}", problem.message, problem.field)


def _draft_problems(letters: list[Letter], recipients_path: Path) -> list[Problem]:
    """Drafts that cannot be built: an .eml that fails is a bug in the data, say where."""
    problems = []
    for letter in letters:
        try:
            drafts.eml(letter)
            drafts.mailto(letter)
        except (ValueError, CampaignError) as error:
            where = f"{recipients_path}:{letter.recipient.line}"
            problems.append(Problem(where, f"e-mail draft fails: {error}", letter.recipient.id))
    return problems

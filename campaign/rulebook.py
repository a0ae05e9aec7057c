"""The one rulebook: every file of a campaign checked together, the same way by every way in.

`load_site` reads recipients.yaml, campaign.yaml, the letter bodies and print.html, validates
each (every problem at its file and line), then renders every body, call script and the print
layout for every office in every language, for a sample supporter who writes a note and one
who does not, under a time budget per file. `campaign check`, the web app's reload of a
hand-edited file, every console save, the CSV import and restore all call it, the last three
with the candidate content of the file they are about to write (`replaced`). So what one of
them refuses, all refuse, and what it accepts renders for every supporter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from campaign import directory, limits
from campaign.directory import Directory, addresses
from campaign.errors import CampaignError, InvalidData, Problem, TemplateError
from campaign.letters import drafts, pdf, render, states, window
from campaign.letters.render import Appeal
from campaign.letters.sandbox import within
from campaign.letters.senders import make_sender
from campaign.models import LANGUAGES, Letter, Recipient, Sender
from campaign.site import CAMPAIGN_FILE, Site

T = TypeVar("T")

# A sender with every field filled, in the scripts the letters must print, and one with a name
# only: a template that takes a branch only for some supporters is tried both ways.
SAMPLE_SENDERS = (
    make_sender(
        name="Sample Supporter",
        street="1 Example Street",
        postcode="00100",
        city="Roma",
        country="IT",
        email="supporter@example.org",
        note="A personal note: Атырау, Қазақстан.",
    ),
    make_sender(name="Sample Supporter"),
)


@dataclass(frozen=True)
class Loaded:
    """One consistent, validated pair: the directory and the appeal (campaign and letters)."""

    directory: Directory
    appeal: Appeal


def load_site(site: Site, replaced: Mapping[str, bytes] | None = None) -> Loaded:
    """Every file of `site`, validated as one; `replaced` gives new content for some files.

    Raises InvalidData listing every problem, each at its file (path) and line.
    """
    replaced = dict(replaced or {})
    problems: list[Problem] = []
    recipients_data = replaced.pop(site.recipients.name, None)
    found = collect(problems, site, lambda: _directory(site, recipients_data))
    appeal = collect(problems, site, lambda: render.load(site.templates, replaced))
    if found is None or appeal is None:
        raise InvalidData(problems)
    problems.extend(disclosure_problems(site, found, appeal))
    problems.extend(window_problems(site, found))
    before = len(problems)
    collect(problems, site, lambda: pdf.check_layout(site.templates))
    layout_ok = len(problems) == before
    problems.extend(render_problems(site, found.recipients, appeal, layout=layout_ok))
    if problems:
        raise InvalidData(problems)
    return Loaded(found, appeal)


def render_problems(
    site: Site, offices: Iterable[Recipient], appeal: Appeal, *, layout: bool = True
) -> list[Problem]:
    """What fails when the bodies, call scripts and (with `layout`) print.html are filled in
    for every office."""
    offices = tuple(offices)
    problems: list[Problem] = []
    thanks = states.thanks_appeal(appeal) if appeal.thanks else None
    for language in LANGUAGES:
        collect(problems, site, partial(check_body, appeal, offices, language))
        if thanks is not None:  # offered once the appeal is won: checked as the appeal is
            collect(problems, site, partial(check_body, thanks, offices, language))
        if language in appeal.call_scripts:
            collect(problems, site, partial(_try_call_script, appeal, offices, language))
    if not problems and layout:
        collect(problems, site, lambda: _try_print_layout(site, appeal, offices))
        problems.extend(_draft_problems(site, appeal, offices))
    return problems


def disclosure_problems(site: Site, found: Directory, appeal: Appeal) -> list[Problem]:
    """Offices whose rule is `organisation` while campaign.yaml gives no organisation's address."""
    if appeal.campaign.organisation is not None:
        return []
    message = (
        "\"organisation\" prints the organisation's return address instead of the supporter's, "
        f"but {CAMPAIGN_FILE} has none: add an `organisation:` block there (its name and "
        "address, as an office's), or choose full, city or name for this office"
    )
    return [
        Problem(
            f"{site.recipients}:{found.line_of(office.id, 'disclosure')}",
            message,
            f"{office.id}.disclosure",
        )
        for office in found.recipients
        if office.disclosure == "organisation"
    ]


def window_problems(site: Site, found: Directory) -> list[Problem]:
    """Offices whose address, in some language and on some paper, does not fit the envelope
    window even in the smaller type: part of it would print outside the window."""
    problems = []
    for office in found.recipients:
        overflow = _window_overflow(office)
        if overflow is None:
            continue
        language, paper, printed = overflow
        longest = max(addresses.recipient_lines(office, language), key=len)
        message = (
            f"its address takes {printed} lines on {paper} paper in {language}, and at most "
            f"{window.SIZES[-1].lines} fit the envelope window; shorten a line of "
            f"`address.lines` (the longest: {longest!r}) or leave one out"
        )
        where = f"{site.recipients}:{found.line_of(office.id, 'address')}"
        problems.append(Problem(where, message, f"{office.id}.address"))
    return problems


def _window_overflow(office: Recipient) -> tuple[str, str, int] | None:
    """The first language and paper in which the office's address overflows the window, and
    how many lines it takes there in the smaller type; the country line counted (a letter
    from abroad prints it)."""
    smallest = window.SIZES[-1]
    for language in LANGUAGES:
        lines = addresses.recipient_lines(office, language)
        for paper in pdf.PAPERS:
            if window.fitting_size(lines, paper) is None:
                width = window.WIDTH_MM[paper]
                return language, paper, window.printed_lines(lines, smallest.points, width)
    return None


def sample_letters(
    appeal: Appeal, offices: Iterable[Recipient], language: str, sender: Sender = SAMPLE_SENDERS[0]
) -> list[Letter]:
    """Every office's letter in `language`, from a sample supporter (by default with a note)."""
    return [render.render_letter(appeal, office, sender, language) for office in offices]


def batches(letters: list[Letter]) -> list[list[Letter]]:
    """The letters in groups as large as one request may print."""
    size = limits.LETTERS_PER_REQUEST
    return [letters[start : start + size] for start in range(0, len(letters), size)]


# --- the renders ------------------------------------------------------------------------------


def check_body(appeal: Appeal, offices: tuple[Recipient, ...], language: str) -> None:
    """Render the body of `language` for every office and sample sender, within the budget."""
    name = appeal.body_file(language)

    def each(office: Recipient, sender: Sender) -> None:
        letter = render.render_letter(appeal, office, sender, language)
        if len(letter.body) > limits.BODY:
            raise TemplateError(
                name,
                f"the letter to {office.id} would be {len(letter.body):,} characters long, an "
                f"absurd length; the limit is {limits.BODY:,} (about four pages)",
            )
        if len(letter.paragraphs) > limits.PARAGRAPHS:
            raise TemplateError(
                name,
                f"the letter to {office.id} would have {len(letter.paragraphs)} paragraphs; "
                f"the limit is {limits.PARAGRAPHS}",
            )

    _within_budget(name, appeal.bodies[language], offices, each)


def _try_call_script(appeal: Appeal, offices: tuple[Recipient, ...], language: str) -> None:
    """Render the call script of `language` for every office and sample sender."""
    name = f"{CAMPAIGN_FILE}: call_script.{language}"

    def each(office: Recipient, sender: Sender) -> None:
        script = render.render_call_script(appeal, office, sender, language)
        if len(script) > limits.BODY:
            raise TemplateError(name, f"the call script to {office.id} is over {limits.BODY:,}")

    _within_budget(name, appeal.call_scripts[language], offices, each)


def _within_budget(
    name: str,
    template: Any,
    offices: tuple[Recipient, ...],
    each: Callable[[Recipient, Sender], None],
) -> None:
    """Run `each` for every office and sample sender; TemplateError past RENDER_BUDGET_S."""

    def too_slow(seconds: float) -> str:
        return (
            f"rendering the letters takes too long (stopped after {seconds:.1f} s, the limit "
            f"for all {len(offices)} offices is {limits.RENDER_BUDGET_S:g} s); simplify the loops"
        )

    with within(limits.RENDER_BUDGET_S, name, too_slow, template):
        for office in offices:
            for sender in SAMPLE_SENDERS:
                each(office, sender)


def _try_print_layout(site: Site, appeal: Appeal, offices: tuple[Recipient, ...]) -> None:
    """print.html filled in with every office's letter from each sample supporter, within the
    budget (the HTML only: no PDF is made here)."""
    too_slow = (
        f"laying out the letters takes too long (the limit for all of them is "
        f"{limits.RENDER_BUDGET_S:g} s); simplify print.html"
    )
    with within(limits.RENDER_BUDGET_S, pdf.TEMPLATE, too_slow):
        for sender in SAMPLE_SENDERS:
            for language in LANGUAGES:
                for batch in batches(sample_letters(appeal, offices, language, sender)):
                    pdf.html(batch, templates_dir=site.templates)


def _draft_problems(site: Site, appeal: Appeal, offices: tuple[Recipient, ...]) -> list[Problem]:
    """Offices whose e-mail drafts cannot be built: a problem of the directory, at the office."""
    problems = []
    for office in offices:
        letter = render.render_letter(appeal, office, SAMPLE_SENDERS[0], office.language)
        try:
            drafts.eml(letter)
            drafts.mailto(letter)
        except (ValueError, CampaignError) as error:
            where = f"{site.recipients}:{office.line}"
            problems.append(Problem(where, f"e-mail draft fails: {error}", office.id))
    return problems


# --- collecting problems ------------------------------------------------------------------------


def _directory(site: Site, data: bytes | None) -> Directory:
    """The directory from `data` (a candidate) or from its file."""
    if data is None:
        return directory.load(site.recipients)
    return directory.from_bytes(site.recipients, data)


def collect(
    problems: list[Problem], site: Site, action: Callable[[], T], where: str = ""
) -> T | None:
    """Run `action`; on a CampaignError add its problems (with file paths) and return None.

    A message that names no file is placed at `where` (default: the templates folder).
    """
    try:
        return action()
    except InvalidData as error:
        problems.extend(_in_folder(problem, site) for problem in error.problems)
    except TemplateError as error:
        problems.append(_in_folder(error.problem, site))
    except CampaignError as error:
        problems.append(_problem_of(str(error), site, where or str(site.templates)))
    return None


def _problem_of(message: str, site: Site, where: str) -> Problem:
    """A message "path: what is wrong" as a Problem at that path (else at `where`)."""
    named, separator, rest = message.partition(": ")
    if separator and ("/" in named or named.endswith((".yaml", ".txt", ".html", ".css"))):
        return _in_folder(Problem(named, rest), site)
    return Problem(where, message)


def _in_folder(problem: Problem, site: Site) -> Problem:
    """The problem with a file of the templates folder named by its path."""
    if "/" in problem.where or problem.where.startswith(site.recipients.name):
        return problem
    return Problem(f"{site.templates / problem.where}", problem.message, problem.field)

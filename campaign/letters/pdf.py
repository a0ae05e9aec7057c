"""The print-ready PDF: many letters laid out as ONE WeasyPrint document, then split if wanted.

Safe by default: user text is escaped by the template, and WeasyPrint may fetch nothing but
`data:` URLs (the font is PT Serif from fontconfig). One FontConfiguration serves
the whole process (a new one per render leaks memory), and print.css is parsed once per
process (per version of the file) and applied to every document as a stylesheet of its own.
Parallelism is processes, not threads.

WeasyPrint (and pikepdf) are imported by the functions that need them, not by this module:
the web processes and the command line fill in print.html here, while the PDFs are made in
the render pool's workers, which alone pay for loading them.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from markupsafe import Markup

from campaign import limits
from campaign.errors import CampaignError, RenderError, TemplateError, TooLarge
from campaign.letters import disclosure, window
from campaign.letters.render import error_line
from campaign.letters.sandbox import letter_environment, refused_parts, within
from campaign.models import Letter
from campaign.storage import safe_files
from campaign.text import utf8

if TYPE_CHECKING:
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle
    from weasyprint.document import Document
    from weasyprint.text.fonts import FontConfiguration

PAPERS = ("a4", "letter")
PDF_VARIANT = "pdf/ua-1"  # tagged and accessible; needs <title> and <html lang>
TEMPLATE = "print.html"
STYLESHEET = "print.css"

_font_config: FontConfiguration | None = None
_font_config_lock = threading.Lock()
# WeasyPrint (Pango, HarfBuzz, FontConfiguration) is not thread-safe: two renders in two threads
# of one process crashed a gunicorn worker with SIGSEGV. One render at a time per process;
# parallelism is processes.
_weasyprint_lock = threading.Lock()


def font_configuration() -> FontConfiguration:
    """The process's one FontConfiguration, created on first use."""
    from weasyprint.text.fonts import FontConfiguration

    global _font_config
    with _font_config_lock:
        if _font_config is None:
            _font_config = FontConfiguration()
        return _font_config


def __getattr__(name: str) -> Any:
    """pdf.DataOnlyFetcher and pdf.FetchRefused, from campaign.letters.fetcher when asked for."""
    if name in ("DataOnlyFetcher", "FetchRefused"):
        from campaign.letters import fetcher

        return getattr(fetcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_paper(paper: str) -> str:
    """`paper` if it is one of PAPERS, else a CampaignError naming the valid ones."""
    if paper not in PAPERS:
        raise CampaignError(f'unknown paper "{paper}"; use one of {", ".join(PAPERS)}')
    return paper


def html(
    letters: Sequence[Letter], *, paper: str = "a4", templates_dir: Path, title: str | None = None
) -> str:
    """The HTML of the letters: one document, one section per letter, from print.html."""
    return _html(letters, paper, Path(templates_dir), title, stylesheet(Path(templates_dir)))


def _html(
    letters: Sequence[Letter], paper: str, templates_dir: Path, title: str | None, css: Markup
) -> str:
    """print.html filled in with the letters; `css` is the text of print.css."""
    check_paper(paper)
    check_letters(letters)
    context = {
        "lang": letters[0].language,
        "title": document_title(letters, title),
        "authors": list(dict.fromkeys(letter.sender.name for letter in letters)),
        "paper": paper,
        "css": css,  # for a print.html that inlines it; it is applied in any case (layout)
        "letters": [letter_context(letter, paper) for letter in letters],
    }
    slow = f"laying out the letters takes longer than {limits.PRINT_RENDER_S:g} s; simplify it"
    try:
        template = _environment(Path(templates_dir)).get_template(TEMPLATE)
        with within(limits.PRINT_RENDER_S, TEMPLATE, slow, template):
            return template.render(context)
    except TemplateError:
        raise
    except jinja2.TemplateNotFound:
        raise TemplateError(f"{templates_dir}/{TEMPLATE}", "missing; restore it") from None
    except jinja2.TemplateError as error:
        where = f"{TEMPLATE}:{error_line(error, TEMPLATE)}"
        raise TemplateError(where, str(error.message)) from None
    except Exception as error:  # 1/0, overflow, recursion in print.html
        where = f"{TEMPLATE}:{error_line(error, TEMPLATE)}"
        raise TemplateError(where, f"print.html fails: {type(error).__name__}: {error}") from None


def check_layout(templates_dir: Path) -> None:
    """print.html compiles in the sandbox and reaches for no private name; print.css is usable."""
    environment = _environment(Path(templates_dir))
    source = _file_text(Path(templates_dir), TEMPLATE)
    try:
        for line, what in refused_parts(environment.parse(source)):
            raise TemplateError(f"{TEMPLATE}:{line}", what)
        environment.get_template(TEMPLATE)
    except jinja2.TemplateNotFound:
        raise TemplateError(TEMPLATE, "missing; restore it") from None
    except jinja2.TemplateSyntaxError as error:
        raise TemplateError(f"{TEMPLATE}:{error.lineno}", str(error.message)) from None
    stylesheet(Path(templates_dir))


def _file_text(templates_dir: Path, name: str) -> str:
    """A file of the templates folder as text, within the size limit; a clear error if not."""
    data = safe_files.read_if_exists(templates_dir / name)
    if data is None:
        raise TemplateError(name, "missing; restore it")
    return utf8(data, name)


def render(
    letters: Sequence[Letter], *, paper: str = "a4", templates_dir: Path, title: str | None = None
) -> bytes:
    """ONE tagged PDF holding all the letters."""
    document = layout(letters, paper=paper, templates_dir=templates_dir, title=title)
    return write(document)


def render_split(
    letters: Sequence[Letter], *, paper: str = "a4", templates_dir: Path, title: str | None = None
) -> tuple[bytes, dict[str, bytes]]:
    """The combined PDF and one PDF per office id: one layout, and each page painted once.

    WeasyPrint paints every page again when it writes a copy of a document, so the per-office
    PDFs are cut from the combined one instead (campaign.letters.cut), tags and all.
    """
    from campaign.letters import cut

    document = layout(letters, paper=paper, templates_dir=templates_dir, title=title)
    pages = pages_by_letter(document, [letter.recipient.id for letter in letters])
    alone = [letter_id for letter_id, found in pages.items() if not found]
    if alone:
        raise TemplateError(
            TEMPLATE,
            f"the letter to {alone[0]} has no page of its own, so it cannot be made into a PDF "
            "of its own; start each letter's <section> on a new page",
        )
    combined = write(document)
    number = {id(page): index for index, page in enumerate(document.pages)}
    pieces = [
        cut.Piece(
            pages=tuple(number[id(page)] for page in pages[letter.recipient.id]),
            title=letter.subject,
            language=letter.language,
            author=letter.sender.name,
        )
        for letter in letters
    ]
    singles = cut.cut(combined, pieces)
    return combined, {
        letter.recipient.id: single for letter, single in zip(letters, singles, strict=True)
    }


def layout(
    letters: Sequence[Letter], *, paper: str, templates_dir: Path, title: str | None
) -> Document:
    """Lay the letters out once, as one WeasyPrint document."""
    folder = Path(templates_dir)
    css = stylesheet(folder)
    return _laid_out(_html(letters, paper, folder, title, css), TEMPLATE, str(css))


def render_html(source: str, name: str) -> bytes:
    """ONE tagged PDF of a document that is not letters (the event kit's sheets, a dossier):
    its own styles inline, laid out and written as the letters are; `name` is its template."""
    return write(_laid_out(source, name))


def _laid_out(source: str, name: str, css: str | None = None) -> Document:
    """The HTML `source` laid out (with print.css's parsed `css` when given): data: URLs only,
    the process's fonts, PDF/UA, at most PDF_PAGES pages."""
    from weasyprint import HTML
    from weasyprint.css.counters import CounterStyle

    from campaign.letters.fetcher import DataOnlyFetcher

    try:
        page = HTML(string=source, url_fetcher=DataOnlyFetcher())
        with _weasyprint_lock:
            options: dict[str, Any] = {}
            if css is not None:
                sheet, counter_styles = _parsed_stylesheet(css)
                # A copy: WeasyPrint adds its own counter styles to the one it is given.
                options = {"counter_style": CounterStyle(counter_styles), "stylesheets": [sheet]}
            document = page.render(
                font_config=font_configuration(), pdf_variant=PDF_VARIANT, **options
            )
    except Exception as error:
        raise RenderError(f"{name}: WeasyPrint could not lay it out: {error}") from None
    # Letters carry no document attachments (<link rel="attachment">): none is fetched, and
    # WeasyPrint 70 could write them only once, while export writes each letter again as a PDF
    # of its own. (An <a rel="attachment"> can embed only a data: URL, the one kind fetched.)
    document.metadata.attachments = []
    if len(document.pages) > limits.PDF_PAGES:
        raise TooLarge(
            f"the letters would print {len(document.pages)} pages; one PDF holds at most "
            f"{limits.PDF_PAGES}: download fewer letters at once, or shorten them"
        )
    return document


def write(document: Document) -> bytes:
    """The PDF bytes of a laid-out document."""
    try:
        with _weasyprint_lock:
            return document.write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as error:
        raise RenderError(f"WeasyPrint could not write the PDF: {error}") from None


def pages_by_letter(document: Document, ids: Sequence[str]) -> dict[str, list]:
    """Each letter's pages, found by the anchor "letter-<id>" at the start of its section."""
    anchors = {f"letter-{letter_id}": letter_id for letter_id in ids}
    pages: dict[str, list] = {letter_id: [] for letter_id in ids}
    current = None
    for page in document.pages:
        # A letter's anchor is on its first page (on each, if the id is the section's own):
        # the pages that follow, up to the next letter's anchor, are its too.
        current = next((anchors[name] for name in page.anchors if name in anchors), current)
        if current is None:
            raise TemplateError(
                TEMPLATE,
                "something is printed before the first letter, on a page of its own; keep "
                "everything inside the letters' <section> elements",
            )
        pages[current].append(page)
    return pages


def check_letters(letters: Sequence[Letter]) -> None:
    """A CampaignError when there is no letter, or two for the same office."""
    if not letters:
        raise CampaignError("no letters to print; choose at least one office")
    if len(letters) > limits.LETTERS_PER_REQUEST:
        raise TooLarge(
            f"{len(letters)} letters; print at most {limits.LETTERS_PER_REQUEST} at once"
        )
    ids = [letter.recipient.id for letter in letters]
    if len(set(ids)) != len(ids):
        twice = sorted({letter_id for letter_id in ids if ids.count(letter_id) > 1})
        raise CampaignError(f"two letters to the same office ({', '.join(twice)}); keep one each")


def document_title(letters: Sequence[Letter], title: str | None) -> str:
    """The PDF title: the one given, else the subject of a single letter."""
    if title:
        return title
    if len(letters) == 1:
        return letters[0].subject
    return f"{len(letters)} letters: {letters[0].subject}"


def letter_context(letter: Letter, paper: str = "a4") -> dict[str, object]:
    """What print.html gets for one letter on `paper`: plain strings and lists only.

    The sender's part is only what the office's disclosure rule lets it learn;
    `recipient_size` is the class that makes the address fit the envelope window.
    """
    language = letter.language
    block = disclosure.sender_block(letter)
    recipient_lines = disclosure.window_lines(letter)
    return {
        "id": letter.recipient.id,
        "language": language,
        "subject": letter.subject,
        "place_date": letter.place_date,
        "salutation": letter.salutation,
        "paragraphs": letter.paragraphs,
        "closing": letter.closing,
        "signature_name": block.name,
        "recipient_lines": recipient_lines,
        "recipient_size": window.size_class(recipient_lines, paper),
        "sender_lines": list(block.lines),
        "sender_email": block.email,
        "return_line": block.return_line,
        "ruled_lines": letter.ruled_lines,
    }


def stylesheet(templates_dir: Path) -> Markup:
    """print.css as text, checked so that print.html may inline it in a <style> element."""
    css = _file_text(templates_dir, STYLESHEET)
    if "</" in css:
        raise TemplateError(STYLESHEET, "must not contain '</' (it would end the <style>)")
    return Markup(css)  # noqa: S704 - organiser-written CSS, checked above; never user text


def _environment(templates_dir: Path) -> jinja2.Environment:
    """The sandbox, autoescaping, for print.html (it reloads the file when it changes)."""
    return letter_environment(templates_dir, autoescape=True)


@functools.lru_cache(maxsize=4)
def _parsed_stylesheet(text: str) -> tuple[CSS, CounterStyle]:
    """print.css parsed once per process and version of the file, and its @counter-style rules.

    Applied as a stylesheet of the "user" origin, under any rule of print.html's own (a
    `<style>` there still wins, as it did when print.css was inlined before it). A few
    versions are kept: an organiser who edits print.css makes a new one.
    """
    from weasyprint import CSS
    from weasyprint.css.counters import CounterStyle

    from campaign.letters.fetcher import DataOnlyFetcher

    counter_styles = CounterStyle()
    sheet = CSS(
        string=text,
        url_fetcher=DataOnlyFetcher(),  # @import and url() get data: URLs only, as in print.html
        font_config=font_configuration(),
        counter_style=counter_styles,
    )
    return sheet, counter_styles

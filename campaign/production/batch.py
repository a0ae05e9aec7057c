"""A batch: every supporter of a CSV file writes to their offices; one PDF per office to print.

Each office's file holds every supporter's letter to it in the order of the file, each letter
starting on a new sheet (with `duplex`, a blank back after a letter of an odd number of
pages), the address in the envelope window: the letters are the ones the web app prints,
from the same templates through the same render pool. Letters to one office are laid out in
chunks of CHUNK as one document (they share its fonts and styles), chunks in parallel, one
per worker of the pool, and each office's file grows as they come back (`JoinedPdf`): memory
stays flat however long the file. Bad rows are reported at their line and skipped; the
others are printed. A dry run checks every row and prints nothing.

Nothing of the file is kept but in the output folder: no temporary files elsewhere, no log.
"""

from __future__ import annotations

import dataclasses
import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

import pikepdf

from campaign import limits
from campaign.errors import Busy, CampaignError, Problem, RenderError
from campaign.letters import pdf, states
from campaign.letters.export import new_folder
from campaign.letters.render import render_letter
from campaign.letters.render_pool import RenderPool
from campaign.models import Letter, localized
from campaign.production.joined_pdf import JoinedPdf, read_pdf
from campaign.production.supporters import BadRow, Supporter, SupportersFile
from campaign.rulebook import Loaded

CHUNK = 20  # letters to one office in one document (a fifth of the pages a document may have)
SUMMARY = "summary.txt"
PER_SUPPORTER = "supporters"  # the folder of --per-supporter PDFs
KEPT_PROBLEMS = 1_000  # problems kept for the summary; all are reported as they are found
BUSY_PAUSE_S = 0.2


@dataclass(frozen=True)
class BatchOptions:
    """How to print a batch."""

    paper: str = "a4"
    duplex: bool = False  # a blank back after each letter of an odd number of pages
    per_supporter: bool = False  # also each supporter's letters as one PDF of their own
    dry_run: bool = False  # check every row, print nothing


@dataclass
class OfficeTotal:
    """What one office's file holds."""

    id: str
    office: str
    letters: int = 0
    pages: int = 0
    sheets: int = 0

    @property
    def file(self) -> str:
        """The file name in the output folder."""
        return f"{self.id}.pdf"


@dataclass
class BatchResult:
    """What a batch printed (or, dry, would print), and what it skipped."""

    name: str  # the supporters' file
    options: BatchOptions
    folder: Path | None  # None for a dry run
    offices: dict[str, OfficeTotal] = field(default_factory=dict)
    supporters: int = 0  # rows printed
    skipped: int = 0  # rows not printed
    missing: int = 0  # letters of printed rows that could not be laid out
    paused: dict[str, str] = field(default_factory=dict)  # offices left out, and why
    problems: list[Problem] = field(default_factory=list)  # the first KEPT_PROBLEMS
    problem_count: int = 0
    files: list[str] = field(default_factory=list)  # written, in the output folder

    def add_problem(self, problem: Problem) -> None:
        """Count a problem; keep it for the summary unless there are very many."""
        self.problem_count += 1
        if len(self.problems) < KEPT_PROBLEMS:
            self.problems.append(problem)


class BatchTooSlow(CampaignError):
    """The batch ran past the time it was given (the console's, one request's)."""


# Bytes of the file read, letters printed (checked, in a dry run), pages printed.
Progress = Callable[[int, int, int], None]
Report = Callable[[Problem], None]  # one problem, as soon as it is found


def run_batch(
    stream: BinaryIO,
    name: str,
    loaded: Loaded,
    *,
    pool: RenderPool,
    folder: Path | None,
    options: BatchOptions,
    progress: Progress | None = None,
    report: Report | None = None,
    deadline: float | None = None,
) -> BatchResult:
    """Print the supporters of the CSV `stream` (called `name`) into the new `folder`.

    `deadline` (time.monotonic) stops a batch that runs too long: BatchTooSlow. The files are
    written into a hidden folder beside it, renamed to `folder` at the end; on any error it is
    removed with everything in it.
    """
    # The letters offered now, as the web app offers them: the appeal, or the thank-you letters
    # once it is won; none (NoLetters, saying why) while it is paused or closed.
    loaded = dataclasses.replace(loaded, appeal=states.require_letters(loaded.appeal))
    pdf.check_paper(options.paper)
    supporters = SupportersFile(stream, name, loaded.directory.recipients)
    result = BatchResult(name, options, None if options.dry_run else folder)
    if options.dry_run:
        counted = 0
        for letters in _rows(supporters, loaded, result, report):
            _count(result, letters)
            counted += len(letters)
            if progress:
                progress(supporters.bytes_read, counted, 0)
        result.paused = dict(supporters.paused)
        return result
    if folder is None:
        raise CampaignError("a batch that is not a dry run needs an output folder")
    with new_folder(folder) as staging:
        _print(
            supporters,
            loaded,
            result,
            _Printing(pool, loaded, staging, options, result, report, deadline),
            progress,
        )
        result.paused = dict(supporters.paused)
        (staging / SUMMARY).write_text(summary_text(result), encoding="utf-8")
        result.files.append(SUMMARY)
    return result


def _print(
    supporters: SupportersFile,
    loaded: Loaded,
    result: BatchResult,
    printing: _Printing,
    progress: Progress | None,
) -> None:
    """Every valid row's letters, rendered side by side by the pool's workers (chunks in the
    order they fill), each office's file written in order, the progress reported as it goes."""

    def report_progress() -> None:
        if progress:
            progress(supporters.bytes_read, printing.letters, printing.pages)

    rows = _rows(supporters, loaded, result, printing.report)
    with printing:
        for outcome in printing.pool.concurrently(printing.jobs(rows, report_progress)):
            printing.write_next(outcome.result())
            report_progress()
        printing.close()
        report_progress()


# --- rows to letters ------------------------------------------------------------------------------


def _rows(
    supporters: SupportersFile, loaded: Loaded, result: BatchResult, report: Report | None
) -> Iterator[list[tuple[Supporter, Letter]]]:
    """Each valid row's letters; bad rows are counted, reported and left out."""
    for item in supporters:
        letters = item if isinstance(item, BadRow) else _letters(item, supporters.name, loaded)
        if isinstance(letters, BadRow):
            result.skipped += 1
            for problem in letters.problems:
                result.add_problem(problem)
                if report:
                    report(problem)
            continue
        result.supporters += 1
        yield letters


def _letters(
    supporter: Supporter, name: str, loaded: Loaded
) -> list[tuple[Supporter, Letter]] | BadRow:
    """The row's letters as the web app writes them, or the row refused if one fails."""
    request, where = supporter.request, supporter.where(name)
    problems = []
    letters = []
    for office in request.offices:
        try:
            letter = render_letter(loaded.appeal, office, request.sender, request.language)
        except CampaignError as error:
            problems.append(Problem(where, f"the letter to {office.id} cannot be written: {error}"))
            continue
        if len(letter.body) > limits.BODY or len(letter.paragraphs) > limits.PARAGRAPHS:
            problems.append(
                Problem(
                    where,
                    f"the letter to {office.id} would be {len(letter.body):,} characters and "
                    f"{len(letter.paragraphs)} paragraphs long; the limits are {limits.BODY:,} "
                    f"and {limits.PARAGRAPHS}: shorten the note",
                    "note",
                )
            )
        letters.append((supporter, letter))
    if problems:
        return BadRow(supporter.line, supporter.row, tuple(problems))
    return letters


def _count(result: BatchResult, letters: list[tuple[Supporter, Letter]]) -> None:
    """A dry run's count of the letters each office would get."""
    for _supporter, letter in letters:
        office = letter.recipient
        total = result.offices.setdefault(office.id, OfficeTotal(office.id, office.office))
        total.letters += 1


# --- printing -------------------------------------------------------------------------------------


@dataclass
class _OfficeFile:
    """One office's PDF being written, and the letters waiting for their chunk."""

    total: OfficeTotal
    handle: IO[bytes]
    joined: JoinedPdf
    waiting: list[tuple[Supporter, Letter]] = field(default_factory=list)


@dataclass(frozen=True)
class _Piece:
    """Letters laid out as one PDF, or the one letter that could not be, and why."""

    letters: list[tuple[Supporter, Letter]]
    data: bytes | None
    error: str = ""


class _Printing:
    """The letters as chunks for the pool, and each office's file as the chunks come back."""

    def __init__(
        self,
        pool: RenderPool,
        loaded: Loaded,
        folder: Path,
        options: BatchOptions,
        result: BatchResult,
        report: Report | None,
        deadline: float | None,
    ):
        self.pool, self.folder, self.options = pool, folder, options
        self.result, self.report, self.deadline = result, report, deadline
        self.templates = loaded.appeal.folder
        self.title = loaded.appeal.campaign.title
        self.files: dict[str, _OfficeFile] = {}
        self.letters = self.pages = 0
        # What to do with each job's pieces, in the order the jobs were made (the pool gives
        # their outcomes in that order, and starts at most two a worker ahead).
        self.writes: deque[Callable[[list[_Piece]], None]] = deque()

    def __enter__(self) -> _Printing:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for office in self.files.values():
            office.handle.close()

    def jobs(
        self, rows: Iterator[list[tuple[Supporter, Letter]]], each_row: Callable[[], None]
    ) -> Iterator[Callable[[], list[_Piece]]]:
        """A render for every chunk of CHUNK letters to one office as it fills (and each
        supporter's own PDF, if asked); the last chunks once every row is read."""
        for letters in rows:
            for supporter, letter in letters:
                office = self._office_file(letter)
                office.waiting.append((supporter, letter))
                if len(office.waiting) >= CHUNK:
                    yield self._chunk(office)
            if self.options.per_supporter:
                yield self._job(letters, self._own_pdf, whole=True)
            each_row()
        for office in self.files.values():
            if office.waiting:
                yield self._chunk(office)

    def write_next(self, pieces: list[_Piece]) -> None:
        """The next job's pieces, where they belong."""
        self.writes.popleft()(pieces)

    def close(self) -> None:
        """Each office's file, finished."""
        for office in self.files.values():
            office.joined.close()
            office.handle.close()
            self.result.files.append(office.total.file)

    # --- jobs ------------------------------------------------------------------------------------

    def _chunk(self, office: _OfficeFile) -> Callable[[], list[_Piece]]:
        letters, office.waiting = office.waiting, []
        return self._job(letters, lambda pieces: self._append(office, pieces))

    def _job(
        self,
        letters: list[tuple[Supporter, Letter]],
        write: Callable[[list[_Piece]], None],
        whole: bool = False,
    ) -> Callable[[], list[_Piece]]:
        """A render of `letters` for a worker; `write` gets its pieces, in order."""
        self._check_time()
        self.writes.append(write)
        return lambda: self._pieces(letters, whole)

    def _pieces(self, letters: list[tuple[Supporter, Letter]], whole: bool) -> list[_Piece]:
        """The letters as PDFs: one, or halves again and again until each lays out (a chunk
        over the page limit, a letter that cannot be printed)."""
        try:
            return [_Piece(letters, self._pdf([letter for _, letter in letters], whole))]
        except BatchTooSlow:
            raise
        except CampaignError as error:
            if whole or len(letters) == 1:
                return [_Piece(letters, None, str(error))]
        half = len(letters) // 2
        return self._pieces(letters[:half], whole) + self._pieces(letters[half:], whole)

    def _pdf(self, letters: list[Letter], whole: bool) -> bytes:
        """One PDF from the pool, waiting while it is busy (the web app's supporters first)."""
        if not whole:  # print.html names each letter by its office: in a chunk, all the same
            letters = [_numbered(letter, index) for index, letter in enumerate(letters)]
        title = localized(self.title, letters[0].language)
        while True:
            try:
                return self.pool.pdf(
                    letters, paper=self.options.paper, templates_dir=self.templates, title=title
                )
            except Busy:
                self._check_time()
                time.sleep(BUSY_PAUSE_S)

    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BatchTooSlow(
                "the batch takes longer than the console allows; print fewer supporters at "
                "once, or the whole file with `campaign batch` on the command line"
            )

    # --- writing ---------------------------------------------------------------------------------

    def _office_file(self, letter: Letter) -> _OfficeFile:
        office = letter.recipient
        if office.id not in self.files:
            total = OfficeTotal(office.id, office.office)
            self.result.offices[office.id] = total
            handle = (self.folder / total.file).open("xb")
            title = f"{localized(self.title, office.language)}: {office.office}"
            joined = JoinedPdf(handle, title=title, language=office.language)
            self.files[office.id] = _OfficeFile(total, handle, joined)
        return self.files[office.id]

    def _append(self, office: _OfficeFile, pieces: list[_Piece]) -> None:
        """Each piece's pages at the end of the office's file (a failed letter reported)."""
        total = office.total
        for piece in pieces:
            if piece.data is None:
                self._missing(piece, f"it is not in {total.file}")
                continue
            ids = [_numbered(letter, n).recipient.id for n, (_, letter) in enumerate(piece.letters)]
            with read_pdf(piece.data) as document:
                pages = _letter_pages(document, ids) if self.options.duplex else []
                blanks = [end - 1 for end, count in pages if count % 2]
                written = office.joined.append(document, blank_after=blanks)
            total.letters += len(piece.letters)
            total.pages += written
            total.sheets += math.ceil(written / 2) if self.options.duplex else written
            self.letters += len(piece.letters)
            self.pages += written

    def _own_pdf(self, pieces: list[_Piece]) -> None:
        """A supporter's own PDF, named by the row's line and the supporter's name."""
        piece = pieces[0]
        supporter = piece.letters[0][0]
        if piece.data is None:
            self._missing(piece, "the supporter's own PDF was not made")
            return
        folder = self.folder / PER_SUPPORTER
        folder.mkdir(mode=0o700, exist_ok=True)
        name = f"{PER_SUPPORTER}/{supporter_file(supporter)}"
        with (self.folder / name).open("xb") as handle:
            handle.write(piece.data)
        self.result.files.append(name)

    def _missing(self, piece: _Piece, consequence: str) -> None:
        self.result.missing += 1
        supporter, letter = piece.letters[0]
        where = supporter.where(self.result.name)
        problem = Problem(
            where,
            f"the letter to {letter.recipient.id} could not be printed ({piece.error}); "
            f"{consequence}",
        )
        self.result.add_problem(problem)
        if self.report:
            self.report(problem)


def _numbered(letter: Letter, index: int) -> Letter:
    """The letter under an id of its own in the chunk's document (anchors, page counts)."""
    office = dataclasses.replace(letter.recipient, id=f"{letter.recipient.id}-{index + 1}")
    return dataclasses.replace(letter, recipient=office)


def _letter_pages(document: pikepdf.Pdf, ids: list[str]) -> list[tuple[int, int]]:
    """(the page after its last, its number of pages) for each letter of a chunk, found by the
    anchor print.html puts at the start of each letter ("letter-<id>")."""
    numbers = {page.obj.objgen: index for index, page in enumerate(document.pages)}
    try:
        destinations = pikepdf.NameTree(document.Root.Names.Dests)
        starts = [numbers[destinations[f"letter-{i}"][0].objgen] for i in ids]
    except (AttributeError, KeyError, IndexError, TypeError):
        raise RenderError(
            f'{pdf.TEMPLATE}: a letter has lost its anchor (id="letter-<office id>"), which '
            "printing on both sides needs to find where each letter starts"
        ) from None
    ends = [*starts[1:], len(document.pages)]
    return [(end, end - start) for start, end in zip(starts, ends, strict=True)]


def supporter_file(supporter: Supporter) -> str:
    """A supporter's own PDF: "00042-maria-rossi.pdf" (the line first, so names may repeat)."""
    words = re.sub(r"[^\w]+", "-", supporter.request.sender.name.casefold()).strip("-_")
    return f"{supporter.line:05d}-{words[:40].strip('-') or 'supporter'}.pdf"


def not_printed(result: BatchResult) -> str:
    """What a batch left out, in one line: "3 rows not printed (see summary.txt)"."""
    parts = []
    if result.skipped:
        parts.append(f"{result.skipped} {'row' if result.skipped == 1 else 'rows'} not printed")
    if result.missing:
        parts.append(f"{result.missing} {'letter' if result.missing == 1 else 'letters'} missing")
    where = "listed above" + ("" if result.options.dry_run else f" and in {SUMMARY}")
    return f"{' and '.join(parts)} ({where})"


# --- the summary ----------------------------------------------------------------------------------


def summary_text(result: BatchResult) -> str:
    """The summary printed at the end and written to summary.txt."""
    dry = result.options.dry_run
    verb = "would print" if dry else "printed"
    lines = [
        f"{result.name}: {result.supporters} supporters {verb}, {result.skipped} rows skipped",
        "",
    ]
    rows = [("office", "letters", "pages", "sheets", "file")]
    for total in result.offices.values():
        rows.append(_figures(total.id, total.letters, total.pages, total.sheets, total.file, dry))
    letters = sum(total.letters for total in result.offices.values())
    pages = sum(total.pages for total in result.offices.values())
    sheets = sum(total.sheets for total in result.offices.values())
    rows.append(_figures("all offices", letters, pages, sheets, "", dry))
    width = max(len(row[0]) for row in rows)
    lines += [
        f"{row[0]:<{width}}  {row[1]:>7}  {row[2]:>6}  {row[3]:>6}  {row[4]}".rstrip()
        for row in rows
    ]
    lines.append("")
    if dry:
        lines.append("A dry run: nothing was printed (pages are counted when printing).")
    elif result.options.duplex:
        lines.append("For printing on both sides: each letter starts on a new sheet.")
    else:
        lines.append("For printing on one side: a sheet a page.")
    if result.paused:
        lines += ["", "Paused offices, left out of every row:"]
        lines += [f"  {note}" for note in result.paused.values()]
    if result.problem_count:
        lines += ["", "Not printed (correct the rows and print them again):"]
        lines += [f"  {problem}" for problem in result.problems]
        if result.problem_count > len(result.problems):
            lines.append(f"  ... and {result.problem_count - len(result.problems)} more")
    return "\n".join(lines) + "\n"


def _figures(
    label: str, letters: int, pages: int, sheets: int, file: str, dry: bool
) -> tuple[str, str, str, str, str]:
    return (
        label,
        f"{letters:,}",
        "-" if dry else f"{pages:,}",
        "-" if dry else f"{sheets:,}",
        file,
    )

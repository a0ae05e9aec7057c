"""The supporters' file of a batch: read as a stream, each row checked as the web form checks it.

A header row names the columns (any order, any case): name, street, postcode, city, country,
email, note, language, offices; only `name` is required. UTF-8 with or without a byte order
mark, comma or semicolon (taken from the header row). `language` is empty or `auto` (each
office in its own language) or a letter language (en, it, ru); `offices` is empty (every
office) or office ids separated by spaces, `|` or commas; a paused office is left out of
every row. A quoted cell may hold line breaks (a note of several paragraphs).

The file is read one line at a time and never kept: memory stays flat however long it is.
Each row is reported at the line it starts on, as an editor numbers lines; where cells with
line breaks above it make a spreadsheet number it differently, the spreadsheet's row too.
"""

from __future__ import annotations

import csv
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from campaign import limits
from campaign.errors import CampaignError, InvalidData, Problem
from campaign.letters import states
from campaign.letters.senders import AUTO, SENDER_FIELDS, LetterRequest, letter_request
from campaign.models import Recipient
from campaign.text import delimiter_of

COLUMNS = (*SENDER_FIELDS, "language", "offices")
OFFICE_SEPARATORS = re.compile(r"[\s|,;]+")


@dataclass(frozen=True)
class Supporter:
    """A valid row: who writes to which offices in which language, and where it is."""

    line: int  # the line the row starts on (the header is line 1)
    row: int  # the row a spreadsheet shows it in
    request: LetterRequest

    def where(self, name: str) -> str:
        """Where the row is, for messages: "supporters.csv:42"."""
        return _where(name, self.line, self.row)


@dataclass(frozen=True)
class BadRow:
    """A row that is not printed, with every problem it has."""

    line: int
    row: int
    problems: tuple[Problem, ...]


class SupportersFile:
    """A supporters' CSV read row by row from a binary stream: Supporter or BadRow each.

    The header is read (and checked) when the object is made: InvalidData if the file as a
    whole cannot be used, before any row is printed.
    """

    def __init__(self, stream: BinaryIO, name: str, directory: Sequence[Recipient]):
        self.name, self.directory = name, tuple(directory)
        self.bytes_read = 0
        self.paused: dict[str, str] = {}  # the paused offices rows named, and why
        self._stream = stream
        self._line = 0  # physical lines read so far
        self._bad_lines: dict[int, str] = {}  # line -> why it cannot be read
        lines = self._physical_lines()
        first = next(lines, "")
        self._reader = csv.reader(
            itertools.chain([first], lines), delimiter=delimiter_of(first), strict=True
        )
        self.columns = self._header()

    def __iter__(self) -> Iterator[Supporter | BadRow]:
        """Each row that is not blank, in the order of the file."""
        row = 1
        while True:
            start = self._line + 1
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                row += 1
                message = f"cannot be read as CSV ({error}); check the double quotes"
                yield BadRow(start, row, (Problem(_where(self.name, start, row), message),))
                self._bad_lines.clear()
                continue
            row += 1
            where = _where(self.name, start, row)
            unreadable = [
                Problem(where, f"line {number} {why}") for number, why in self._bad_lines.items()
            ]
            self._bad_lines.clear()  # every line read so far belongs to this row or earlier
            if unreadable:
                yield BadRow(start, row, tuple(unreadable))
            elif any(cell.strip() for cell in cells):
                yield self._row(start, row, cells)

    # --- reading ---------------------------------------------------------------------------------

    def _physical_lines(self) -> Iterator[str]:
        """The file's lines as text, each at most BATCH_LINE_BYTES; a line too long or not
        UTF-8 is noted (its row is refused) and read as an empty line or with replacements."""
        limit = limits.BATCH_LINE_BYTES
        while raw := self._stream.readline(limit + 1):
            self.bytes_read += len(raw)
            self._line += 1
            if len(raw) > limit:
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line unread
                    raw = self._stream.readline(limit + 1)
                    self.bytes_read += len(raw)
                self._bad_lines[self._line] = (
                    f"is longer than {limit:,} bytes; a supporter's row is far shorter: "
                    "check the line breaks and the double quotes"
                )
                yield "\n"
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                self._bad_lines[self._line] = 'is not UTF-8 text; save the file as "CSV UTF-8"'
                text = raw.decode("utf-8", "replace")
            yield text.removeprefix("\ufeff") if self._line == 1 else text

    def _header(self) -> tuple[str, ...]:
        """The column names of the first row; InvalidData if they cannot be used."""
        where = f"{self.name}:1"
        expected = f"the first line must name the columns: {', '.join(COLUMNS)}"
        try:
            header = tuple(cell.strip().lower() for cell in next(self._reader, []))
        except csv.Error as error:
            raise InvalidData([Problem(where, f"cannot be read as CSV ({error})")]) from None
        if 1 in self._bad_lines:
            raise InvalidData([Problem(where, self._bad_lines[1])])
        if not any(header):
            raise InvalidData([Problem(self.name, f"is empty; {expected}")])
        problems = []
        for index, column in enumerate(header):
            if column and column not in COLUMNS:
                shown = column if len(column) <= 40 else column[:40] + "…"
                problems.append(Problem(where, f'unknown column "{shown}"; {expected}'))
            elif column and column in header[:index]:
                problems.append(Problem(where, f'the column "{column}" appears twice'))
        if "name" not in header:
            problems.append(Problem(where, f'there is no "name" column; {expected}'))
        if problems:
            raise InvalidData(problems)
        return header

    def _row(self, line: int, row: int, cells: list[str]) -> Supporter | BadRow:
        """One row checked: its cells in named columns, its request as the web form's."""
        where = _where(self.name, line, row)
        stray = [
            index + 1
            for index, cell in enumerate(cells)
            if cell.strip() and (index >= len(self.columns) or not self.columns[index])
        ]
        if stray:
            message = (
                f"has a value in column {stray[0]}, which the first line does not name; a "
                "note or an address with a comma or a semicolon must be in double quotes"
            )
            return BadRow(line, row, (Problem(where, message),))
        values = dict(zip(self.columns, cells, strict=False))
        try:
            return Supporter(line, row, self._request(values))
        except InvalidData as error:
            problems = (Problem(where, p.message, p.where) for p in error.problems)
            return BadRow(line, row, tuple(problems))

    def _request(self, values: dict[str, str]) -> LetterRequest:
        """The row's request, checked by the one check of the web form; a paused office is
        left out (and noted once, in `paused`), as `campaign export` leaves it out."""
        language = (values.get("language") or "").strip().lower() or AUTO
        chosen = OFFICE_SEPARATORS.split((values.get("offices") or "").strip().lower())
        office_ids = [office_id for office_id in chosen if office_id]
        if not office_ids:
            office_ids = [office.id for office in states.writable(self.directory)]
        known = {office.id: office for office in self.directory}
        paused = [i for i in office_ids if i in known and states.is_paused(known[i])]
        for office_id in paused:
            self.paused.setdefault(office_id, states.paused_note(known[office_id]))
        if paused and len(paused) == len(office_ids):
            raise InvalidData(
                [
                    Problem(
                        "offices", "every office of this row is paused: it has no letter to print"
                    )
                ]
            )
        wanted = [office_id for office_id in office_ids if office_id not in paused]
        return letter_request(values, wanted, language, self.directory)


def _where(name: str, line: int, row: int) -> str:
    """ "supporters.csv:42", with the spreadsheet's row when it numbers the row otherwise."""
    return f"{name}:{line}" if line == row else f"{name}:{line} (spreadsheet row {row})"


def check_size(rows: int, most: int, name: str) -> None:
    """A CampaignError when a file has more supporters than `most`."""
    if rows > most:
        raise CampaignError(
            f"{name}: {rows} supporters; the console prints at most {most} at once: split "
            "the file, or print it with `campaign batch` on the command line (no limit)"
        )

"""The supporters' file of a batch: columns, encodings, delimiters, rows checked at their line."""

from __future__ import annotations

import io

import pytest

from campaign import directory, limits
from campaign.errors import InvalidData
from campaign.letters.senders import make_sender
from campaign.production.supporters import BadRow, Supporter, SupportersFile
from tests.builders import OFFICE_IDS, RECIPIENTS


@pytest.fixture(scope="module")
def offices():
    """The bundled directory's offices."""
    return directory.load(RECIPIENTS).recipients


def read(data: bytes, offices, name: str = "supporters.csv") -> list[Supporter | BadRow]:
    """Every row of the CSV `data`."""
    return list(SupportersFile(io.BytesIO(data), name, offices))


def problems_of(rows) -> list[str]:
    """The problems of the bad rows, as printed."""
    return [str(problem) for row in rows if isinstance(row, BadRow) for problem in row.problems]


def test_bom_semicolons_and_columns_in_any_order_and_case(offices):
    data = "\ufeffOffices;Name;City;Language\nit-interior|kz-president;Anna Bianchi;Roma;RU\n"
    (row,) = read(data.encode(), offices)
    assert isinstance(row, Supporter)
    assert row.request.sender.name == "Anna Bianchi"
    assert row.request.sender.city == "Roma"
    assert row.request.language == "ru"
    assert [office.id for office in row.request.offices] == ["it-interior", "kz-president"]


def test_empty_offices_mean_every_office_and_empty_language_each_offices_own(offices):
    (row,) = read(b"name,offices,language\nAnna,,\n", offices)
    assert [office.id for office in row.request.offices] == list(OFFICE_IDS)
    assert row.request.language == "auto"


@pytest.mark.parametrize(
    "cell", ["it-justice kz-president", "it-justice|kz-president", "it-justice, kz-president"]
)
def test_office_ids_separated_by_spaces_bars_or_commas(offices, cell):
    (row,) = read(f'name,offices\nAnna,"{cell}"\n'.encode(), offices)
    assert [office.id for office in row.request.offices] == ["it-justice", "kz-president"]


def test_each_bad_row_is_named_by_its_line_and_field_with_the_web_forms_message(offices):
    data = (
        "name,email,country,offices,language\n"
        "Anna,anna@example.org,IT,,\n"
        "Bruno,bruno@,IT,,\n"  # line 3
        ",,,,\n"  # blank: not a row
        "Carla,,XX,,\n"  # line 5
        "Dario,,,it-nowhere,\n"  # line 6
        "Elena,,,,de\n"  # line 7
        ",nobody@example.org,,,\n"  # line 8: no name
    )
    rows = read(data.encode(), offices)
    assert [row.line for row in rows] == [2, 3, 5, 6, 7, 8]
    assert [type(row).__name__ for row in rows] == ["Supporter", *["BadRow"] * 5]
    with pytest.raises(InvalidData) as web_form:
        make_sender(name="Bruno", email="bruno@")
    problems = problems_of(rows)
    assert problems[0] == f"supporters.csv:3: email: {web_form.value.problems[0].message}"
    assert problems[1].startswith('supporters.csv:5: country: "XX" is not a country code')
    assert problems[2].startswith('supporters.csv:6: offices: unknown office "it-nowhere"')
    assert "it-interior" in problems[2]  # the fix: the ids there are
    assert problems[3].startswith('supporters.csv:7: language: "de" is not a letter language')
    assert problems[4].startswith("supporters.csv:8: name: is required")


def test_a_note_over_several_lines_keeps_the_physical_lines_and_names_the_spreadsheet_row(
    offices,
):
    data = (
        "name,note\n"
        'Anna,"First paragraph.\n\nSecond paragraph."\n'  # lines 2-4, row 2
        "Bruno,ok\n"  # line 5, row 3
        f"{'x' * 101},\n"  # line 6, row 4: the name is too long
    )
    anna, bruno, bad = read(data.encode(), offices)
    assert anna.request.sender.note == "First paragraph.\n\nSecond paragraph."
    assert (bruno.line, bruno.row) == (5, 3)
    assert problems_of([bad]) == [
        "supporters.csv:6 (spreadsheet row 4): name: is 101 characters long; the limit is 100"
    ]


def test_a_line_that_is_not_utf8_refuses_its_row_only(offices):
    data = b"name,city\nAnna,Roma\n" + "Jos\u00e9,Sevilla\n".encode("latin-1") + b"Carla,Milano\n"
    rows = read(data, offices)
    assert [row.line for row in rows] == [2, 3, 4]
    assert problems_of(rows) == [
        'supporters.csv:3: line 3 is not UTF-8 text; save the file as "CSV UTF-8"'
    ]
    assert rows[2].request.sender.name == "Carla"


def test_an_unquoted_comma_in_a_note_is_a_stray_cell(offices):
    rows = read(b"name,note\nAnna,I care, a lot\n", offices)
    assert problems_of(rows) == [
        "supporters.csv:2: has a value in column 3, which the first line does not name; a note "
        "or an address with a comma or a semicolon must be in double quotes"
    ]


def test_a_quote_never_closed_is_reported_at_the_row_it_opens(offices):
    rows = read(b'name,note\nAnna,fine\nBruno,"never closed\nCarla,x\n', offices)
    assert isinstance(rows[0], Supporter)
    assert problems_of(rows[1:]) == [
        "supporters.csv:3: cannot be read as CSV (unexpected end of data); check the double quotes"
    ]


def test_an_overlong_line_is_skipped_unread(offices):
    long_line = b"Anna," + b"x" * (limits.BATCH_LINE_BYTES + 10) + b"\n"
    rows = read(b"name,note\n" + long_line + b"Bruno,ok\n", offices)
    assert "line 2 is longer than 64,000 bytes" in problems_of(rows)[0]
    assert rows[1].request.sender.name == "Bruno"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "supporters.csv: is empty"),
        (b"\xef\xbb\xbf\n", "supporters.csv: is empty"),
        (b"name,e-mail\n", 'supporters.csv:1: unknown column "e-mail"'),
        (b"city,email\n", 'supporters.csv:1: there is no "name" column'),
        (b"name,name\n", 'supporters.csv:1: the column "name" appears twice'),
        (b"name,\xe9\n", "supporters.csv:1: is not UTF-8 text"),
    ],
)
def test_a_file_that_cannot_be_used_is_refused_before_any_row(offices, data, message):
    with pytest.raises(InvalidData) as refused:
        SupportersFile(io.BytesIO(data), "supporters.csv", offices)
    assert str(refused.value).startswith(message)
    assert (
        "the first line must name the columns" in str(refused.value)
        or "UTF-8" in message
        or "twice" in message
    )


class CountingStream(io.BytesIO):
    """A file that says how much of it has been read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.read_so_far = 0

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.read_so_far += len(line)
        return line


def test_the_file_is_read_a_row_at_a_time(offices):
    lines = [f"Supporter {n},Roma\n".encode() for n in range(5_000)]
    stream = CountingStream(b"name,city\n" + b"".join(lines))
    rows = iter(SupportersFile(stream, "supporters.csv", offices))
    first = next(rows)
    assert first.request.sender.name == "Supporter 0"
    assert stream.read_so_far == len(b"name,city\n") + len(lines[0])
    assert sum(1 for _ in rows) == 4_999


def test_a_binary_file_is_refused_with_a_short_message(offices):
    with pytest.raises(InvalidData) as refused:
        SupportersFile(io.BytesIO(b"\x89PNG" + b"x" * 5000 + b"\n"), "photo.csv", offices)
    assert len(str(refused.value)) < 300

"""The batch: 200 supporters with 3 bad rows printed into one PDF per office, parsed back."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.letters import disclosure, render, render_pool
from campaign.letters.senders import SENDER_FIELDS, make_sender
from campaign.production.batch import SUMMARY, BatchOptions, run_batch
from campaign.rulebook import load_site
from tests.builders import (
    OFFICE_IDS,
    THANKS_MARKER,
    change_campaign,
    copy_site,
    pause_office,
    write_thanks,
)
from tests.letters.test_pdf import MM, footer, lines, mm_box

COLUMNS = ["name", "street", "postcode", "city", "country", "email", "note", "language", "offices"]
BAD = {40: ("email", "bad@"), 99: ("offices", "it-nowhere"), 150: ("name", "")}


@dataclass(frozen=True)
class Row:
    """One supporter of the test file and the line it starts on."""

    line: int
    cells: dict[str, str]

    @property
    def offices(self) -> list[str]:
        return self.cells["offices"].split("|") if self.cells["offices"] else list(OFFICE_IDS)


def supporters(count: int = 200) -> list[Row]:
    """The rows: Latin and Cyrillic names, one to eight offices, a few letters forced into
    English, a note over three lines, a long note; the rows of BAD each with one mistake."""
    rows, line = [], 2
    for n in range(count):
        name = f"Ирина Петрова {n:03d}" if n % 13 == 0 else f"Supporter {n:03d}"
        offices = [OFFICE_IDS[n % 8]] + ([OFFICE_IDS[(n + 3) % 8]] if n % 5 == 0 else [])
        note = "First line of my note.\n\nSecond paragraph." if n == 10 else ""
        if n == 120:
            note = "\n".join(f"Line {k} of a long note." for k in range(45))
        cells = {
            "name": name,
            "street": f"Via Roma {n}",
            "postcode": "20121",
            "city": "Milano",
            "country": "IT",
            "email": f"supporter{n}@example.org",
            "note": note,
            "language": "en" if n % 17 == 0 else "",
            "offices": "" if n % 50 == 7 else "|".join(offices),
        }
        if n in BAD:
            column, value = BAD[n]
            cells[column] = value
        rows.append(Row(line, cells))
        line += 1 + note.count("\n")
    return rows


def as_csv(rows: list[Row], delimiter: str = ";", bom: bool = True) -> bytes:
    """The rows as a spreadsheet saves them (semicolons and a byte order mark by default)."""
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row.cells for row in rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The 200-row file printed once: the rows, the result and the output folder."""
    base = tmp_path_factory.mktemp("batch")
    site = copy_site(base)
    rows = supporters()
    loaded = load_site(site)
    folder = base / "out"
    result = run_batch(
        io.BytesIO(as_csv(rows)),
        "supporters.csv",
        loaded,
        pool=render_pool.shared(),
        folder=folder,
        options=BatchOptions(),
    )
    return rows, result, folder, loaded


def letters_in(path: Path) -> list[tuple[str, list[str], int]]:
    """Each letter of a PDF: the sender's name (letterhead), the window's lines, its pages."""
    found: list[tuple[str, list[str], int]] = []
    with pdfplumber.open(path) as document:
        for page in document.pages:
            if re.match(r"[2-9]\d* / ", footer(page)) or not page.extract_text():
                name, window, pages = found[-1]  # a letter's next page, or a blank back
                found[-1] = (name, window, pages + 1)
                continue
            # The recipient block from the window's top to the date line (it may run below
            # the window's 90 mm: see test_every_address_fits_the_window).
            window = lines(mm_box(page, 20, 62.7, 105, 98).extract_text())
            name = lines(mm_box(page, 100, 10, 205, 20).extract_text())[0]
            found.append((name, window, 1))
    return found


def test_bad_rows_are_named_by_their_line_and_skipped(printed):
    rows, result, _folder, _loaded = printed
    assert (result.supporters, result.skipped) == (197, 3)
    lines_of = {n: rows[n].line for n in BAD}
    assert lines_of[40] == 44  # row 42: the note over three lines moved the rows after it
    messages = [str(problem) for problem in result.problems]
    assert messages[0].startswith(f"supporters.csv:{lines_of[40]} (spreadsheet row 42): email:")
    assert messages[1].startswith(f"supporters.csv:{lines_of[99]} (spreadsheet row 101): offices:")
    assert messages[2].startswith(f"supporters.csv:{lines_of[150]} (spreadsheet row 152): name:")
    assert len(messages) == 3


def test_each_office_gets_every_supporters_letter_in_order_with_its_address_in_the_window(
    printed,
):
    rows, result, folder, loaded = printed
    expected: dict[str, list[Row]] = defaultdict(list)
    for n, row in enumerate(rows):
        if n not in BAD:
            for office_id in row.offices:
                expected[office_id].append(row)
    assert sorted(result.offices) == sorted(OFFICE_IDS)
    for office_id, wanted in expected.items():
        office = loaded.directory.get(office_id)
        found = letters_in(folder / f"{office_id}.pdf")
        assert [name for name, _, _ in found] == [row.cells["name"] for row in wanted]
        for (_name, window, _pages), row in zip(found, wanted, strict=True):
            sender = make_sender(**{field: row.cells[field] for field in SENDER_FIELDS})
            letter = render.render_letter(loaded.appeal, office, sender, row.cells["language"])
            address = disclosure.window_lines(letter)  # what the office's rule lets it show
            assert " ".join(window) == " ".join(address)  # a long line may wrap in the window
        total = result.offices[office_id]
        pages = len(pypdf.PdfReader(folder / f"{office_id}.pdf").pages)
        assert (total.letters, total.pages, total.sheets) == (len(wanted), pages, pages)
        assert pages == sum(count for _, _, count in found)


def test_the_address_starts_at_the_top_left_of_the_window(printed):
    _rows, _result, folder, _loaded = printed
    for office_id in OFFICE_IDS:
        with pdfplumber.open(folder / f"{office_id}.pdf") as document:
            page = document.pages[0]
            words = mm_box(page, 15, 60, 110, 98).extract_words()
            first = min(words, key=lambda word: (word["top"], word["x0"]))
            assert abs(first["x0"] / MM - 20) < 0.2  # 20 mm from the left edge
            assert 62.7 <= first["top"] / MM < 64.5  # just below the return line's zone


def test_every_address_fits_the_window(printed):
    """kz-president and kz-general-prosecutor, written from Italy, have a line that wraps: the
    address is set smaller then (letters/window.py), not run below the window's 90 mm."""
    _rows, _result, folder, _loaded = printed
    for office_id in OFFICE_IDS:
        with pdfplumber.open(folder / f"{office_id}.pdf") as document:
            words = mm_box(document.pages[0], 15, 60, 110, 98).extract_words()
            assert max(word["bottom"] for word in words) / MM <= 90, office_id


def test_a_long_letter_keeps_its_pages_together(printed):
    _rows, _result, folder, _loaded = printed
    office_id = OFFICE_IDS[120 % 8]
    found = {name: pages for name, _, pages in letters_in(folder / f"{office_id}.pdf")}
    assert found["Supporter 120"] >= 2
    assert found["Supporter 128"] == 1


def test_the_summary_is_printed_and_written(printed):
    _rows, result, folder, _loaded = printed
    summary = (folder / SUMMARY).read_text(encoding="utf-8")
    assert summary.startswith("supporters.csv: 197 supporters printed, 3 rows skipped")
    for office_id, total in result.offices.items():
        assert f"{office_id}.pdf" in summary
        assert f" {total.letters} " in summary
    assert "Not printed (correct the rows and print them again):" in summary
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*(f"{office}.pdf" for office in OFFICE_IDS), SUMMARY]
    )


def test_the_office_files_name_no_supporter_in_their_metadata(printed):
    _rows, _result, folder, _loaded = printed
    reader = pypdf.PdfReader(folder / "it-interior.pdf")
    info = " ".join(str(value) for value in reader.metadata.values())
    assert "Supporter" not in info and "Ирина" not in info
    assert "Ministry of the Interior of Italy" in info


# --- the command line --------------------------------------------------------------------------


def run(site, *arguments: str):
    """`campaign ARGS` on the copy of the campaign, as a subprocess would see it."""
    options = ["--recipients", str(site.recipients), "--templates", str(site.templates)]
    return CliRunner().invoke(main, [*options, *arguments])


@pytest.fixture
def small_file(tmp_path) -> Path:
    """Three supporters, comma-separated without a byte order mark; the second row is bad."""
    rows = [
        Row(
            2, dict(supporters(1)[0].cells, name="Anna Bianchi", offices="it-interior|kz-president")
        ),
        Row(3, dict(supporters(1)[0].cells, name="Bruno Verdi", email="bruno@")),
        Row(4, dict(supporters(1)[0].cells, name="Carla Neri", offices="kz-president")),
    ]
    path = tmp_path / "event.csv"
    path.write_bytes(as_csv(rows, delimiter=",", bom=False))
    return path


def test_cli_prints_the_rows_it_can_and_names_the_others(site, tmp_path, small_file):
    out = tmp_path / "printed"
    result = run(site, "batch", str(small_file), "--out", str(out), "--per-supporter")
    assert result.exit_code == 1
    assert "not printed: event.csv:3: email:" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "error: 1 row not printed (listed above and in summary.txt)"
    )
    assert "event.csv: 2 supporters printed, 1 rows skipped" in result.stdout
    assert sorted(path.name for path in out.iterdir()) == [
        "it-interior.pdf",
        "kz-president.pdf",
        SUMMARY,
        "supporters",
    ]
    assert [name for name, _, _ in letters_in(out / "kz-president.pdf")] == [
        "Anna Bianchi",
        "Carla Neri",
    ]
    own = sorted((out / "supporters").iterdir())
    assert [path.name for path in own] == ["00002-anna-bianchi.pdf", "00004-carla-neri.pdf"]
    anna = pypdf.PdfReader(own[0])
    assert len(anna.pages) == 2 and "/StructTreeRoot" in anna.trailer["/Root"]  # tagged
    assert (out.stat().st_mode & 0o777) == 0o700
    assert "Printing" not in result.stderr  # no progress bar when stderr is not a terminal


def test_cli_dry_run_writes_nothing(site, tmp_path, small_file):
    before = sorted(tmp_path.rglob("*"))
    out = tmp_path / "never"
    result = run(site, "batch", str(small_file), "--out", str(out), "--dry-run")
    assert result.exit_code == 1
    assert "not printed: event.csv:3: email:" in result.stderr
    assert "event.csv: 2 supporters would print, 1 rows skipped" in result.stdout
    assert "A dry run: nothing was printed" in result.stdout
    assert sorted(tmp_path.rglob("*")) == before


def test_cli_never_overwrites_and_refuses_a_file_it_cannot_use(site, tmp_path, small_file):
    (tmp_path / "taken").mkdir()
    taken = run(site, "batch", str(small_file), "--out", str(tmp_path / "taken"))
    assert taken.exit_code == 1
    assert (
        taken.stderr.strip()
        == f"error: {tmp_path / 'taken'}: already exists; choose another --out, nothing was written"
    )
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(b"nome,email\nAnna,\n")
    refused = run(site, "batch", str(wrong), "--out", str(tmp_path / "w"))
    assert refused.exit_code == 1
    assert refused.stderr.startswith('error: wrong.csv:1: unknown column "nome"')
    assert not (tmp_path / "w").exists()


def test_duplex_gives_each_letter_a_sheet_of_its_own(site, tmp_path):
    rows = [
        Row(2, dict(supporters(1)[0].cells, name="Anna Bianchi", offices="it-justice")),
        Row(
            3,
            dict(
                supporters(1)[0].cells,
                name="Bruno Verdi",
                offices="it-justice",
                note="\n".join(["A line of my note."] * 70),
            ),
        ),
        Row(4, dict(supporters(1)[0].cells, name="Carla Neri", offices="it-justice")),
    ]
    path = tmp_path / "duplex.csv"
    path.write_bytes(as_csv(rows))
    result = run(site, "batch", str(path), "--out", str(tmp_path / "d"), "--duplex")
    assert result.exit_code == 0, result.output
    pdf_path = tmp_path / "d" / "it-justice.pdf"
    found = letters_in(pdf_path)
    assert (found[0][0], found[0][2]) == ("Anna Bianchi", 2)  # its page and a blank back
    with pdfplumber.open(pdf_path) as document:
        blank_backs = [n for n, page in enumerate(document.pages) if not page.extract_text()]
        count = len(document.pages)
    assert [name for name, _, _ in found] == ["Anna Bianchi", "Bruno Verdi", "Carla Neri"]
    assert all(pages % 2 == 0 for _, _, pages in found)  # each letter starts on a front
    assert 1 in blank_backs and count - 1 in blank_backs
    assert "For printing on both sides" in result.stdout
    assert f"it-justice                 1  3  {count}  {count // 2}" not in result.stdout
    assert f"{count // 2}  it-justice.pdf" in result.stdout


def test_a_full_disk_keeps_nothing_and_says_so(site, tmp_path, small_file, monkeypatch):
    def full(self, reader, blank_after=()):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("campaign.production.joined_pdf.JoinedPdf.append", full)
    out = tmp_path / "full"
    result = run(site, "batch", str(small_file), "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: {out}: could not write the letters (No space left on device); nothing was kept"
    )
    assert not out.exists()
    assert not list(tmp_path.glob(".full.*"))  # nor the hidden folder it was written into


# --- the appeal's life: paused offices, a won appeal's thank-you letters, a closed appeal ----


def test_a_paused_office_is_left_out_of_every_row_and_named(site, tmp_path):
    pause_office(site, "it-justice")
    rows = [
        Row(2, dict(supporters(1)[0].cells, name="Anna Bianchi", offices="it-justice|it-interior")),
        Row(3, dict(supporters(1)[0].cells, name="Bruno Verdi", offices="")),
        Row(4, dict(supporters(1)[0].cells, name="Carla Neri", offices="it-justice")),
    ]
    path = tmp_path / "paused.csv"
    path.write_bytes(as_csv(rows))
    result = run(site, "batch", str(path), "--out", str(tmp_path / "p"))
    assert result.exit_code == 1  # Carla's row names only the paused office
    assert "it-justice.pdf" not in {p.name for p in (tmp_path / "p").iterdir()}
    assert "Paused offices, left out of every row:\n  it-justice is paused:" in result.stdout
    assert "paused.csv:4: offices: every office of this row is paused" in result.stderr
    names = [name for name, _, _ in letters_in(tmp_path / "p" / "it-interior.pdf")]
    assert names == ["Anna Bianchi", "Bruno Verdi"]


def test_a_won_appeal_prints_its_thank_you_letters_and_a_closed_one_nothing(site, tmp_path):
    rows = [Row(2, dict(supporters(1)[0].cells, name="Anna Bianchi", offices="it-interior"))]
    path = tmp_path / "won.csv"
    path.write_bytes(as_csv(rows))
    write_thanks(site)
    change_campaign(site, {"state": "won", "outcome": {"en": "Test outcome."}})
    won = run(site, "batch", str(path), "--out", str(tmp_path / "w"))
    assert won.exit_code == 0, won.output
    with pdfplumber.open(tmp_path / "w" / "it-interior.pdf") as document:
        assert THANKS_MARKER in document.pages[0].extract_text()
    change_campaign(site, {"state": "closed"})
    closed = run(site, "batch", str(path), "--out", str(tmp_path / "c"))
    assert closed.exit_code == 1
    assert closed.stderr.strip() == (
        "error: the appeal is closed (state: closed in campaign.yaml), so no letters are made"
    )
    assert not (tmp_path / "c").exists()

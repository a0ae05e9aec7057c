"""The delivery dossier: the counts of one office as tables and charts, the appeal with its
translation, the campaign and its sources; tagged, and without any personal data."""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.letters import render_pool
from campaign.production import dossier
from campaign.rulebook import load_site
from campaign.storage import counts

# (office, channel, day, letters): it-interior by post, phone and fax over three days.
COUNTED = [
    ("it-interior", "post", "2026-11-02", 5),
    ("it-interior", "fax", "2026-11-02", 2),
    ("it-interior", "post", "2026-11-04", 1),
    ("it-interior", "phone", "2026-11-05", 3),
    ("kz-president", "post", "2026-11-02", 9),  # another office: not in it-interior's dossier
]


@pytest.fixture
def counted(site):
    """The copy's database (SQLite in its instance folder), with the counts above."""
    database = site.database
    for office, channel, day, n in COUNTED:
        for _ in range(n):
            counts.record(database, office, channel, day)
    return database


def text_of(data: bytes) -> list[str]:
    """Each page's text."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        return [page.extract_text() or "" for page in document.pages]


def test_counts_of_one_office_by_day_and_channel(counted):
    interior = dossier.office_counts(counted, "it-interior")
    assert interior.total == 11
    assert interior.per_channel() == {"post": 6, "email": 0, "phone": 3, "fax": 2}
    assert interior.per_day() == [
        ("2026-11-02", 7),
        ("2026-11-03", 0),
        ("2026-11-04", 1),
        ("2026-11-05", 3),
    ]
    assert dossier.office_counts(counted, "it-justice").total == 0


@pytest.fixture
def made(site, counted):
    """The dossier of it-interior, and the campaign it comes from."""
    loaded = load_site(site)
    office = loaded.directory.get("it-interior")
    interior = dossier.office_counts(counted, office.id)
    data = dossier.make_dossier(loaded, office, interior, pool=render_pool.shared())
    return loaded, data


def test_the_totals_equal_the_counts(made):
    _loaded, data = made
    pages = text_of(data)
    flat = " ".join(pages)
    assert re.search(r"In tutto · In all: 11\b", flat)
    # The table by channel: the office's channels (it has no e-mail), then the sum.
    assert re.search(r"Posta Telefono Fax In tutto\n6 3 2 11", flat)
    days = re.findall(r"^(2026-\d\d-\d\d) (\d+) (\d+) (\d+) (\d+)$", flat, re.MULTILINE)
    assert days == [
        ("2026-11-02", "5", "0", "2", "7"),
        ("2026-11-04", "1", "0", "0", "1"),
        ("2026-11-05", "0", "3", "0", "3"),
    ]


def test_the_charts_are_drawn_in_the_pdf(made):
    _loaded, data = made
    with pdfplumber.open(io.BytesIO(data)) as document:
        bars = [box for box in document.pages[0].rects if box["non_stroking_color"]]
    # Four days of columns (one of them empty) and three channels of rows, in the bars' blue.
    coloured = [bar for bar in bars if bar["height"] > 0.5 and bar["width"] > 0.5]
    assert len(coloured) >= 3 + 3


def test_the_appeal_in_the_offices_language_and_in_english(made):
    loaded, data = made
    flat = " ".join(" ".join(text_of(data)).split())
    office = loaded.directory.get("it-interior")
    assert "L'appello · The appeal" in flat
    assert "Egregio Signor Ministro," in flat and "Dear Minister," in flat
    for language in ("it", "en"):
        assert " ".join(office.ask[language].split()) in flat  # the ask, in both
    assert " ".join(loaded.appeal.campaign.summary["it"].split()) in flat
    assert " ".join(loaded.appeal.campaign.summary["en"].split()) in flat
    for source in loaded.appeal.campaign.background_sources:
        assert loaded.appeal.campaign.sources[source] in flat


def test_tagged_titled_and_without_personal_data(made):
    _loaded, data = made
    reader = pypdf.PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "it"
    assert reader.metadata.title == "Dossier di consegna: Ministero dell'Interno"
    assert reader.metadata.author == "Open Dialog Foundation"
    flat = " ".join(text_of(data))
    assert "@" not in flat and "Sample Supporter" not in flat  # no supporter, no address


def test_an_office_without_counts_says_so(site, counted):
    loaded = load_site(site)
    office = loaded.directory.get("kz-nsc-atyrau")
    none = dossier.office_counts(counted, office.id)
    data = dossier.make_dossier(loaded, office, none, pool=render_pool.shared())
    flat = " ".join(text_of(data))
    assert "Всего · In all: 0" in flat and "Писем пока не учтено." in flat


def run(site, *arguments: str):
    """`campaign ARGS` on the copy of the campaign, with its instance folder."""
    options = [
        "--recipients",
        str(site.recipients),
        "--templates",
        str(site.templates),
        "--instance",
        str(site.instance),
    ]
    return CliRunner().invoke(main, [*options, *arguments])


def test_cli_dossier(site, counted, tmp_path):
    out = tmp_path / "interior.pdf"
    result = run(site, "dossier", "it-interior", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (
        result.stdout.strip() == f"Wrote the dossier of it-interior (11 letters counted) to {out}"
    )
    assert "In tutto · In all: 11" in " ".join(text_of(out.read_bytes()))
    again = run(site, "dossier", "it-interior", "--out", str(out))
    assert again.exit_code == 1 and "already exists" in again.stderr


def test_cli_dossier_refusals(site, tmp_path):
    unknown = run(site, "dossier", "it-nowhere", "--out", str(tmp_path / "a.pdf"))
    assert unknown.exit_code == 1 and "it-nowhere" in unknown.stderr
    assert not (tmp_path / "a.pdf").exists()


def test_the_day_it_is_handed_over(site, counted, tmp_path):
    out = tmp_path / "dated.pdf"
    result = run(site, "dossier", "it-interior", "--date", "2026-12-10", "--out", str(out))
    assert result.exit_code == 0, result.output
    flat = " ".join(text_of(out.read_bytes()))
    assert "Consegnato il 10 dicembre 2026" in flat and "Handed over on 10 December 2026" in flat
    wrong = run(
        site, "dossier", "it-interior", "--date", "10/12/2026", "--out", str(tmp_path / "x")
    )
    assert wrong.exit_code == 1
    assert wrong.stderr.strip() == "error: '10/12/2026' is not a day; write YYYY-MM-DD"

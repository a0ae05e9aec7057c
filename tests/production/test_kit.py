"""The event kit: a letter to write by hand with the address where the printed letter puts it,
talking points in two languages, a case card whose QR code scans back to the campaign page."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner

from campaign.cli import main
from campaign.directory import addresses
from campaign.errors import CampaignError
from campaign.letters import render, render_pool
from campaign.letters.senders import make_sender
from campaign.production import kit
from campaign.rulebook import load_site
from tests.builders import OFFICE_IDS, change_campaign, copy_site, pause_office
from tests.letters.test_pdf import MM, lines, mm_box

URL = "https://appeal.example.org/shalabayeva?from=stall"


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The kit for an Italian and a Kazakh office, for Italian-speaking supporters."""
    site = copy_site(tmp_path_factory.mktemp("kit"))
    loaded = load_site(site)
    offices = [loaded.directory.get("it-interior"), loaded.directory.get("kz-president")]
    files = kit.make_kit(
        loaded, offices, language="it", url=URL, paper="a4", pool=render_pool.shared()
    )
    return loaded, files


def window_words(data: bytes) -> list[dict]:
    """The words in the address zone of the first page."""
    with pdfplumber.open(io.BytesIO(data)) as document:
        return mm_box(document.pages[0], 15, 60, 110, 98).extract_words()


def test_the_files_of_the_kit(made):
    _loaded, files = made
    assert sorted(files) == [
        "case-card.pdf",
        "it-interior-letter.pdf",
        "it-interior-talking-points.pdf",
        "kz-president-letter.pdf",
        "kz-president-talking-points.pdf",
    ]
    for data in files.values():
        assert "/StructTreeRoot" in pypdf.PdfReader(io.BytesIO(data)).trailer["/Root"]  # tagged


@pytest.mark.parametrize("office_id", ["it-interior", "kz-president"])
def test_the_address_is_where_the_printed_letter_puts_it(made, office_id):
    loaded, files = made
    office = loaded.directory.get(office_id)
    supporter = make_sender(name="Maria Rossi", city="Milano")  # no country: the same lines
    printed = render_pool.shared().pdf(
        [render.render_letter(loaded.appeal, office, supporter)], templates_dir=loaded.appeal.folder
    )
    by_hand, typed = window_words(files[f"{office_id}-letter.pdf"]), window_words(printed)
    position = [(round(w["x0"], 2), round(w["top"], 2), w["text"]) for w in by_hand]
    assert position == [(round(w["x0"], 2), round(w["top"], 2), w["text"]) for w in typed]
    with pdfplumber.open(io.BytesIO(files[f"{office_id}-letter.pdf"])) as document:
        window = lines(mm_box(document.pages[0], 20, 62.7, 105, 98).extract_text())
    assert " ".join(window) == " ".join(addresses.recipient_lines(office, office.language))
    assert abs(by_hand[0]["x0"] / MM - 20) < 0.2 and 62.7 <= by_hand[0]["top"] / MM < 64.5


def test_the_letter_to_write_by_hand(made):
    _loaded, files = made
    with pdfplumber.open(io.BytesIO(files["kz-president-letter.pdf"])) as document:
        assert len(document.pages) == 1
        page = document.pages[0]
        text = page.extract_text()
        # Each ruled line is a box 8.5 mm high with a bottom border, full width.
        ruled = {
            round(box["top"] / MM)
            for box in page.rects
            if box["width"] > 150 * MM and 8 * MM < box["height"] < 9 * MM
        }
        letterhead = mm_box(page, 100, 5, 205, 44).extract_text()
    assert "Уважаемый господин Президент," in text  # the salutation, in the office's language
    assert text.rstrip().endswith("С уважением,")  # the closing formula, nothing after it
    assert "_" * 20 in text  # the date line, to fill in
    assert len(ruled) == kit.RULED_LINES["a4"]  # the lines to write on
    assert not (letterhead or "").strip()  # no sender: the supporter writes their own


def test_talking_points_in_the_offices_language_then_the_supporters(made):
    loaded, files = made
    office = loaded.directory.get("kz-president")
    with pdfplumber.open(io.BytesIO(files["kz-president-talking-points.pdf"])) as document:
        pages = [page.extract_text() for page in document.pages]
    russian = next(n for n, text in enumerate(pages) if "О чём мы просим" in text)
    italian = next(n for n, text in enumerate(pages) if "Che cosa chiediamo" in text)
    assert russian < italian
    flat = " ".join(" ".join(pages).split())
    for language in ("ru", "it"):
        ask = kit.as_sentence(office.ask[language])
        assert " ".join(ask.split()) in flat
    assert "29 maggio 2013" in flat and "29 мая 2013" in flat  # the chronology, dated
    assert "[statement]" in flat and "Sources" not in flat and "Fonti" in flat
    with pdfplumber.open(io.BytesIO(files["it-interior-talking-points.pdf"])) as document:
        text = " ".join(page.extract_text() for page in document.pages)
    assert text.count("Che cosa chiediamo") == 1  # office and supporters share a language


def test_the_case_cards_qr_code_scans_back_to_the_campaign_page(made, tmp_path):
    loaded, files = made
    card = tmp_path / "card.pdf"
    card.write_bytes(files["case-card.pdf"])
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(card), str(tmp_path / "card")], check=True)
    scanned = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(tmp_path / "card-1.png")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert scanned.stdout.strip() == URL
    with pdfplumber.open(card) as document:
        text = " ".join(document.pages[0].extract_text().split())
    assert " ".join(loaded.appeal.campaign.summary["it"].split()) in text
    assert URL in text and "Ministero dell'Interno" in text


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_letter_to_write_by_hand_fits_one_page(made, paper):
    loaded, _files = made
    letters = [
        kit.handwritten_letter(loaded, office, paper) for office in loaded.directory.recipients
    ]
    _combined, singles = render_pool.shared().split(
        letters, paper=paper, templates_dir=loaded.appeal.folder
    )
    for office_id, data in singles.items():
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1, (office_id, paper)
        closing = loaded.appeal.campaign.closing[loaded.directory.get(office_id).language]
        assert closing in reader.pages[0].extract_text()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "the campaign page's address is missing"),
        ("javascript:alert(1)", "is not a web address"),
        ("ftp://example.org/", "is not a web address"),
        ("example.org/appeal", "is not a web address"),
        ("https://", "is not a web address"),
        ("https://example.org/a b", "must not contain spaces"),
        ("https://example.org/" + "a" * 300, "the limit is 300"),
    ],
)
def test_only_a_web_address_makes_a_qr_code(url, message):
    with pytest.raises(CampaignError, match=message):
        kit.check_url(url)


def run(site, *arguments: str, env: dict | None = None):
    """`campaign ARGS` on the copy of the campaign."""
    options = ["--recipients", str(site.recipients), "--templates", str(site.templates)]
    return CliRunner().invoke(main, [*options, *arguments], env=env or {"CAMPAIGN_URL": ""})


def test_cli_kit_for_every_office(site, tmp_path):
    out = tmp_path / "kit"
    result = run(site, "kit", "--out", str(out), env={"CAMPAIGN_URL": URL})
    assert result.exit_code == 0, result.output
    names = sorted(path.name for path in out.iterdir())
    assert len(names) == 2 * len(OFFICE_IDS) + 1 and "case-card.pdf" in names
    assert (out.stat().st_mode & 0o777) == 0o700


def test_cli_kit_refusals(site, tmp_path):
    missing = run(site, "kit", "it-interior", "--out", str(tmp_path / "a"))
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: the campaign page's address is missing")
    wrong = run(
        site, "kit", "it-interior", "--url", "file:///etc/passwd", "--out", str(tmp_path / "b")
    )
    assert wrong.exit_code == 1 and "is not a web address" in wrong.stderr
    unknown = run(site, "kit", "it-nowhere", "--url", URL, "--out", str(tmp_path / "c"))
    assert unknown.exit_code == 1 and "it-nowhere" in unknown.stderr
    (tmp_path / "d").mkdir()
    taken = run(site, "kit", "it-interior", "--url", URL, "--out", str(tmp_path / "d"))
    assert taken.exit_code == 1 and "already exists" in taken.stderr
    assert not any(Path(tmp_path / name).exists() for name in "abc")


def test_the_kit_is_for_an_open_appeal_and_offices_that_take_letters(site, tmp_path):
    pause_office(site, "it-justice")
    paused = run(site, "kit", "it-justice", "--url", URL, "--out", str(tmp_path / "a"))
    assert paused.exit_code == 1
    assert "it-justice is paused" in paused.stderr and "leave it out of the kit" in paused.stderr
    every = run(site, "kit", "--url", URL, "--out", str(tmp_path / "b"))
    assert every.exit_code == 0, every.output
    assert not (tmp_path / "b" / "it-justice-letter.pdf").exists()  # left out by default
    change_campaign(site, {"state": "paused", "pause_reason": {"en": "Test pause."}})
    closed = run(site, "kit", "--url", URL, "--out", str(tmp_path / "c"))
    assert closed.exit_code == 1
    assert "the appeal is paused now: an event kit is made for an open appeal" in closed.stderr


def test_the_talking_points_hold_the_offices_own_points(made):
    loaded, files = made
    office = loaded.directory.get("it-interior")
    with pdfplumber.open(io.BytesIO(files["it-interior-talking-points.pdf"])) as document:
        flat = " ".join(" ".join(page.extract_text() for page in document.pages).split())
    assert "Argomenti da esporre con parole tue" in flat
    for point in office.talking_points["it"]:
        assert " ".join(point.split()) in flat

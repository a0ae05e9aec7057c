"""The faster print layout prints the same as the one it replaced, page image for page image.

tests/letters/reference_print/ keeps print.html and print.css as they were at commit f14c341,
before they were rewritten for speed. Both are rendered here in the same run, so that fonts
and library versions cannot differ between them: the reference exactly as it was rendered
then (print.css inlined in a <style>, one WeasyPrint call), the bundled layout as the project
renders it now (pdf.render, pdf.render_split). Each page goes through pdftoppm at 150 dpi and
the two images are compared pixel by pixel, for letters of one, two and three pages in
English, Italian and Russian, on A4 and on US Letter.

The tolerance, for anti-aliasing: a pixel counts as different when its grey level differs by
more than DIFFERENT (out of 255), and a page may have at most MAX_DIFFERENT_SHARE of its
pixels different. The same text at a position a fraction of a pixel off changes only the
grey of the edges of its glyphs, a few hundred pixels a page at most; a line of text moved
by one pixel changes thousands, a moved address block tens of thousands. The bundled layout
gave 0 different pixels on every page when this test was written.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from PIL import Image, ImageChops
from weasyprint import HTML

from campaign import directory
from campaign.letters import disclosure, pdf, render
from campaign.models import Letter, Sender
from tests.builders import RECIPIENTS, TEMPLATES
from tests.letters.test_pdf import font_descriptor, footer, lines, mm_box

REFERENCE = Path(__file__).parent / "reference_print"
DPI = 150
DIFFERENT = 32  # grey levels
MAX_DIFFERENT_SHARE = 0.0005  # of a page's pixels: about 1,100 of A4's 2.2 million at 150 dpi
SENDER = Sender(
    name="Maria Rossi",
    street="Via Roma 12",
    postcode="20121",
    city="Milano",
    country="IT",
    email="maria.rossi@example.org",
)
# Each letter's body repeated this many times makes a letter of one, two and three pages.
LENGTHS = {1: 1, 2: 3, 3: 5}
# Three offices a language, with addresses of 3 to 7 lines (7: the smaller type of .long).
# Not kz-president, nor kz-general-prosecutor in English: a line of theirs wraps, and the
# reference printed their last line below the window; they are set smaller now, so they differ
# from it on purpose (tests/letters/test_window.py).
LANGUAGE_OFFICES = {
    "en": ("it-interior", "kz-nsc-atyrau", "kz-foreign-affairs"),
    "it": ("it-justice", "kz-general-prosecutor", "it-foreign-affairs"),
    "ru": ("kz-general-prosecutor", "kz-embassy-italy-consular", "kz-foreign-affairs"),
}


def letters_in(language: str) -> list[Letter]:
    """Three letters in `language`, of one, two and three pages."""
    appeal = render.load(TEMPLATES)
    offices = directory.load(RECIPIENTS)
    letters = []
    for pages, office_id in zip(LENGTHS, LANGUAGE_OFFICES[language], strict=True):
        letter = render.render_letter(appeal, offices.get(office_id), SENDER, language)
        letters.append(replace(letter, body="\n\n".join([letter.body] * LENGTHS[pages])))
    return letters


def reference_pdf(letters: list[Letter], paper: str = "a4") -> bytes:
    """The letters through the reference layout, rendered as pdf.py rendered it at f14c341."""
    source = pdf.html(letters, paper=paper, templates_dir=REFERENCE)  # print.css inlined
    document = HTML(string=source, url_fetcher=pdf.DataOnlyFetcher())
    return document.write_pdf(font_config=pdf.font_configuration(), pdf_variant=pdf.PDF_VARIANT)


def page_images(data: bytes, folder: Path, name: str) -> list[Image.Image]:
    """Every page of a PDF as a grey image at DPI, made by pdftoppm."""
    source = folder / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-gray", "-png", str(source), str(folder / name)],
        check=True,
        timeout=120,
    )
    files = sorted(folder.glob(f"{name}-*.png"), key=lambda path: int(path.stem.split("-")[-1]))
    return [Image.open(path).convert("L") for path in files]


def different_share(one: Image.Image, other: Image.Image) -> float:
    """The share of pixels whose grey levels differ by more than DIFFERENT."""
    assert one.size == other.size
    histogram = ImageChops.difference(one, other).histogram()
    return sum(histogram[DIFFERENT + 1 :]) / (one.width * one.height)


def assert_same_pages(data: bytes, reference: list[Image.Image], folder: Path, name: str):
    """The pages of `data` look like the reference pages, within the tolerance."""
    images = page_images(data, folder, name)
    assert len(images) == len(reference)
    pairs = zip(images, reference, strict=True)
    shares = [different_share(image, expected) for image, expected in pairs]
    assert max(shares) <= MAX_DIFFERENT_SHARE, f"{name}: share of pixels different {shares}"


@pytest.fixture(scope="module", params=sorted(LANGUAGE_OFFICES))
def printed(request, tmp_path_factory):
    """One language's three letters: their reference PDF and pages, and the PDF made now."""
    letters = letters_in(request.param)
    folder = tmp_path_factory.mktemp(f"print-{request.param}")
    reference = reference_pdf(letters)
    optimised = pdf.render(letters, templates_dir=TEMPLATES)
    return letters, reference, page_images(reference, folder, "reference"), optimised, folder


def test_every_page_looks_the_same_as_the_reference(printed):
    _, _, reference_pages, optimised, folder = printed
    assert len(reference_pages) == 6  # 1 + 2 + 3
    assert_same_pages(optimised, reference_pages, folder, "optimised")


def test_the_pdfs_cut_for_each_office_look_the_same_as_its_reference_pages(printed):
    letters, _, reference_pages, _, folder = printed
    _, singles = pdf.render_split(letters, templates_dir=TEMPLATES)
    first = 0
    for letter, pages in zip(letters, LENGTHS, strict=True):
        expected = reference_pages[first : first + pages]
        assert_same_pages(singles[letter.recipient.id], expected, folder, letter.recipient.id)
        first += pages


def test_page_numbers_only_on_the_letters_of_more_than_one_page(printed):
    _, _, _, optimised, _ = printed
    with pdfplumber.open(io.BytesIO(optimised)) as document:
        footers = [footer(page) for page in document.pages]
    assert footers == ["", "1 / 2", "2 / 2", "1 / 3", "2 / 3", "3 / 3"]


def test_the_address_block_is_inside_the_window_and_the_return_line_above_it(printed):
    letters, _, _, optimised, _ = printed
    with pdfplumber.open(io.BytesIO(optimised)) as document:
        first_pages = [document.pages[index] for index in (0, 1, 3)]
        for letter, page in zip(letters, first_pages, strict=True):
            # The country line kept under "name", which may not tell the office the country.
            expected = disclosure.window_lines(letter)
            # DIN 5008 B, below the return zone: every character of the address is inside
            # (a long line wraps, as it did in the reference).
            window = lines(mm_box(page, 20, 62.7, 105, 90).extract_text())
            assert " ".join(window) == " ".join(expected)
            return_zone = mm_box(page, 20, 45, 105, 62.7).extract_text()
            # The return line as the office's disclosure rule allows it: none under "name".
            expected_return = disclosure.sender_block(letter).return_line
            assert "".join(return_zone.split()) == "".join(expected_return.split())


def test_fonts_are_embedded_subsets_and_the_pdf_is_tagged(printed):
    _, _, _, optimised, _ = printed
    reader = pypdf.PdfReader(io.BytesIO(optimised))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert re.fullmatch(r"/[A-Z]{6}\+PT-?Serif.*", str(font["/BaseFont"]))  # a subset
            descriptor = font_descriptor(font)
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    tags = catalog["/StructTreeRoot"]["/K"][0].get_object()
    assert tags["/S"] == "/Document" and len(tags["/K"]) >= 6  # a section a page at least
    assert 'pdfuaid:part="1"' in catalog["/Metadata"].get_object().get_data().decode()


def test_us_letter_looks_the_same_as_the_reference(tmp_path):
    letters = letters_in("it")
    reference = page_images(reference_pdf(letters, paper="letter"), tmp_path, "reference")
    optimised = pdf.render(letters, paper="letter", templates_dir=TEMPLATES)
    box = pypdf.PdfReader(io.BytesIO(optimised)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    assert_same_pages(optimised, reference, tmp_path, "optimised")


def test_the_comparison_sees_an_address_moved_by_a_fifth_of_a_millimetre(tmp_path):
    moved = tmp_path / "moved"
    shutil.copytree(TEMPLATES, moved)
    css = moved / "print.css"
    text = css.read_text()
    assert "  top: 42.7mm; /* 62.7 - 20 */" in text  # the recipient's place
    css.write_text(text.replace("  top: 42.7mm;", "  top: 42.9mm;", 1))
    letters = letters_in("it")[:1]
    reference = page_images(reference_pdf(letters), tmp_path, "reference")
    image = page_images(pdf.render(letters, templates_dir=moved), tmp_path, "moved")
    assert different_share(image[0], reference[0]) > 2 * MAX_DIFFERENT_SHARE

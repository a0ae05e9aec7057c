"""Joining PDFs into one file as it grows: pages in order, blank backs, a valid file."""

from __future__ import annotations

import io

import pdfplumber
import pypdf
import pytest

from campaign.errors import RenderError
from campaign.letters import pdf
from campaign.production.joined_pdf import JoinedPdf, read_pdf


def document(*pages: str, size: str = "A4") -> bytes:
    """A PDF with one page per text, laid out by the one PDF path."""
    body = "".join(f'<p style="break-after: page">{text}</p>' for text in pages)
    html = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>t</title>'
        f"<style>@page {{ size: {size} }} p {{ font-family: 'PT Serif' }}</style></head>"
        f"<body>{body}</body></html>"
    )
    return pdf.render_html(html, "test.html")


@pytest.fixture(scope="module")
def parts() -> list[bytes]:
    """Three documents: two pages, one page (Cyrillic), one page US Letter."""
    return [
        document("Anna, page one", "Anna, page two"),
        document("Борис, страница одна"),
        document("Carla on Letter", size="letter"),
    ]


def texts(data: bytes) -> list[str]:
    """The text of each page."""
    with pdfplumber.open(io.BytesIO(data)) as opened:
        return [(page.extract_text() or "").strip() for page in opened.pages]


def test_pages_of_every_document_in_order_with_blank_backs(parts):
    out = io.BytesIO()
    joined = JoinedPdf(out, title="it-interior: 3 letters", language="it")
    written = [
        joined.append(read_pdf(parts[0])),
        joined.append(read_pdf(parts[1]), blank_after=[0]),
        joined.append(read_pdf(parts[2]), blank_after=[0]),
    ]
    joined.close()
    assert written == [2, 2, 2]
    assert texts(out.getvalue()) == [
        "Anna, page one",
        "Anna, page two",
        "Борис, страница одна",
        "",
        "Carla on Letter",
        "",
    ]
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()), strict=True)
    sizes = [tuple(round(float(v)) for v in page.mediabox[2:]) for page in reader.pages]
    assert sizes == [(595, 842)] * 4 + [(612, 792)] * 2  # a blank back is the size of its page
    assert reader.metadata.title == "it-interior: 3 letters"
    assert reader.trailer["/Root"]["/Lang"] == "it"


def test_the_file_grows_with_each_document_and_keeps_no_page_in_memory(parts):
    out = io.BytesIO()
    joined = JoinedPdf(out, title="t")
    sizes = []
    for data in parts * 3:
        joined.append(read_pdf(data))
        sizes.append(out.tell())
    assert sizes == sorted(sizes) and sizes[0] > 1000  # written out as it came
    assert joined.page_count == 12
    # What the writer keeps: offsets and page numbers, a few bytes an object.
    kept = {name: type(value).__name__ for name, value in vars(joined).items()}
    assert kept == {
        "file": "BytesIO",
        "title": "str",
        "language": "str",
        "_offsets": "array",
        "_pages": "array",
    }
    joined.close()
    assert len(pypdf.PdfReader(io.BytesIO(out.getvalue())).pages) == 12


def test_every_font_stays_embedded(parts):
    out = io.BytesIO()
    joined = JoinedPdf(out, title="t")
    for data in parts:
        joined.append(read_pdf(data))
    joined.close()
    reader = pypdf.PdfReader(io.BytesIO(out.getvalue()))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]


def test_what_is_not_a_pdf_is_a_render_error():
    with pytest.raises(RenderError, match="could not be read"):
        read_pdf(b"%PDF-1.7 not really")

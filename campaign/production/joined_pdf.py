"""One PDF written to its file as it grows: other PDFs' pages appended one document at a time.

A batch prints thousands of letters into one file per office, too many to hold in memory.
pikepdf's (qpdf's) and pypdf's writers keep every page until they save, pikepdf each source
document open too, and an incremental update reads the whole file again each time. So this
writes the file itself and lets pikepdf read each appended document: its pages and everything
they use (fonts, images, content streams, their bytes as encoded) are written out at once
under new object numbers, and only the offset of each object and the number of each page stay
in memory: a few bytes an object, however long the batch. `close` writes the page tree, the
catalogue and the cross-reference table.

The joined file is not tagged: the letters' structure trees (PDF/UA) are left out, since a
batch is for the printer. A letter printed on its own is tagged as always.
"""

from __future__ import annotations

import decimal
import io
import secrets
from array import array
from collections.abc import Callable, Collection
from typing import Any, BinaryIO

import pikepdf

from campaign.errors import RenderError

PAGES, CATALOG, INFO = 1, 2, 3  # written by close(), numbered first so that pages point up
# Keys not copied: each page gets the new page tree as its parent; the structure tree (the
# tagging) is not joined, so nothing may point into it.
_LEFT_OUT = frozenset({"/Parent", "/StructParents", "/StructParent"})


def read_pdf(data: bytes) -> pikepdf.Pdf:
    """The PDF `data`, opened, or RenderError when it is not one."""
    try:
        document = pikepdf.open(io.BytesIO(data))
        _ = document.pages[0]  # reads the page tree: a broken file fails here, not half-way
    except (pikepdf.PdfError, ValueError, IndexError) as error:
        raise RenderError(f"a PDF to join could not be read ({error})") from None
    return document


class JoinedPdf:
    """A PDF file being written: `append` documents, then `close` once."""

    def __init__(self, file: BinaryIO, *, title: str, language: str = ""):
        self.file, self.title, self.language = file, title, language
        self._offsets = array("Q", [0] * (INFO + 1))  # by object number; 0 is the free entry
        self._pages = array("Q")  # the object number of each page, in order
        self._write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")

    @property
    def page_count(self) -> int:
        """The pages written so far, blank ones included."""
        return len(self._pages)

    def append(self, document: pikepdf.Pdf, *, blank_after: Collection[int] = ()) -> int:
        """Write every page of `document`, with a blank page after each page whose index is in
        `blank_after`; return the number of pages written."""
        before = len(self._pages)
        copier = _Copier(self._new_number)
        numbered: list[tuple[int, Any, bytes]] = []
        for index, page in enumerate(document.pages):  # numbered first: links point at pages
            number = self._new_number()
            copier.numbers[page.obj.objgen] = number
            # The size and the resources may be inherited from the page tree left behind:
            # the size is taken as it applies (WeasyPrint puts both on each page anyway).
            box = _serialised(page.mediabox, copier)
            numbered.append((number, page.obj, box))
            self._pages.append(number)
            if index in blank_after:
                self._pages.append(self._blank(box))
        for number, page_object, box in numbered:
            entries = [
                (key, _serialised(value, copier))
                for key, value in page_object.items()
                if key not in _LEFT_OUT and key != "/MediaBox"
            ]
            entries += [("/Parent", b"%d 0 R" % PAGES), ("/MediaBox", box)]
            self._write_raw(number, _dictionary(entries))
        while copier.queue:
            self._write_indirect(*copier.queue.pop(), copier)
        return len(self._pages) - before

    def close(self) -> None:
        """The page tree, catalogue, document information and cross-reference table."""
        kids = b" ".join(b"%d 0 R" % number for number in self._pages)
        self._write_raw(
            PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self._pages), kids)
        )
        catalog = [("/Type", b"/Catalog"), ("/Pages", b"%d 0 R" % PAGES)]
        if self.language:
            catalog.append(("/Lang", pikepdf.String(self.language).unparse()))
        self._write_raw(CATALOG, _dictionary(catalog))
        title = pikepdf.String(self.title).unparse()
        self._write_raw(INFO, _dictionary([("/Title", title), ("/Producer", b"(campaign)")]))
        start = self.file.tell()
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % len(self._offsets))
        for offset in self._offsets[1:]:
            self._write(b"%010d 00000 n \n" % offset)
        identifier = secrets.token_hex(16).encode()
        self._write(
            b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [ <%s> <%s> ] >>\n"
            % (len(self._offsets), CATALOG, INFO, identifier, identifier)
        )
        self._write(b"startxref\n%d\n%%%%EOF\n" % start)

    # --- writing -------------------------------------------------------------------------------

    def _write_indirect(self, number: int, value: Any, copier: _Copier) -> None:
        """An object of an appended document; a stream with its data as encoded."""
        if isinstance(value, pikepdf.Stream):
            data = value.read_raw_bytes()
            entries = [
                (key, _serialised(item, copier))
                for key, item in value.stream_dict.items()
                if key != "/Length" and key not in _LEFT_OUT
            ]
            entries.append(("/Length", b"%d" % len(data)))
            self._write_raw(number, _dictionary(entries) + b"\nstream\n" + data + b"\nendstream")
        else:
            self._write_raw(number, _serialised(value, copier, top=True))

    def _blank(self, media_box: bytes) -> int:
        """Write a blank page of that size; its object number."""
        number = self._new_number()
        entries = [
            ("/Type", b"/Page"),
            ("/Parent", b"%d 0 R" % PAGES),
            ("/MediaBox", media_box),
            ("/Resources", b"<< >>"),
        ]
        self._write_raw(number, _dictionary(entries))
        return number

    def _new_number(self) -> int:
        """The next object number (its offset is filled in when it is written)."""
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _write_raw(self, number: int, body: bytes) -> None:
        """`number 0 obj ... endobj`, its offset remembered."""
        self._offsets[number] = self.file.tell()
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _write(self, data: bytes) -> None:
        self.file.write(data)


class _Copier:
    """The new object numbers of one appended document's objects, given on first sight."""

    def __init__(self, new_number: Callable[[], int]):
        self.new_number = new_number
        self.numbers: dict[tuple[int, int], int] = {}  # (number, generation) there -> here
        self.queue: list[tuple[int, Any]] = []  # objects referred to and not yet written

    def reference(self, value: Any) -> bytes:
        """`N 0 R` for the object `value` is in the joined file."""
        number = self.numbers.get(value.objgen)
        if number is None:
            number = self.numbers[value.objgen] = self.new_number()
            self.queue.append((number, value))
        return b"%d 0 R" % number


def _serialised(value: Any, copier: _Copier, top: bool = False) -> bytes:
    """`value` as PDF syntax, its references renumbered (`top`: the object itself, not a
    reference to it)."""
    if isinstance(value, pikepdf.Object) and value.is_indirect and not top:
        return copier.reference(value)
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return b"%d" % value
    if isinstance(value, decimal.Decimal | float):
        return _number(value)
    if value is None:
        return b"null"
    if isinstance(value, pikepdf.Array):
        return b"[ " + b" ".join(_serialised(item, copier) for item in value) + b" ]"
    if isinstance(value, pikepdf.Dictionary):
        entries = [
            (key, _serialised(item, copier)) for key, item in value.items() if key not in _LEFT_OUT
        ]
        return _dictionary(entries)
    return value.unparse()  # a name, a string: no reference inside


def _number(value: decimal.Decimal | float) -> bytes:
    """A real number as PDF writes it: no exponent."""
    text = f"{decimal.Decimal(value).normalize():f}"
    return text.encode()


def _dictionary(entries: list[tuple[str, bytes]]) -> bytes:
    """`<< /Key value ... >>` of serialised values."""
    return (
        b"<< "
        + b" ".join(pikepdf.Name(key).unparse() + b" " + item for key, item in entries)
        + b" >>"
    )

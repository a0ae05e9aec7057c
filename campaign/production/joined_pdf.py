"""One PDF written to its file as it grows: other PDFs' pages appended one document at a time.

A batch prints thousands of letters into one file per office, too many to hold in memory.
pypdf's and pikepdf's writers keep every page until they save (pikepdf keeps each source
open too), and an incremental update reads the whole file again each time. So this writes
the file itself and lets pypdf (the reader, and each object's own serialisation) do the PDF:
each appended document's pages and everything they use (fonts, images, content streams) are
written out at once under new object numbers, and only the offset of each object and the
number of each page stay in memory: a few bytes an object, however long the batch. `close`
writes the page tree, the catalogue and the cross-reference table.

The joined file is not tagged: the letters' structure trees (PDF/UA) are left out, since a
batch is for the printer. A letter printed on its own is tagged as always.
"""

from __future__ import annotations

import io
import secrets
from array import array
from collections.abc import Callable, Collection
from typing import BinaryIO

from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    PdfObject,
    StreamObject,
    TextStringObject,
)

from campaign.errors import RenderError

PAGES, CATALOG, INFO = 1, 2, 3  # written by close(), numbered first so that pages point up
# Keys not copied: each page gets the new page tree as its parent; the structure tree (the
# tagging) is not joined, so nothing may point into it.
_LEFT_OUT = frozenset({"/Parent", "/StructParents", "/StructParent"})


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

    def append(self, reader: PdfReader, *, blank_after: Collection[int] = ()) -> int:
        """Write every page of the PDF `reader` reads, with a blank page after each page whose
        index is in `blank_after`; return the number of pages written."""
        pages = list(reader.pages)
        before = len(self._pages)
        copier = _Copier(self._new_number)
        numbered = []
        for index, page in enumerate(pages):  # numbered first: links may point at pages
            number = self._new_number()
            if page.indirect_reference is not None:
                copier.numbers[page.indirect_reference.idnum] = number
            numbered.append((number, page))
            self._pages.append(number)
            if index in blank_after:
                self._pages.append(self._blank(ArrayObject(page.mediabox)))
        for number, page in numbered:
            copy = copier.copy_dictionary(page)
            copy[NameObject("/Parent")] = IndirectObject(PAGES, 0, None)
            # The size may be inherited from the page tree left behind (WeasyPrint puts it on
            # each page, with the resources; another writer might not).
            copy[NameObject("/MediaBox")] = ArrayObject(page.mediabox)
            self._write_object(number, copy)
        while copier.queue:
            old, number = copier.queue.pop()
            self._write_object(number, copier.copy(reader.get_object(old) or NullObject()))
        return len(self._pages) - before

    def close(self) -> None:
        """The page tree, catalogue, document information and cross-reference table."""
        kids = b" ".join(b"%d 0 R" % number for number in self._pages)
        self._write_raw(
            PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>" % (len(self._pages), kids)
        )
        catalog = _dictionary(Type=NameObject("/Catalog"), Pages=IndirectObject(PAGES, 0, None))
        if self.language:
            catalog[NameObject("/Lang")] = TextStringObject(self.language)
        self._write_object(CATALOG, catalog)
        info = _dictionary(
            Title=TextStringObject(self.title), Producer=TextStringObject("campaign")
        )
        self._write_object(INFO, info)
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

    def _blank(self, media_box: ArrayObject) -> int:
        """Write a blank page of that size; its object number."""
        number = self._new_number()
        page = _dictionary(
            Type=NameObject("/Page"),
            Parent=IndirectObject(PAGES, 0, None),
            MediaBox=media_box,
            Resources=DictionaryObject(),
        )
        self._write_object(number, page)
        return number

    def _new_number(self) -> int:
        """The next object number (its offset is filled in when it is written)."""
        self._offsets.append(0)
        return len(self._offsets) - 1

    def _write_object(self, number: int, value: PdfObject) -> None:
        """`number 0 obj ... endobj`, as pypdf writes the object."""
        buffer = io.BytesIO()
        value.write_to_stream(buffer)
        self._write_raw(number, buffer.getvalue())

    def _write_raw(self, number: int, body: bytes) -> None:
        """An object whose serialised form is `body`, its offset remembered."""
        self._offsets[number] = self.file.tell()
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def _write(self, data: bytes) -> None:
        self.file.write(data)


def read_pdf(data: bytes) -> PdfReader:
    """A reader of the PDF `data`, or RenderError when it is not one."""
    try:
        reader = PdfReader(io.BytesIO(data))
        _ = reader.pages[0]  # reads the page tree: a broken file fails here, not half-way
    except (PyPdfError, ValueError, KeyError, IndexError) as error:
        raise RenderError(f"a PDF to join could not be read ({error})") from None
    return reader


class _Copier:
    """Copies a document's objects with every reference renumbered for the joined file."""

    def __init__(self, new_number: Callable[[], int]):
        self.new_number = new_number
        self.numbers: dict[int, int] = {}  # object number in the document -> in the joined file
        self.queue: list[tuple[int, int]] = []  # objects referred to and not yet written

    def copy(self, value: PdfObject) -> PdfObject:
        """`value` with its references renumbered."""
        if isinstance(value, IndirectObject):
            return self.reference(value)
        if isinstance(value, DictionaryObject):
            return self.copy_dictionary(value)
        if isinstance(value, ArrayObject):
            return ArrayObject(self.copy(item) for item in value)
        return value

    def copy_dictionary(self, value: DictionaryObject) -> DictionaryObject:
        """A dictionary or a stream with its references renumbered (a stream's data as is)."""
        copy = DictionaryObject()
        if isinstance(value, StreamObject):
            copy = value.__class__()
            copy._data = value._data  # the bytes as encoded: not decoded and encoded again
        for key, item in value.items():
            if key not in _LEFT_OUT:
                copy[NameObject(key)] = self.copy(item)
        return copy

    def reference(self, value: IndirectObject) -> IndirectObject:
        """The reference in the joined file to the object `value` points at."""
        number = self.numbers.get(value.idnum)
        if number is None:
            number = self.numbers[value.idnum] = self.new_number()
            self.queue.append((value.idnum, number))
        return IndirectObject(number, 0, None)


def _dictionary(**entries: PdfObject) -> DictionaryObject:
    """A PDF dictionary from keyword arguments: Type=... becomes /Type."""
    return DictionaryObject({NameObject(f"/{key}"): value for key, value in entries.items()})

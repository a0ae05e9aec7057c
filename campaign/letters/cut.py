"""PDFs of some pages cut from one painted PDF, tags and all: each page is painted only once.

WeasyPrint 70 paints every page of a `Document.copy(pages)` again when it writes it, so one
PDF per office written that way cost a second painting of every page. Here the combined PDF
is written once, and each piece is a copy of it with the other pages taken out, together with
everything that pointed to them, so that they are not kept in the file unseen: their
structure elements (the PDF/UA tags), their entries in the parent tree, their bookmarks and
their named destinations. The pieces get their own title, author and language, in the
document information and in the XMP metadata. Fonts stay shared: a piece embeds the subset
of the whole document, still a subset.

This relies on what WeasyPrint writes (one structure element per page and box, a flat
parent tree and destination list); anything else is left as it is, which is valid, only
larger.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Object, Pdf

from campaign.errors import RenderError


@dataclass(frozen=True)
class Piece:
    """Which pages of the combined PDF make one piece (indexes from 0), and its metadata."""

    pages: tuple[int, ...]
    title: str
    language: str
    author: str


def cut(combined: bytes, pieces: Sequence[Piece]) -> list[bytes]:
    """One PDF per piece, in order, each holding only its pages of `combined`."""
    try:
        return [_piece(combined, piece) for piece in pieces]
    except (pikepdf.PdfError, ValueError, KeyError, IndexError) as error:
        raise RenderError(f"the PDF could not be cut into one per office: {error}") from None


def _piece(combined: bytes, piece: Piece) -> bytes:
    """`combined` with only the pages of `piece`, and what refers to them."""
    pdf = Pdf.open(io.BytesIO(combined))
    if not piece.pages:
        raise ValueError("a piece without pages")
    wanted = set(piece.pages)
    for index in reversed(range(len(pdf.pages))):
        if index not in wanted:
            del pdf.pages[index]
    kept = {page.obj.objgen for page in pdf.pages}
    root = pdf.Root
    tree = root.get("/StructTreeRoot")
    if isinstance(tree, Dictionary):
        _prune_structure(tree, pdf, kept)
    outlines = root.get("/Outlines")
    if isinstance(outlines, Dictionary):
        _prune_outlines(root, outlines, kept)
    names = root.get("/Names")
    dests = names.get("/Dests") if isinstance(names, Dictionary) else None
    if isinstance(dests, Dictionary):
        dests.Names = Array(
            value
            for name, target in _pairs(dests.get("/Names"))
            if _target_page(target) in kept
            for value in (name, target)
        )
    _set_metadata(pdf, piece)
    output = io.BytesIO()
    pdf.save(output, deterministic_id=True)  # the same pages give the same bytes
    return output.getvalue()


def _pairs(flat: Object | None) -> list[tuple[Object, Object]]:
    """[k1, v1, k2, v2, ...] as pairs; nothing if it is not an array."""
    items = list(flat) if isinstance(flat, Array) else []
    return list(zip(items[0::2], items[1::2], strict=True))


def _target_page(target: Object | None) -> tuple[int, int] | None:
    """The page (its object number and generation) a destination or GoTo action points to."""
    if isinstance(target, Dictionary):
        target = target.get("/D", target.get("/Dest"))
    if isinstance(target, Array) and len(target) and isinstance(target[0], Dictionary):
        return target[0].objgen
    return None


def _prune_structure(tree: Dictionary, pdf: Pdf, kept: set) -> None:
    """Structure elements of the pages taken out removed, and their parent-tree entries."""
    kids = tree.get("/K")
    if isinstance(kids, Dictionary):
        _prune_element(kids, kept, page=None)
    elif isinstance(kids, Array):
        tree.K = Array(kid for kid in kids if _prune_element(kid, kept, page=None))
    keys = set()
    for page in pdf.pages:
        if "/StructParents" in page.obj:
            keys.add(int(page.obj.StructParents))
        for annotation in page.obj.get("/Annots", ()):
            if "/StructParent" in annotation:
                keys.add(int(annotation.StructParent))
    parent_tree = tree.get("/ParentTree")
    if isinstance(parent_tree, Dictionary) and "/Nums" in parent_tree:  # not a tree of /Kids
        parent_tree.Nums = Array(
            value
            for key, entry in _pairs(parent_tree.Nums)
            if int(key) in keys
            for value in (key, entry)
        )


def _prune_element(element: Object, kept: set, page: tuple[int, int] | None) -> bool:
    """Whether `element` has content on a kept page; its kids elsewhere are removed.

    `page` is the page its parent is on: a kid without a /Pg of its own is on that page. An
    element on a page is kept or removed whole: WeasyPrint tags each page's boxes apart, so
    nothing below it is on another page (and looking costs more than the rest of the cut).
    """
    if not isinstance(element, Dictionary):  # a marked-content id, on the parent's page
        return page is None or page in kept
    if "/Pg" in element:
        return element.Pg.objgen in kept
    kids = element.get("/K")
    if isinstance(kids, Array):
        element.K = Array(kid for kid in kids if _prune_element(kid, kept, page))
        return len(element.K) > 0
    if kids is not None:
        return _prune_element(kids, kept, page)
    return page is None or page in kept


def _prune_outlines(root: Object, outlines: Dictionary, kept: set) -> None:
    """Bookmarks to the pages taken out removed; none left, no outline."""
    visible = _prune_outline_level(outlines, kept)
    if "/First" in outlines:
        outlines.Count = visible
    else:
        del root.Outlines


def _prune_outline_level(parent: Dictionary, kept: set) -> int:
    """Keep the children of `parent` that point to kept pages; how many show when it is open.

    A bookmark to a page taken out goes with the bookmarks below it.
    """
    items, item = [], parent.get("/First")
    while isinstance(item, Dictionary):
        items.append(item)
        item = item.get("/Next")
    items = [item for item in items if _target_page(item.get("/Dest", item.get("/A"))) in kept]
    for item in items:
        for key in ("/Prev", "/Next"):
            if key in item:
                del item[key]
    for before, after in itertools.pairwise(items):
        before.Next, after.Prev = after, before
    visible = len(items)
    for item in items:
        is_open = int(item.get("/Count", 0)) >= 0
        below = _prune_outline_level(item, kept)
        if "/First" in item:
            item.Count = below if is_open else -below
            visible += below if is_open else 0
        elif "/Count" in item:
            del item.Count
    if items:
        parent.First, parent.Last = items[0], items[-1]
    else:
        for key in ("/First", "/Last"):
            if key in parent:
                del parent[key]
    return visible


def _set_metadata(pdf: Pdf, piece: Piece) -> None:
    """The piece's title, author and language, in the document information and in XMP."""
    pdf.Root.Lang = pikepdf.String(piece.language)
    pdf.docinfo.Title = pikepdf.String(piece.title)
    pdf.docinfo.Author = pikepdf.String(piece.author)
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = piece.title
        meta["dc:creator"] = [piece.author]

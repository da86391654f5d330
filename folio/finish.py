"""The last step of every PDF, on the file WeasyPrint wrote (or join.py joined): what a
reader's viewer, an archive and a press read at document level.

- /PageLabels: the front matter numbered in lower-case roman from the cover, as its pages
  print (the contents page is "ii"), and the body in arabic from 1 on the first chapter's
  first page, the page whose printed folio is 1. A blank page before the body belongs to the
  front matter: a viewer's "page 5" is the printed folio 5.
- the contents (and the lists of figures and tables) tagged /TOC and /TOCI, which
  WeasyPrint tags as the lists they are in the HTML (/L, /LI).
- the profile's own conformance: PDF/A-2 for the screen file (pdfa.py), PDF/X-4 for the
  print file (pdfx.py).

It works on the written bytes with pikepdf, so a report laid out in parts and joined gets
exactly what a report laid out in one process gets. The bytes stay reproducible: QPDF
writes the objects in a fixed order and the second half of /ID is a digest of the file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name

from .errors import BuildError


@dataclass(frozen=True)
class Finishing:
    """What the last step needs to know of the report."""

    profile: str  # screen, print or booklet (profiles.py)
    first_chapter: str  # the id of the first chapter: its page is the body's folio 1
    print_profile: Path | None = None  # the press's CMYK profile (report.yaml); None: FOGRA39


def finish(data: bytes, finishing: Finishing) -> bytes:
    """The PDF with page labels, its contents tagged as such and the profile's conformance."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        body = first_body_page(pdf, finishing.first_chapter)
        set_page_labels(pdf, body)
        tag_contents(pdf, body)
        if finishing.profile == "booklet":  # for paper only, imposed next (booklet.py)
            return save(pdf)
        if finishing.profile == "screen":
            from . import pdfa

            pdfa.conform(pdf)
            return save(pdf)
        from . import pdfx

        pdfx.conform(pdf, pdfx.press_for(finishing.print_profile))
        return save(pdf, version=PDFX_VERSION)


def first_body_page(pdf: pikepdf.Pdf, anchor: str) -> int:
    """The index of the page the named destination `anchor` (the first chapter) is on."""
    names = pdf.Root.get("/Names", Dictionary()).get("/Dests")
    target = pikepdf.NameTree(names).get(anchor) if names is not None else None
    if isinstance(target, Dictionary):
        target = target.get("/D")
    if not isinstance(target, Array) or len(target) == 0:
        raise BuildError(f"the first chapter's anchor #{anchor} is not in the PDF: cannot number its pages")
    page = target[0]
    for index, candidate in enumerate(pdf.pages):
        if candidate.obj.objgen == page.objgen:
            return index
    raise BuildError(f"the first chapter's anchor #{anchor} leads to no page of the PDF")


def set_page_labels(pdf: pikepdf.Pdf, body: int) -> None:
    """Roman from the cover, arabic from 1 at page index `body`."""
    nums = Array([0, Dictionary(S=Name.r)]) if body > 0 else Array()
    nums.extend([body, Dictionary(S=Name.D)])
    pdf.Root.PageLabels = Dictionary(Nums=nums)


# What a list becomes in the contents: ISO 32000-1, 14.8.4.3.2 (a TOCI holds a Lbl, a
# Reference, NonStruct or P, or a nested TOC; WeasyPrint's LBody holds the link).
_TOC_ROLES = {"/L": Name.TOC, "/LI": Name.TOCI, "/LBody": Name.NonStruct}


def tag_contents(pdf: pikepdf.Pdf, body: int) -> int:
    """Turn the lists of links on the front-matter pages (the contents, the lists of figures and
    tables) into /TOC with /TOCI items; a nested list of sections into a TOC inside its item.
    Returns the number of TOCs made."""
    front = {pdf.pages[i].obj.objgen for i in range(body)}
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or not front:
        return 0
    made = 0
    stack = [root.get("/K")]
    while stack:
        node = stack.pop()
        if isinstance(node, Array):
            stack.extend(node)
            continue
        if not isinstance(node, Dictionary) or "/S" not in node:
            continue
        page = node.get("/Pg")
        if node.S == "/L" and page is not None and page.objgen in front and _every_item_links(node):
            made += _retag(node)
            continue
        stack.append(node.get("/K"))
    return made


def _kids(element: Dictionary) -> list[Dictionary]:
    kids = element.get("/K")
    items = kids if isinstance(kids, Array) else [kids]
    return [kid for kid in items if isinstance(kid, Dictionary) and "/S" in kid]


def _every_item_links(element: Dictionary) -> bool:
    items = [kid for kid in _kids(element) if kid.S == "/LI"]
    return bool(items) and all(_has_link(item) for item in items)


def _has_link(element: Dictionary) -> bool:
    stack = [element]
    while stack:
        node = stack.pop()
        if node.S == "/Link":
            return True
        stack.extend(_kids(node))
    return False


def _retag(element: Dictionary) -> int:
    """The list and everything of it that has a TOC role, renamed; nested lists become TOCs too."""
    count = 1 if element.S == "/L" else 0
    element.S = _TOC_ROLES[str(element.S)]
    for kid in _kids(element):
        if str(kid.S) in _TOC_ROLES:
            count += _retag(kid)
    return count


PDFX_VERSION = "1.6"  # PDF/X-4 is PDF 1.6 (ISO 15930-7); nothing the file holds is newer


def save(pdf: pikepdf.Pdf, version: str | None = None) -> bytes:
    """The bytes, as reproducible as WeasyPrint's: /ID keeps its first half (profiles.identifier),
    the second is a digest of the file (deterministic_id).

    A stream whose compressed data ends with a carriage return (about one in 256: the last
    byte of a zlib stream is part of its checksum) is followed by QPDF's "\\nendstream", and the
    CR and the LF then read as one end of line: the data one byte shorter than its /Length, which
    PDF/A's validators report (ISO 19005-2, 6.1.7.1). A lone CR is an end of line too, and the
    same length: "\\r\\rendstream" reads as the data, its CR, then a CR before endstream, with
    every byte offset in the file unchanged.
    """
    buffer = io.BytesIO()
    # fix_metadata_version would stamp the XMP with pikepdf's own date: pdfa.py and pdfx.py set it.
    pdf.save(buffer, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate, force_version=version)
    return buffer.getvalue().replace(b"\r\nendstream", b"\r\rendstream")

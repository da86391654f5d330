"""The booklet profile: the report's pages imposed for an office printer as a saddle-stitched
booklet: two pages side by side on each side of a sheet turned landscape: by default the
report's own paper (A4 pages at 71 % on A4 sheets, the size of A5; Letter pages at 65 % on
Letter), or the sheet twice its size (`--sheet A3`: A4 pages at full size; Tabloid for Letter),
in the order that, printed on both sides (flip on the short edge), folded in half and
stapled at the fold, reads page after page.

Blank pages are added at the end so that the pages fill whole sheets (four pages a sheet).
The pages are placed as form XObjects (pikepdf), so text stays text and vectors stay sharp.
The booklet is for paper only: the screen PDF is the accessible one (an imposed sheet has
no reading order of its own).
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import pikepdf
from pikepdf import Dictionary

# The sheets, turned landscape, in points: the report's paper, or the sheet twice its size.
SHEETS = {"A4": (841.89, 595.28), "Letter": (792.0, 612.0), "A3": (1190.55, 841.89), "Tabloid": (1224.0, 792.0)}
# The sheets a report's pages may be imposed on: its own paper (pages reduced) or twice it (full size).
SHEETS_FOR = {"A4": ("A4", "A3"), "Letter": ("Letter", "Tabloid")}


@dataclass(frozen=True)
class Imposed:
    data: bytes
    pages: int  # pages of the report
    blanks: int  # blank pages added to fill the last sheet
    sheets: int
    paper: str

    def how_to(self) -> str:
        """The line the build prints: how to print it in the office."""
        blanks = f", {self.blanks} blank page{'s' if self.blanks != 1 else ''} added at the end" if self.blanks else ""
        return (f"booklet: {self.pages} pages on {self.sheets} {self.paper} sheet{'s' if self.sheets != 1 else ''}"
                f"{blanks}; to print: double-sided, flip on the short edge, actual size (not 'fit'), "
                "then fold the stack in half and staple at the fold")


def order(pages: int) -> list[tuple[int | None, int | None]]:
    """The sides of the sheets in printing order, each (left page, right page), pages numbered
    from 0 and None for a blank. Sheet i carries, outside, the last page but 2i and page 2i,
    and inside, page 2i + 1 and the last but 2i + 1: the outermost sheet holds the first and
    last pages, the innermost the middle pair."""
    if pages < 1:
        return []
    total = math.ceil(pages / 4) * 4

    def page(index: int) -> int | None:
        return index if index < pages else None

    sides: list[tuple[int | None, int | None]] = []
    for sheet in range(total // 4):
        sides.append((page(total - 1 - 2 * sheet), page(2 * sheet)))  # the outside of the sheet
        sides.append((page(2 * sheet + 1), page(total - 2 - 2 * sheet)))  # the inside, on the back
    return sides


def _placed(name: str, form: pikepdf.Object, x0: float, width: float, height: float) -> str:
    """The operators that draw a page's form centred in the box (x0, 0, x0 + width, height), scaled to fit."""
    left, bottom, right, top = (float(v) for v in form.BBox)
    scale = min(width / (right - left), height / (top - bottom))
    dx = x0 + (width - scale * (right - left)) / 2 - scale * left
    dy = (height - scale * (top - bottom)) / 2 - scale * bottom
    return f"q {scale:.5f} 0 0 {scale:.5f} {dx:.3f} {dy:.3f} cm {name} Do Q"


def impose(data: bytes, paper: str) -> Imposed:
    """The booklet of the PDF's pages on `paper` sheets (A4, Letter, A3 or Tabloid)."""
    width, height = SHEETS[paper]
    with pikepdf.open(io.BytesIO(data)) as source, pikepdf.new() as out:
        count = len(source.pages)
        sides = order(count)
        forms: dict[int, pikepdf.Object] = {}
        for left, right in sides:
            sheet = out.add_blank_page(page_size=(width, height))
            drawn, names = [], Dictionary()
            for index, x0 in ((left, 0.0), (right, width / 2)):
                if index is None:
                    continue
                if index not in forms:
                    forms[index] = out.copy_foreign(source.pages[index].as_form_xobject())
                name = f"/Page{index + 1}"  # fixed names: the same input, the same bytes
                names[name] = forms[index]
                drawn.append(_placed(name, forms[index], x0, width / 2, height))
            sheet.obj.Resources = Dictionary(XObject=names)
            sheet.obj.Contents = out.make_stream("\n".join(drawn).encode("ascii"))
        info = source.docinfo
        for key in ("/Title", "/Author", "/Subject"):
            if key in info:
                out.docinfo[key] = info[key]
        out.docinfo["/Creator"] = pikepdf.String("folio (booklet)")
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    blanks = len(sides) * 2 - count
    return Imposed(buffer.getvalue(), count, blanks, len(sides) // 2, paper)

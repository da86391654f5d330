"""Keep every footnote on the page of its call: a fix to WeasyPrint 70.0's layout, and a check.

When the first lines of a paragraph do not fit at the foot of a page and
orphans/widows forbid breaking before them, WeasyPrint 70.0 moves the page's
last footnote to the next page to make room (`_linebox_layout`, the
"report footnotes" branch), even though that note's call stays on this page.
No stylesheet avoids it (orphans and widows of 1 still take that branch for a
paragraph's first line): in trials one report in two had a note a page late.
The branch is skipped when `context.in_column` is true, and `_linebox_layout`
reads `in_column` nowhere else; so, for reads made by that function only,
`in_column` answers true and the paragraph is broken by the ordinary
orphans/widows rules instead. Everything else sees the real value. The notes
that cannot fit still move with their call's line (`footnote-policy: line`).

Applied only to the version it was written against; tests/test_blocks_pdf.py
checks every note of a footnote-dense report against its call's page.

`check_notes` then proves it for every build: a note that still lands away from
its call (one too long for any page foot is dropped by the engine, silently)
fails the build, naming the note. A note too long for its call's page is cut by
the preflight first (folio/notesplit.py); the check follows each of its parts.
"""

from __future__ import annotations

import sys

from .errors import BuildError

PATCHED_VERSION = "70.0"


def apply() -> bool:
    """Install the fix once; False when this WeasyPrint is not the version it fits."""
    import weasyprint
    from weasyprint.layout import LayoutContext, block

    if weasyprint.__version__ != PATCHED_VERSION or isinstance(LayoutContext.__dict__.get("in_column"), property):
        return isinstance(LayoutContext.__dict__.get("in_column"), property)
    code = block._linebox_layout.__code__

    def get(self: LayoutContext) -> bool:
        if sys._getframe(1).f_code is code:
            return True
        return self.__dict__.get("_in_column", False)

    def set_(self: LayoutContext, value: bool) -> None:
        self.__dict__["_in_column"] = value

    LayoutContext.in_column = property(get, set_)
    return True


def check_notes(document) -> None:
    """Every footnote on the page of its call (resolve.py marks the call with id 'call-<id>').

    The engine cannot split a note across pages: the preflight cuts a long one into parts
    (notesplit.py), whose continuations have ids 'note-<id>~2', '~3'... Each part must be on
    the page of the part before it or the next, and no note may run past its page foot, where
    the engine would clip it. Anything else (a note dropped or moved away from its call without
    a word) fails the build here, naming the note.
    """
    from weasyprint.formatting_structure import boxes

    from .notesplit import CONT_SEP

    first_page: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            first_page.setdefault(anchor, number)
    misplaced = [anchor.removeprefix("call-") for anchor, page in first_page.items()
                 if anchor.startswith("call-") and first_page.get("note-" + anchor.removeprefix("call-")) != page]
    for anchor, page in first_page.items():
        base, _, part = anchor.partition(CONT_SEP)
        if anchor.startswith("note-") and part.isdigit():
            before = first_page.get(base if part == "2" else f"{base}{CONT_SEP}{int(part) - 1}")
            if before is None or page not in (before, before + 1):
                misplaced.append(base.removeprefix("note-"))
    for page in document.pages:
        box = page._page_box
        foot = box.content_box_y() + box.height + 1
        for area in box.children:
            if isinstance(area, boxes.FootnoteAreaBox):
                for note in area.children:
                    ident = (note.element.get("id") or "") if note.element is not None else ""
                    if ident.startswith("note-") and note.position_y + note.margin_height() > foot:
                        misplaced.append(ident.removeprefix("note-").partition(CONT_SEP)[0])
                    parts = note.element.get("data-parts", "") if note.element is not None else ""
                    if parts.isdigit() and any(f"{ident}{CONT_SEP}{k}" not in first_page
                                               for k in range(2, int(parts) + 1)):
                        misplaced.append(ident.removeprefix("note-"))  # a part dropped by the engine
    misplaced = list(dict.fromkeys(misplaced))
    if misplaced:
        shown = "; ".join("note '{1}' of chapter '{0}'".format(*m.split(".", 1)) for m in misplaced)
        raise BuildError(f"a footnote could not be set at the foot of the page that calls it ({shown}): "
                         "the engine cannot split a note across pages, and the preflight could not cut it "
                         "to fit; shorten the note, or move part of it into the text")

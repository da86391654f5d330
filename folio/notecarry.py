"""A note carried to the next page is set there once: a fix to WeasyPrint 70.0's page loop.

A footnote that does not fit on its call's page ('footnote-policy: auto', as a cut note's
continuation is, notesplit.py) is carried over: the engine keeps it in
`context.reported_footnotes` and sets it at the head of the next page's notes. When it lays
the pages out again (a page number or a counter changed), it remakes only the pages that
changed (`make_all_pages`); a page it keeps as it was does not take the carried notes, so
those of a remade page stay in the list and are set a second time on the next page it
remakes, pages later: the same note on two pages. Here each page's carried notes are kept
as that page's layout left them, and a page kept as it was hands on its own, as it did when
it was made.

Applied only to the version it was written against; whatever the engine, the preflight
(notecuts.note_defects) finds a note part set on two pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

PATCHED_VERSION = "70.0"


def apply() -> bool:
    """Install the fix once; False when this WeasyPrint is not the version it fits."""
    import weasyprint
    from weasyprint import layout
    from weasyprint.layout import page

    if getattr(layout.make_all_pages, "folio_fix", False):
        return True
    if weasyprint.__version__ != PATCHED_VERSION:
        return False
    remake_page, logger = page.remake_page, page.PROGRESS_LOGGER

    def make_all_pages(context: Any, root_box: Any, html: Any, pages: list) -> Iterator[Any]:
        # WeasyPrint 70.0's make_all_pages, but for the lines marked "carried"
        carried = context.__dict__.setdefault("_folio_carried", {})  # page index -> notes it carried over
        i = 0
        reported_footnotes = None
        context.rendered_notes = []
        while True:
            remake_state = context.page_maker[i][-1]
            if len(pages) == 0 or remake_state["content_changed"] or remake_state["pages_wanted"]:
                logger.info("Step 5 - Creating layout - Page %d", i + 1)
                remake_state["content_changed"] = False
                remake_state["pages_wanted"] = False
                remake_state["anchors"] = []
                remake_state["content_lookups"] = []
                made, resume_at = remake_page(i, context, root_box, html)
                reported_footnotes = context.reported_footnotes
                carried[i] = list(context.reported_footnotes)  # carried
                yield made
            else:
                logger.info("Step 5 - Creating layout - Page %d (up-to-date)", i + 1)
                resume_at = context.page_maker[i + 1][0]
                reported_footnotes = None
                context.reported_footnotes = list(carried.get(i, ()))  # carried
                yield pages[i]
            i += 1
            if resume_at is None and not reported_footnotes:
                context.page_maker = context.page_maker[:i + 1]
                context.broken_out_of_flow.clear()
                context.reported_footnotes.clear()
                return

    make_all_pages.folio_fix = True  # type: ignore[attr-defined]
    make_all_pages.engines = page.make_all_pages  # type: ignore[attr-defined]  # for the tests
    page.make_all_pages = layout.make_all_pages = make_all_pages
    return True

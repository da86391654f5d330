"""Keep every footnote on the page of its call: a targeted fix to WeasyPrint 70.0's layout.

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
"""

from __future__ import annotations

import sys

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

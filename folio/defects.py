"""What the preflight finds: each kind of layout defect, and how it reads in a report."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = {  # kind -> how it reads in a report
    "hyphen-break": "word hyphenated across a break",
    "widow": "widow",
    "orphan": "orphan",
    "stranded-heading": "heading last on the page",
    "stranded-caption": "caption apart from its figure",
    "overfull": "line past the text block",
    "footnote-away": "footnote on another page than its call",
    "footnote-pushed": "long footnote took its call to the next page",
    "footnote-tall": "footnote past the foot of the page",
    "footnote-lost": "part of a footnote on no page",
    "footnote-joined": "footnote cut, its parts on one page",
    "empty-page": "empty page at the end",
    "hyphen-run": "more than two hyphenated line ends in a row",
    "hyphenated-heading": "hyphenated word in a heading",
    "runt": "a paragraph's last line only the end of a hyphenated word",
    "loose": "loose line",
}


@dataclass(frozen=True)
class Defect:
    kind: str
    page: int  # 1-based, as a PDF viewer counts
    key: str  # the data-src of the block it is in ("" when none)
    text: str  # a snippet of the lines involved
    detail: str = ""
    free: float = 0.0  # a loose line: the share of its width justification had to fill
    word: tuple[str, int] = ("", 0)  # a hyphenated word, and which occurrence in its block (1: the first)
    zone: float = 0.0  # a loose line: its block's hyphenate-limit-zone, in % of the line
    lines_after: int = 0  # a word broken across a break: the block's lines after it, when it ends there
    note: str = ""  # a footnote's defect: the note's id ('<chapter>.<note>'), which a split may mend
    composed: bool = False  # in a paragraph the composer broke into lines (its looseness may mend it)
    # the pages `detail` names, as {0}, {1}...: a part laid out alone (chunks.py) counts its own
    # pages from 1, and moves these with `page` to the report's numbers
    at: tuple[int, ...] = ()

    @property
    def ident(self) -> tuple[str, str, str]:
        """The same defect in another layout, where pages may have moved."""
        return (self.kind, self.key, self.text)

    def describe(self) -> str:
        detail = self.detail.format(*self.at) if self.at else self.detail
        extra = f" ({detail})" if detail else ""
        return f"{KINDS[self.kind]}: \"{self.text}\"{extra}"

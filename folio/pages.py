"""Reading the engine's pages: the lines of the flow, the notes and their parts, page by page.

The preflight (preflight.py) never reads the PDF: it reads WeasyPrint's own page,
line and footnote-area boxes, and keeps for each line its block (`data-src`), page,
position, text and whether it ends in a hyphen, and for each footnote its call's page
and line and the page each of its parts is set on. What is wrong in a single box (a
line past the text block or the page edge, notes drawn over the text) is found here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from . import notesplit
from .defects import Defect

TOLERANCE_PX = 0.75  # a glyph may pass the text block's edge by this much (about half a point)
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


@dataclass(eq=False)
class Line:
    """One line (or one atomic block: a table row, an image) of a page's flow."""

    page: int
    key: str
    element: Any  # the HTML element of the block the line belongs to
    tag: str
    classes: str
    top: float
    bottom: float
    left: float = 0.0
    text: str = ""
    hyphen: str = ""  # "auto": the engine hyphenated; "explicit": broken at the word's own hyphen
    spacing_em: float = 0.0  # justification added to each word space, in em
    free: float = 0.0  # the share of the line's width that justification filled
    zone: float = 0.0  # hyphenate-limit-zone, in % of the line's width
    hyphenates: bool = False  # justified running text: counts toward the hyphenation figures
    atomic: bool = False

    @property
    def heading(self) -> bool:
        return self.tag in HEADINGS or "subheading" in self.classes.split()

    @property
    def caption(self) -> bool:
        return self.tag in ("figcaption", "caption") or "caption" in self.classes.split()


@dataclass
class Pages:
    lines: list[Line]  # the flow of every page, in order
    calls: dict[int, tuple[int, str, str]]  # id(note element) -> (page of its call, key, text)
    notes: dict[int, int]  # id(note element) -> page its body is on
    defects: list[Defect]  # found while reading: overfull, notes over text
    frames: dict[int, Frame] = field(default_factory=dict)  # page -> its text block and note area
    parts: dict[str, list[NotePart]] = field(default_factory=dict)  # note id -> its parts, in order
    call_at: dict[str, tuple[int, float, str, str]] = field(default_factory=dict)  # note id -> (page, bottom of
    # its call's line, key, text)
    expected: dict[str, int] = field(default_factory=dict)  # note id -> the parts it was cut into
    words: dict[str, int] = field(default_factory=dict)  # note id -> its words, all parts, from their calls
    order: dict[str, int] = field(default_factory=dict)  # note id -> its call's place among the calls
    # note id -> the bottom of the block its call may not leave (a box, a short table, a row), on its page
    keep_bottom: dict[str, float] = field(default_factory=dict)


@dataclass
class Frame:
    """One page's text block and footnote area, in px from the page's top edge."""

    top: float
    bottom: float  # the text block's foot, notes included
    flow_bottom: float = 0.0  # the last line of the running text
    notes: float = 0.0  # the height of the notes set here
    overhead: float = 0.0  # the area's margin, rule and padding (0: no notes here)
    max_notes: float = 0.0  # the area's max-height
    forced: bool = False  # the running text starts here after a forced break (a new chapter, say)


@dataclass
class NotePart:
    """A footnote (part 1) or one of its continuations, as set at a page foot."""

    note: str
    part: int  # 1: the note at its call; 2...: continuations
    page: int
    top: float
    bottom: float
    lines: list[tuple[str, float]]  # each line's own text (no marker) and height
    text: str  # the part's words, from its element


def read_pages(document: Any) -> Pages:
    from .typeset import boxes

    out = Pages([], {}, {}, [])
    last_chain: list[Any] = []  # the boxes ending the page before
    for number, page in enumerate(document.pages, 1):
        box = page._page_box
        trim = (0.0, 0.0, box.margin_width(), box.margin_height())
        text_right = box.content_box_x() + box.width
        flow_bottom = 0.0
        frame = out.frames[number] = Frame(box.content_box_y(), box.content_box_y() + box.height)
        for child in box.children:
            if isinstance(child, boxes.MarginBox):
                _check_trim(child, trim, number, out, boxes)
            elif isinstance(child, boxes.FootnoteAreaBox):
                frame.notes, frame.max_notes = child.height, child.max_height
                frame.overhead = child.margin_height() - child.height if child.children else 0.0
                for note in child.children:
                    if not _note_part(note, number, out, boxes):  # a note resolve.py did not write
                        out.notes[id(note.element)] = number
                if child.children and flow_bottom > child.position_y + TOLERANCE_PX:
                    out.defects.append(Defect("overfull", number, "", snippet(_text(child)),
                                              "the footnotes are drawn over the text"))
                _check_trim(child, trim, number, out, boxes)
            else:
                before = len(out.lines)
                _walk(child, "", number, text_right, trim, out, boxes)
                flow_bottom = max([ln.bottom for ln in out.lines[before:]], default=flow_bottom)
                frame.forced = _forced_start(last_chain, child)
                last_chain = _chain(child, False)
        frame.flow_bottom = flow_bottom
    for parts in out.parts.values():
        parts.sort(key=lambda p: p.part)
    return out


FORCED = ("page", "left", "right", "recto", "verso")


def _chain(root: Any, first: bool) -> list[Any]:
    """The boxes down the first (or last) edge of a page's running text."""
    chain, box = [], root
    while box is not None:
        chain.append(box)
        children = getattr(box, "children", None)
        box = (children[0] if first else children[-1]) if children else None
    return chain


def _forced_start(previous: list[Any], root: Any) -> bool:
    """Does this page's running text begin after a forced break (break-before or -after: page)?

    A box that goes on from the page before (the same element at the end of that page) is a
    fragment of a block begun there: its break-before was taken on an earlier page."""
    first = _chain(root, True)
    before = {id(b.element) for b in previous}
    after = {id(b.element) for b in first}
    return (any(b.style["break_before"] in FORCED and id(b.element) not in before for b in first)
            or any(b.style["break_after"] in FORCED and id(b.element) not in after for b in previous))


def _note_part(note: Any, page: int, out: Pages, boxes: Any) -> bool:
    ident = (note.element.get("id") or "") if note.element is not None else ""
    if not ident.startswith("note-"):
        return False
    base, _, part = ident.removeprefix("note-").partition(notesplit.CONT_SEP)
    if note.element.get("data-parts", "").isdigit():
        out.expected[base] = int(note.element.get("data-parts"))
    lines = [("".join(t.text for t in _own_texts(ln, boxes)), ln.height) for ln in _line_boxes(note, boxes)]
    out.parts.setdefault(base, []).append(NotePart(
        base, int(part) if part.isdigit() else 1, page, note.position_y, note.position_y + note.margin_height(),
        lines, "".join(note.element.itertext())))
    return True


def _line_boxes(box: Any, boxes: Any) -> Iterator[Any]:
    """The lines of a block, in order: not the lines inside an inline-block of a line (the
    note's marker is one), which are part of that line, not lines of their own."""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.LineBox):
            yield child
        else:
            yield from _line_boxes(child, boxes)


def _own_texts(box: Any, boxes: Any) -> Iterator[Any]:
    """The text boxes of the element's own text: no marker, no generated content (a page number)."""
    for child in getattr(box, "children", ()):
        if child.element_tag and "::" in child.element_tag:
            continue
        if isinstance(child, boxes.TextBox):
            yield child
        else:
            yield from _own_texts(child, boxes)


def _walk(box: Any, key: str, page: int, right: float, trim: tuple, out: Pages, boxes: Any,
          keep: float | None = None) -> None:
    """Read the box's lines; `keep` is the bottom of the outermost block around it that may not
    be split (a box, a short table, a figure, a table row): a note called inside comes back to
    the page before only with all of it."""
    element = box.element
    if element is not None and box.element_tag and "::" not in box.element_tag:
        key = element.get("data-src") or key
    if keep is None and isinstance(box, boxes.BlockBox | boxes.TableRowBox) and box.style["break_inside"] in (
            "avoid", "avoid-page"):
        keep = box.position_y + box.margin_height()
    if isinstance(box, boxes.LineBox):
        out.lines.append(_line(box, key, page, right, trim, out, boxes, keep))
        return
    if isinstance(box, boxes.TableRowBox):  # a note called in a cell: its call is the whole row's
        for line in box.descendants():
            if isinstance(line, boxes.LineBox):
                _calls(line, key, page, out, boxes, box.position_y + box.margin_height(), keep)
    if isinstance(box, boxes.TableRowBox | boxes.ReplacedBox):  # atomic here: no lines read inside
        out.lines.append(Line(page, key, element, box.element_tag or "", _cls(element),
                              box.position_y, box.position_y + box.margin_height(), box.position_x, atomic=True))
        if box.position_x + box.margin_width() > right + TOLERANCE_PX:
            out.defects.append(Defect("overfull", page, key, f"<{box.element_tag}>",
                                      f"{(box.position_x + box.margin_width() - right) * 0.75:.1f} pt "
                                      "past the text block"))
        _check_trim(box, trim, page, out, boxes, key)
        return
    if isinstance(box, boxes.BlockContainerBox) and box.width != "auto":
        right = min(right, box.content_box_x() + box.width) if box.children else right
    for child in getattr(box, "children", ()):
        _walk(child, key, page, right, trim, out, boxes, keep)


def _calls(box: Any, key: str, page: int, out: Pages, boxes: Any, bottom: float, keep: float | None) -> None:
    """Record the note calls of a line whose call comes back to a page only with `bottom`."""
    texts = [d for d in box.descendants() if isinstance(d, boxes.TextBox)]
    for d in box.descendants():
        if d.footnote is not None:
            out.calls[id(d.footnote.element)] = (page, key, snippet(_join(texts)))
            ident = d.footnote.element.get("id") or ""
            base = ident.removeprefix("note-").partition(notesplit.CONT_SEP)[0]
            if ident.startswith("note-"):
                words = len(notesplit.words("".join(d.footnote.element.itertext())))
                out.words[base] = out.words.get(base, 0) + words
            if ident.startswith("note-") and notesplit.CONT_SEP not in ident:
                out.call_at[base] = (page, bottom, key, snippet(_join(texts)))
                out.order.setdefault(base, len(out.order))
                if keep is not None:
                    out.keep_bottom[base] = keep


def _line(box: Any, key: str, page: int, right: float, trim: tuple, out: Pages, boxes: Any,
          keep: float | None = None) -> Line:
    texts = [d for d in box.descendants() if isinstance(d, boxes.TextBox)]
    _calls(box, key, page, out, boxes, box.position_y + box.height, keep)
    parent = box.element
    line = Line(page, key, parent, box.element_tag or "", _cls(parent), box.position_y,
                box.position_y + box.height, box.position_x, text=_join(texts))
    if texts:
        last = texts[-1]
        style = last.style
        line.hyphenates = style["text_align_all"] == "justify"  # running text, hyphenated or not
        if last.text.endswith(style["hyphenate_character"]):
            line.hyphen = "auto"
        elif re.search(r"\w-$", last.text):
            line.hyphen = "explicit"
        spaced = [t.justification_spacing / t.style["font_size"] for t in texts if t.justification_spacing]
        line.spacing_em = max(spaced, default=0.0)
        width = right - box.position_x
        if width > 0:
            line.free = sum(t.justification_spacing * t.text.count(" ") for t in texts) / width
            zone = style["hyphenate_limit_zone"]
            if style["hyphens"] == "auto":  # else no zone makes the engine hyphenate
                line.zone = zone.value if zone.unit == "%" else 100 * zone.value / width
        ink = max(t.position_x + t.width for t in texts)
        if ink > right + TOLERANCE_PX:
            out.defects.append(Defect("overfull", page, key, snippet(line.text, tail=True),
                                      f"{(ink - right) * 0.75:.1f} pt past the text block"))
            return line  # past the page too, most likely: said once
    _check_trim(box, trim, page, out, boxes, key)
    return line


def _check_trim(box: Any, trim: tuple, page: int, out: Pages, boxes: Any, key: str = "") -> None:
    for d in box.descendants():
        if isinstance(d, boxes.TextBox | boxes.ReplacedBox):
            x, y = d.position_x, d.position_y
            if (x < trim[0] - TOLERANCE_PX or y < trim[1] - TOLERANCE_PX
                    or x + d.width > trim[2] + TOLERANCE_PX or y + d.height > trim[3] + TOLERANCE_PX):
                out.defects.append(Defect("overfull", page, key, snippet(getattr(d, "text", "(image)")),
                                          "past the edge of the page"))
                return


def _cls(element: Any) -> str:
    return (element.get("class") or "") if element is not None else ""


def _join(texts: list) -> str:
    return "".join(t.text for t in texts)


def _text(box: Any) -> str:
    return " ".join(d.text for d in box.descendants() if hasattr(d, "text") and isinstance(d.text, str))


def snippet(text: str, n: int = 50, tail: bool = False) -> str:
    text = " ".join(text.split())
    if len(text) <= n:
        return text
    return "..." + text[-(n - 3):] if tail else text[: n - 3] + "..."

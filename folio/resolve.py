"""Number, identify and cross-reference the report; turn its text into safe HTML.

The result, a `Document`, is everything the templates need and nothing they
must compute: chapter numbers (Roman) and section numbers (Arabic), anchors,
labels for cross-references, every string as escaped HTML. Problems found on
the way (duplicate ids, unknown references or notes) are collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from . import model as m
from .errors import Position, Problems
from .markup import Context, Target, make_parser, plain_text, render_inline
from .words import format_date, words_for


def roman(number: int) -> str:
    """1 -> 'I', 14 -> 'XIV'."""
    values = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
              (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = []
    for value, letters in values:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


@dataclass
class BlockView:
    kind: str  # paragraph, subheading, quote, list, table, figure, chart, keyfigures, box
    html: Markup = field(default_factory=Markup)
    data: dict[str, Any] = field(default_factory=dict)
    src: str = ""  # data-src key: the content file and line, for preflight to point back at


@dataclass
class SectionView:
    id: str
    number: str  # "3"
    label: str  # "III.3"
    title: Markup
    title_text: str
    blocks: list[BlockView]
    src: str = ""


@dataclass
class ChapterView:
    id: str
    number: str  # "III", or "" when unnumbered
    title: Markup
    title_text: str
    blocks: list[BlockView]
    sections: list[SectionView]
    src: str = ""


@dataclass
class Document:
    report: m.Report
    words: dict[str, str]
    date_text: str
    chapters: list[ChapterView]
    meta: dict[str, str]
    sources: dict[str, Position] = field(default_factory=dict)  # data-src key -> where it came from


class Resolver:
    def __init__(self, report: m.Report, problems: Problems) -> None:
        self.report = report
        self.problems = problems
        self.md = make_parser(report.language)
        self.words = words_for(report.language)
        self.targets: dict[str, Target] = {}
        self.note_number = 0
        self.sources: dict[str, Position] = {}

    def resolve(self) -> Document:
        report = self.report
        self._collect_targets()
        chapters = [self._chapter(ch) for ch in report.chapters]
        title = report.full_title
        meta = {
            "title": title,
            "author": plain_text(self.md, report.issuer),
            "subject": plain_text(self.md, report.subject) if report.subject else "",
            "keywords": ", ".join(report.keywords),
            "language": report.language,
            "date": report.date.isoformat(),
        }
        return Document(report, self.words, format_date(report.date, report.language), chapters, meta,
                        self.sources)

    def _src(self, pos: Position | None) -> str:
        """A stable key for a block's element: 'file:line', made unique with the column."""
        if pos is None:
            return ""
        key = f"{pos.path.name}:{pos.line}"
        if key in self.sources:
            key = f"{key}:{pos.column}"
        while key in self.sources:
            key += "+"
        self.sources[key] = pos
        return key

    # -- ids and labels -------------------------------------------------

    def _collect_targets(self) -> None:
        seen: dict[str, m.Text] = {}
        number = 0
        for chapter in self.report.chapters:
            if chapter.numbered:
                number += 1
            label = (f"{self.words['chapter']} {roman(number)}" if chapter.numbered
                     else chapter.title.value)
            self._add_target(chapter.id, Target(label, "chapter"), chapter.title, seen)
            for i, section in enumerate(chapter.sections, 1):
                prefix = f"{roman(number)}." if chapter.numbered else ""
                self._add_target(section.id, Target(f"{self.words['section']} {prefix}{i}", "section"),
                                 section.title, seen)

    def _add_target(self, ident: str, target: Target, where: m.Text, seen: dict[str, m.Text]) -> None:
        if ident in seen:
            first = seen[ident]
            self.problems.add(where.pos, f"id '{ident}' is used twice (first at {first.pos})",
                              also=(first.pos,), hint="give each chapter and section an id of its own")
            return
        seen[ident] = where
        self.targets[ident] = target

    # -- structure ------------------------------------------------------

    def _chapter(self, chapter: m.Chapter) -> ChapterView:
        ctx = Context(self.targets, chapter.notes, self.words, self.problems, self._note)
        number = ""
        if chapter.numbered:
            number = roman(sum(1 for c in self.report.chapters[: self.report.chapters.index(chapter) + 1]
                               if c.numbered))
        sections = []
        for i, section in enumerate(chapter.sections, 1):
            sections.append(SectionView(
                id=section.id,
                number=str(i),
                label=f"{number}.{i}" if number else str(i),
                title=self._inline(section.title, ctx, notes=False),
                title_text=plain_text(self.md, section.title),
                blocks=self._blocks(section.blocks, ctx),
                src=self._src(section.title.pos),
            ))
        view = ChapterView(
            id=chapter.id,
            number=number,
            title=self._inline(chapter.title, ctx, notes=False),
            title_text=plain_text(self.md, chapter.title),
            blocks=self._blocks(chapter.blocks, ctx),
            sections=sections,
            src=self._src(chapter.title.pos),
        )
        for ident, text in chapter.notes.items():
            if ident not in ctx.called:
                self.problems.add(text.pos, f"note '{ident}' is never called",
                                  hint=f"call it with [^{ident}] where it belongs, or delete it")
        return view

    def _note(self, ident: str, text: m.Text) -> Markup:
        ctx = Context(self.targets, {}, self.words, self.problems)
        body = render_inline(self.md, text, ctx, allow_notes=False)
        return Markup('<span class="footnote" id="note-{}">{}</span>').format(ident, body)

    def _inline(self, text: m.Text, ctx: Context, notes: bool = True) -> Markup:
        return render_inline(self.md, text, ctx, allow_notes=notes)

    def _blocks(self, blocks: tuple[m.Block, ...], ctx: Context) -> list[BlockView]:
        out = []
        for block in blocks:
            view = self._block(block, ctx)
            if view is not None:
                view.src = self._src(_block_pos(block))
                out.append(view)
        return out

    def _block(self, block: m.Block, ctx: Context) -> BlockView | None:
        if isinstance(block, m.Paragraph):
            return BlockView("paragraph", self._inline(block.text, ctx))
        if isinstance(block, m.Subheading):
            return BlockView("subheading", self._inline(block.text, ctx, notes=False))
        if isinstance(block, m.Quote):
            source = self._inline(block.source, ctx) if block.source else None
            return BlockView("quote", self._inline(block.text, ctx), {"source": source})
        if isinstance(block, m.ListBlock):
            items = [{"html": self._inline(item.text, ctx),
                      "children": [self._inline(c, ctx) for c in item.children]}
                     for item in block.items]
            return BlockView("list", data={"ordered": block.ordered, "items": items})
        raise TypeError(f"no view for {type(block).__name__}")  # a new block type needs a view here


def _block_pos(block: m.Block) -> Position | None:
    """Where a block starts in its file: its own position, or its first text's."""
    pos = getattr(block, "pos", None)
    if pos is not None:
        return pos
    for name in ("text", "title", "caption", "alt"):
        text = getattr(block, name, None)
        if isinstance(text, m.Text):
            return text.pos
    if isinstance(block, m.ListBlock) and block.items:
        return block.items[0].text.pos
    if isinstance(block, m.KeyFigures) and block.items:
        return block.items[0].value.pos
    return None

"""Number, identify and cross-reference the report; turn its text into safe HTML.

The result, a `Document`, is everything the templates need and nothing they
must compute: chapter numbers (Roman) and section numbers (Arabic), anchors,
labels for cross-references, every string as escaped HTML. Problems found on
the way (duplicate ids, unknown references or notes) are collected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import keyfit
from . import model as m
from .chartdata import ChartData, number_text
from .errors import Position, Problems, locate
from .markup import DROP, Context, Target, make_parser, plain_text, render_inline
from .paths import TEMPLATES_DIR
from .validate import slugify
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


_TEMPLATE_ID = re.compile(r"""(?<![\w-])id=(["'])(.*?)\1""")


@dataclass(frozen=True)
class Reserved:
    """The ids the templates write themselves, read from the templates (not a list kept by hand):
    `id="contents-title"` reserves that id, `id="list-of-{{ kind }}"` every id starting
    'list-of-'; `id="{{ chapter.id }}"` is the author's. Each maps to the template and line."""

    exact: dict[str, str]
    prefixes: dict[str, str]

    def clash(self, ident: str) -> str:
        """Where a template writes `ident` (templates/contents.html:4), or ''."""
        if ident in self.exact:
            return self.exact[ident]
        return next((where for prefix, where in self.prefixes.items() if ident.startswith(prefix)), "")


def template_ids(folder: Path = TEMPLATES_DIR) -> Reserved:
    exact: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    for path in sorted(folder.rglob("*.html")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in _TEMPLATE_ID.finditer(line):
                value = match.group(2)
                where = f"{path.relative_to(folder.parent).as_posix()}:{number}"
                fixed = re.split(r"\{[{%]", value, maxsplit=1)[0]  # the literal part before any Jinja
                if fixed == value:
                    exact.setdefault(value, where)
                elif fixed:
                    prefixes.setdefault(fixed, where)
    return Reserved(exact, prefixes)


def _id_pos(ident: str, start: Position, title: m.Text) -> Position:
    """Where the id is written (`id: press` among the mapping's keys), else where its title is."""
    found = locate(start, f"id: {ident}", column=start.column)
    return found if found != start else title.pos


@dataclass
class BlockView:
    kind: str  # paragraph, subheading, quote, list, table, figure, chart, keyfigures, box
    html: Markup = field(default_factory=Markup)
    data: dict[str, Any] = field(default_factory=dict)
    src: str = ""  # data-src key: the content file and line, for preflight to point back at


@dataclass
class SectionView:
    """A section, or a sub-section (number "3.2", label "III.3.2", no sub-sections of its own)."""

    id: str
    number: str  # "3"
    label: str  # "III.3"
    title: Markup
    title_text: str
    blocks: list[BlockView]
    src: str = ""
    subsections: list[SectionView] = field(default_factory=list)


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
    cover: dict[str, Markup]  # the report's own fields as HTML, for the cover; absent ones are ""
    sources: dict[str, Position] = field(default_factory=dict)  # data-src key -> where it came from
    # the charts to draw (chartcache.fill): digest -> what the chart says, where it is written
    charts: dict[str, tuple[ChartData, Position]] = field(default_factory=dict)

    @property
    def note_digits(self) -> int:
        """Digits of the highest footnote number (notes are numbered through the report): the
        width the notes' markers need (styles/blocks.css)."""
        return len(str(sum(len(chapter.notes) for chapter in self.report.chapters)))


class Resolver:
    def __init__(self, report: m.Report, problems: Problems) -> None:
        self.report = report
        self.problems = problems
        self.md = make_parser(report.language)
        self.words = words_for(report.language)
        self.targets: dict[str, Target] = {}
        # numbered blocks, by identity: id(block) -> (anchor, label); numbered in Python, not by CSS
        # counters, so that captions, lists and cross-references all say the same number
        self.numbers: dict[int, tuple[str, str]] = {}
        self.sources: dict[str, Position] = {}
        self.chapter_numbers: dict[int, str] = {}  # id(chapter) -> "III"; unnumbered chapters absent
        self.anchors: dict[int, str] = {}  # id(chapter, section or sub-section) -> its HTML id
        self.charts: dict[str, tuple[ChartData, Position]] = {}
        self.reserved = template_ids()

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
                        self._cover(), self.sources, self.charts)

    def _cover(self) -> dict[str, Markup]:
        ctx = Context(self.targets, {}, self.words, self.problems)
        r = self.report
        fields = {"issuer": r.issuer, "issuer_native": r.issuer_native, "title": r.title, "edition": r.edition,
                  "subtitle": r.subtitle, "period": r.period, "occasion": r.occasion,
                  "occasion_dates": r.occasion_dates, "place": r.place, "embargo": r.embargo}
        return {name: self._inline(text, ctx, notes=False) if text else Markup("")
                for name, text in fields.items()}

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
        """Number everything and give it an anchor; only the ids the author wrote can collide.

        The author's ids are taken first, in reading order (a duplicate is an error, at both
        `id:` lines); then each chapter, section and sub-section without one gets an id from
        its title, made unique deterministically: the title's slug if free, else prefixed with
        its chapter's (or section's) anchor, else suffixed -2, -3... A later edit elsewhere in
        the report cannot change an earlier heading's anchor.
        """
        seen: dict[str, Position] = {}
        self._numbered: list[m.Block] = []
        automatic: list[tuple[object, str, Target, object | None]] = []  # (heading, slug, target, parent)
        number = 0

        def heading(node: object, ident: str, target: Target, pos: Position, title: m.Text, field: str,
                    parent: object | None) -> None:
            if ident:
                self.anchors[id(node)] = ident
                self._add_target(ident, target, _id_pos(ident, pos, title), seen, field)
            else:
                automatic.append((node, slugify(title.value), target, parent))

        for chapter in self.report.chapters:
            if chapter.numbered:
                number += 1
                self.chapter_numbers[id(chapter)] = roman(number)
            label = (f"{self.words['chapter']} {roman(number)}" if chapter.numbered
                     else chapter.title.value)
            heading(chapter, chapter.id, Target(label, "chapter"), chapter.pos, chapter.title, "id", None)
            self._number_blocks(chapter.blocks, seen)
            for i, section in enumerate(chapter.sections, 1):
                prefix = f"{roman(number)}." if chapter.numbered else ""
                heading(section, section.id, Target(f"{self.words['section']} {prefix}{i}", "section"),
                        section.pos, section.title, f"sections[{i - 1}].id", chapter)
                self._number_blocks(section.blocks, seen)
                for j, sub in enumerate(section.subsections, 1):
                    heading(sub, sub.id, Target(f"{self.words['section']} {prefix}{i}.{j}", "section"),
                            sub.pos, sub.title, f"sections[{i - 1}].subsections[{j - 1}].id", section)
                    self._number_blocks(sub.blocks, seen)
        for node, slug, target, parent in automatic:
            anchor = slug
            if anchor in seen and parent is not None:
                anchor = f"{self.anchors[id(parent)]}-{slug}"
            anchor = _free_id(anchor, seen, self.reserved)  # clear of the templates' ids too
            self.anchors[id(node)] = anchor
            seen[anchor] = node.pos  # type: ignore[attr-defined]
            self.targets[anchor] = target
        # anchors for numbered blocks without an author's id, clear of every id the author gave
        counts = {"figure": 0, "table": 0, "box": 0}
        for block in self._numbered:
            kind = _numbered_kind(block)
            counts[kind] += 1
            anchor = block.id or _free_id(f"{kind}-{counts[kind]}", seen, self.reserved)
            if not block.id:
                seen[anchor] = _position(block)
            self.numbers[id(block)] = (anchor, f"{self.words[kind]} {counts[kind]}")

    def _number_blocks(self, blocks: tuple[m.Block, ...], seen: dict[str, Position]) -> None:
        """Tables, figures (charts among them) and boxes, in reading order; ids become targets."""
        for block in blocks:
            kind = _numbered_kind(block)
            if not kind:
                continue
            self._numbered.append(block)
            count = sum(1 for b in self._numbered if _numbered_kind(b) == kind)
            if block.id:
                self._add_target(block.id, Target(f"{self.words[kind]} {count}", kind), _position(block), seen)

    def _add_target(self, ident: str, target: Target, where: Position, seen: dict[str, Position],
                    field: str = "", from_title: bool = False) -> None:
        template = self.reserved.clash(ident)
        if template:  # two elements with one id: links and the contents would go to the wrong one
            what = f"the id '{ident}' made from this title" if from_title else f"id '{ident}'"
            self.problems.add(where, f"{what} is one the templates use for their own ({template})", where=field,
                              hint="choose another id: those the templates write are theirs alone" if not from_title
                              else f"give it an id of its own under the title, e.g. 'id: {target.kind}-{ident}'")
            return
        if ident in seen:
            self.problems.add(where, f"id '{ident}' is used twice", where=field, also=(seen[ident],),
                              hint="give each chapter, section, table, figure and box an id of its own")
            return
        seen[ident] = where
        self.targets[ident] = target

    # -- structure ------------------------------------------------------

    def _chapter(self, chapter: m.Chapter) -> ChapterView:
        anchor = self.anchors[id(chapter)]
        ctx = Context(self.targets, chapter.notes, self.words, self.problems,
                      lambda ident, note: self._note(f"{anchor}.{ident}", note))
        number = self.chapter_numbers.get(id(chapter), "")  # counted once, in _collect_targets
        sections = []
        for i, section in enumerate(chapter.sections, 1):
            subsections = [SectionView(
                id=self.anchors[id(sub)],
                number=f"{i}.{j}",
                label=f"{number}.{i}.{j}" if number else f"{i}.{j}",
                title=self._inline(sub.title, ctx, notes=False),
                title_text=plain_text(self.md, sub.title),
                blocks=self._blocks(sub.blocks, ctx, heading=4),
                src=self._src(sub.title.pos),
            ) for j, sub in enumerate(section.subsections, 1)]
            sections.append(SectionView(
                id=self.anchors[id(section)],
                number=str(i),
                label=f"{number}.{i}" if number else str(i),
                title=self._inline(section.title, ctx, notes=False),
                title_text=plain_text(self.md, section.title),
                blocks=self._blocks(section.blocks, ctx),
                src=self._src(section.title.pos),
                subsections=subsections,
            ))
        view = ChapterView(
            id=anchor,
            number=number,
            title=self._inline(chapter.title, ctx, notes=False),
            title_text=plain_text(self.md, chapter.title),
            blocks=self._blocks(chapter.blocks, ctx),
            sections=sections,
            src=self._src(chapter.title.pos),
        )
        for ident, note in chapter.notes.items():
            if ident not in ctx.called and ident not in ctx.refused:  # a refused call is one error, not two
                self.problems.add(note.pos, f"note '{ident}' is never called", where=note.where,
                                  hint=f"call it with [^{ident}] where it belongs, or delete it")
        return view

    def _note(self, anchor: str, note: m.Note) -> Markup:
        """The note, floated to the page foot by CSS; the empty span before it marks its call's page
        (typeset.py checks that the two land on the same page). Ids are '<chapter>.<note>': unique.

        A note of several paragraphs sets each after the first as a block of its own. Each but the
        last ends in a space, inside it: the preflight cuts long notes between words (notesplit.py)
        and must see the paragraphs' words apart, and a space between two blocks would be set by
        the engine as an empty line."""
        ctx = Context(self.targets, {}, self.words, self.problems)
        paragraphs = [render_inline(self.md, text, ctx, allow_notes=False) for text in note.paragraphs]
        last = len(paragraphs) - 1
        body = Markup("").join(
            (p if i == 0 else Markup('<span class="note-para">{}').format(p))
            + (Markup(" ") if i < last else Markup("")) + (Markup("</span>") if i else Markup(""))
            for i, p in enumerate(paragraphs))
        return Markup('<span class="footnote-anchor" id="call-{0}"></span>'
                      '<span class="footnote" id="note-{0}">{1}</span>').format(anchor, body)

    def _inline(self, text: m.Text, ctx: Context, notes: bool | str = True, refuse_hint: str = "") -> Markup:
        return render_inline(self.md, text, ctx, allow_notes=notes, refuse_hint=refuse_hint)

    def _blocks(self, blocks: tuple[m.Block, ...], ctx: Context, heading: int = 3) -> list[BlockView]:
        """The blocks' views; `heading` is the level of a run-in sub-heading among them (h3 in a
        section, h4 in a sub-section, whose title is the h3)."""
        out = []
        for block in blocks:
            view = self._block(block, ctx, heading)
            if view is not None:
                view.src = self._src(_block_pos(block))
                out.append(view)
        return out

    def _block(self, block: m.Block, ctx: Context, heading: int = 3) -> BlockView | None:
        if isinstance(block, m.Paragraph):
            return BlockView("paragraph", self._inline(block.text, ctx))
        if isinstance(block, m.Subheading):
            return BlockView("subheading", self._inline(block.text, ctx), {"tag": f"h{heading}"})
        if isinstance(block, m.Quote):
            source = self._inline(block.source, ctx) if block.source else None
            return BlockView("quote", self._inline(block.text, ctx), {"source": source})
        if isinstance(block, m.ListBlock):
            items = [{"html": self._inline(item.text, ctx),
                      "children": [self._inline(c, ctx) for c in item.children]}
                     for item in block.items]
            return BlockView("list", data={"ordered": block.ordered, "items": items})
        if isinstance(block, m.Definitions):
            items = [{"term": self._inline(d.term, ctx), "definition": self._inline(d.definition, ctx)}
                     for d in block.items]
            return BlockView("definitions", data={"items": items})
        if isinstance(block, m.Table):
            return BlockView("table", data=self._table(block, ctx))
        if isinstance(block, m.Figure):
            return BlockView("figure", data=self._figure(block, ctx))
        if isinstance(block, m.Chart):
            return BlockView("chart", data=self._chart(block, ctx))
        if isinstance(block, m.KeyFigures):
            anchor, label = self.numbers[id(block)]
            # each value its own data-src: a value too wide is reported at its line, not the box's
            items = [{"value": self._inline(k.value, ctx), "label": self._inline(k.label, ctx),
                      "src": self._src(k.value.pos)} for k in block.items]
            title = self._inline(block.title, ctx) if block.title else None
            columns, size = keyfit.fit([plain_text(self.md, k.value) for k in block.items])
            return BlockView("keyfigures", data={"id": anchor, "label": label, "title": title, "items": items,
                                                 "fit": keyfit.css_classes(columns, size, len(block.items))})
        if isinstance(block, m.Box):
            anchor, label = self.numbers[id(block)]
            return BlockView("box", data={"id": anchor, "label": label,
                                          "title": self._inline(block.title, ctx),
                                          "blocks": self._blocks(block.blocks, ctx, heading)})
        raise TypeError(f"no view for {type(block).__name__}")  # a new block type needs a view here

    # -- tables, figures, charts -----------------------------------------

    def _caption(self, block: m.Table | m.Figure | m.Chart, ctx: Context) -> dict[str, Any]:
        """Anchor, label ("Table 2"), caption, and the words of its line in the list of tables or figures.

        Notes may be called from a caption or a source; the list of tables or figures repeats the
        caption without them (a note is set once, at its call)."""
        anchor, label = self.numbers[id(block)]
        caption = self._inline(block.caption, ctx) if block.caption else None
        list_caption = self._inline(block.caption, ctx, notes=DROP) if block.caption else None
        if isinstance(block, m.Chart) and block.title:
            title = self._inline(block.title, ctx, notes=False, refuse_hint=CHART_HINT)
            list_caption = list_caption or title
        if isinstance(block, m.Figure | m.Chart):
            self._inline(block.alt, ctx, notes=False, refuse_hint=ALT_HINT)  # read aloud, never printed
        source = self._inline(block.source, ctx) if block.source else None
        return {"id": anchor, "label": label, "caption": caption, "source": source,
                "source_word": self.words["source"], "list_caption": list_caption or Markup()}

    def _table(self, table: m.Table, ctx: Context) -> dict[str, Any]:
        data = self._caption(table, ctx)
        data.update(
            header=[self._inline(cell, ctx) for cell in table.header],
            rows=[[self._inline(cell, ctx) for cell in row] for row in table.rows],
            align=list(table.align),
            short=len(table.rows) <= SHORT_TABLE,
            row_headings=table.row_headings,
            widths=list(table.widths),
            notes=[self._inline(note, ctx) for note in table.notes],
        )
        return data

    def _figure(self, figure: m.Figure, ctx: Context) -> dict[str, Any]:
        from .assets import content_file

        data = self._caption(figure, ctx)
        path = content_file(self.report.folder if figure.pos is None else figure.pos.path.parent, figure.image)
        data.update(src=path.as_uri(), alt=plain_text(self.md, figure.alt), width=figure.width)
        return data

    def _chart(self, chart: m.Chart, ctx: Context) -> dict[str, Any]:
        """The chart's caption and data table; its picture a placeholder, drawn by the build (chartcache)."""
        from .chartcache import digest, placeholder

        data = self._caption(chart, ctx)
        label = data["label"]
        # drawn inside the picture: no call may stand in them (each checked once, here)
        names = [self._inline(s.name, ctx, notes=False, refuse_hint=CHART_HINT) for s in chart.series]
        labels = [self._inline(x, ctx, notes=False, refuse_hint=CHART_HINT) for x in chart.labels]
        if chart.units:
            self._inline(chart.units, ctx, notes=False, refuse_hint=CHART_HINT)
        chart_data = ChartData(
            kind=chart.kind,
            labels=tuple(plain_text(self.md, label) for label in chart.labels),
            series=tuple((plain_text(self.md, s.name), s.values) for s in chart.series),
            title=plain_text(self.md, chart.title) if chart.title else "",
            units=plain_text(self.md, chart.units) if chart.units else "",
            orientation=chart.orientation,
        )
        key = digest(chart_data)
        self.charts.setdefault(key, (chart_data, _position(chart)))
        data.update(src=placeholder(key), alt=plain_text(self.md, chart.alt), table=None,
                    table_word=f"{label}: {self.words['chart_data']}")
        if chart.show_table:
            header = [Markup(), *names]
            rows = [[labels[i]] + [Markup(number_text(s.values[i])) for s in chart.series]
                    for i in range(len(chart.labels))]
            data["table"] = {"header": header, "rows": rows, "align": ["left"] + ["right"] * len(chart.series),
                             "units": plain_text(self.md, chart.units) if chart.units else ""}
        return data


CHART_HINT = ("a chart's title, labels, series names and units are drawn inside the picture, where a note "
              "cannot be called; call it from the chart's caption or source")
ALT_HINT = "alternative text is read aloud, never printed; call the note from the caption or source"

SHORT_TABLE = 15  # rows; a table this short is kept on one page rather than split


def _numbered_kind(block: m.Block) -> str:
    if isinstance(block, m.Table):
        return "table"
    if isinstance(block, m.Figure | m.Chart):
        return "figure"
    if isinstance(block, m.Box | m.KeyFigures):
        return "box"
    return ""


def _position(block: m.Block) -> Position:
    """Where a numbered block (table, figure, chart, box) starts: they all have one."""
    pos = _block_pos(block)
    assert pos is not None
    return pos


def _free_id(wanted: str, seen: dict[str, m.Text], reserved: Reserved) -> str:
    anchor, n = wanted, 1
    while anchor in seen or reserved.clash(anchor):
        n += 1
        anchor = f"{wanted}-{n}"
    return anchor


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

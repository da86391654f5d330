"""The content model: what a report is, as plain frozen dataclasses.

`validate.py` builds these from YAML nodes; nothing here knows about YAML,
HTML or PDF. Every piece of author text is a `Text`, which keeps the position
it came from so that later steps (inline markup, cross-references) can still
point at the file, line and column of a mistake.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .errors import Position


@dataclass(frozen=True)
class Text:
    value: str
    pos: Position
    where: str = ""  # the field's path, e.g. sections[2].blocks[4], for messages about its markup

    def __str__(self) -> str:
        return self.value


# ---------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Paragraph:
    text: Text


@dataclass(frozen=True)
class Subheading:
    """A run-in sub-heading: unnumbered, not in the contents, kept with what follows."""

    text: Text


@dataclass(frozen=True)
class Quote:
    text: Text
    source: Text | None = None


@dataclass(frozen=True)
class ListItem:
    text: Text
    children: tuple[Text, ...] = ()


@dataclass(frozen=True)
class ListBlock:
    items: tuple[ListItem, ...]
    ordered: bool = False


@dataclass(frozen=True)
class Table:
    caption: Text
    header: tuple[Text, ...]  # a heading may be empty (Text ""): an empty header cell
    rows: tuple[tuple[Text, ...], ...]
    align: tuple[str, ...]  # one of left, right, center per column
    source: Text | None = None
    id: str = ""
    pos: Position | None = None
    row_headings: bool = False  # the first cell of each row heads the row (TH scope=row)
    widths: tuple[str, ...] = ()  # one CSS width per column ("40%", "2fr" made a share), or none
    notes: tuple[Text, ...] = ()  # lines under the table, before the source


@dataclass(frozen=True)
class Definition:
    term: Text
    definition: Text


@dataclass(frozen=True)
class Definitions:
    """A label/value list (a <dl>): each term with what it means or holds."""

    items: tuple[Definition, ...]
    pos: Position | None = None


@dataclass(frozen=True)
class Figure:
    image: str  # path relative to the content folder
    alt: Text
    caption: Text | None = None
    width: str = "100%"
    source: Text | None = None
    id: str = ""
    pos: Position | None = None


@dataclass(frozen=True)
class Series:
    name: Text
    values: tuple[float | None, ...]  # None: a missing value (`null`), a gap in a line, no bar


@dataclass(frozen=True)
class Chart:
    kind: str  # bar, stacked-bar, line
    labels: tuple[Text, ...]
    series: tuple[Series, ...]
    alt: Text
    caption: Text | None = None
    title: Text | None = None
    units: Text | None = None
    source: Text | None = None
    show_table: bool = False
    id: str = ""
    pos: Position | None = None
    orientation: str = "auto"  # bars: auto (horizontal when the labels need it), vertical, horizontal


@dataclass(frozen=True)
class KeyFigure:
    value: Text
    label: Text


@dataclass(frozen=True)
class KeyFigures:
    items: tuple[KeyFigure, ...]
    title: Text | None = None
    id: str = ""


@dataclass(frozen=True)
class Box:
    title: Text
    blocks: tuple[Block, ...]
    id: str = ""


Block = Paragraph | Subheading | Quote | ListBlock | Table | Figure | Chart | KeyFigures | Box | Definitions


# ---------------------------------------------------------------- structure


@dataclass(frozen=True)
class Subsection:
    """The fourth heading level, inside a section: numbered 'III.2.1', optionally in the contents."""

    title: Text
    id: str  # the author's id, or "" (resolve.py then derives a unique one from the title)
    blocks: tuple[Block, ...]
    pos: Position


@dataclass(frozen=True)
class Section:
    title: Text
    id: str  # the author's id, or "" (resolve.py then derives a unique one from the title)
    blocks: tuple[Block, ...]
    pos: Position
    subsections: tuple[Subsection, ...] = ()


@dataclass(frozen=True)
class Note:
    """A footnote's text: one paragraph, or several (a note written as a list of strings)."""

    paragraphs: tuple[Text, ...]

    @property
    def pos(self) -> Position:
        return self.paragraphs[0].pos

    @property
    def where(self) -> str:
        return self.paragraphs[0].where


@dataclass(frozen=True)
class Chapter:
    title: Text
    id: str  # the author's id, or "" (resolve.py then derives a unique one from the title)
    numbered: bool
    blocks: tuple[Block, ...]  # before the first section (or all of them)
    sections: tuple[Section, ...]
    notes: dict[str, Note]  # footnote id -> its text, for the whole chapter
    file: Path
    pos: Position


@dataclass(frozen=True)
class ReportFont:
    """A font file the report brings (report.yaml `fonts:`), checked: inside the project, a font, licensed."""

    file: Path  # real path, inside the content folder or styles/fonts
    licence: Path
    role: str  # fallback (after the styles' faces), serif or sans (first in that stack)
    family: str  # the font's own family name, from its name table
    weight: int  # 100-900, from its OS/2 table
    italic: bool
    pos: Position


@dataclass(frozen=True)
class Report:
    folder: Path  # the content folder; images are relative to it
    slug: str
    language: str
    paper: str  # A4 or Letter
    status: str  # draft, embargoed, final
    embargo: Text | None
    issuer: Text
    issuer_native: Text | None  # the issuer in the country's own script, for the cover
    title: Text
    subtitle: Text | None
    edition: Text | None
    period: Text | None
    occasion: Text | None
    occasion_dates: Text | None
    place: Text | None
    date: dt.date
    subject: Text | None
    keywords: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    chapter_start: str = "page"  # page: a new page; right: a new right-hand page
    lists: tuple[str, ...] = field(default=())  # "figures", "tables": lists after the contents
    contents_depth: int = 2  # 2: chapters and sections in the contents; 3: sub-sections too
    compose: bool = False  # justified paragraphs broken by total fit (compose.py); false: the engine's breaks
    file: Path | None = None
    fonts: tuple[ReportFont, ...] = ()  # the report's own fonts (report.yaml `fonts:`), in order
    system_fonts: bool = False  # the machine's fonts may stand in for a missing glyph (opt-in)
    print_profile: Path | None = None  # the press's CMYK ICC profile (print file's output intent); None: FOGRA39

    @property
    def full_title(self) -> str:
        if self.edition:
            return f"{self.title.value} {self.edition.value}"
        return self.title.value

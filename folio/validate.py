"""Turn YAML nodes into the content model, collecting every mistake on the way.

Each reader takes a node and the path of the field it stands for
(`sections[2].blocks[4]`), returns a model object (or None) and adds to
`problems` whatever is wrong, with the exact position and a hint where one
helps. Nothing here stops at the first error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from . import chartdata, words
from . import model as m
from .errors import Position, Problems, did_you_mean, locate
from .longwords import MAX_WORD, longest_word
from .paths import STYLES_DIR, NotAFile, Refused, content_path
from .source import Mapping, Node, Scalar, Sequence, kind_name, load_file

ID = re.compile(r"^[a-z][a-z0-9-]*$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Z]{2})?$")
TRUE, FALSE = ("true", "yes"), ("false", "no")


class Reader:
    """Field readers that record problems against positions."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def error(self, pos: Position, where: str, message: str, hint: str = "") -> None:
        self.problems.add(pos, message, where=where, hint=hint)

    def mapping(self, node: Node, where: str, required: tuple[str, ...], optional: tuple[str, ...],
                what: str = "") -> Mapping | None:
        """The node as a mapping whose keys are all known and whose required keys are there."""
        if not isinstance(node, Mapping):
            self.error(_span(node), where, f"expected a mapping{' ' + what if what else ''}, found {_found(node)}",
                       hint=f"write it as 'key: value' lines, with keys such as '{(required + optional)[0]}'")
            return None
        known = required + optional
        meant: set[str] = set()  # required keys an unknown key was probably meant to be
        for key, (key_node, _) in node.entries.items():
            if key not in known:
                hint = did_you_mean(key, known)
                if hint:
                    meant.add(hint.split("'")[1])
                self.error(key_node.end_pos, _join(where, key), "unknown key",
                           hint=hint or f"known keys here: {', '.join(known)}")
        for key in required:
            if key not in node.entries and key not in meant:  # a misspelt key is one mistake, not two
                self.error(node.pos, where, f"missing required key '{key}'",
                           hint=f"add a line '{key}: ...' to this mapping")
        return node

    def text(self, node: Mapping, key: str, where: str, required: bool = False) -> m.Text | None:
        entry = node.entries.get(key)
        if entry is None:
            return None
        return self.text_node(entry[1], _join(where, key), required)

    def text_node(self, value: Node, where: str, required: bool = True) -> m.Text | None:
        if isinstance(value, Scalar):
            text = value.value.strip()
            if not text:
                if required:  # '' too: a required text cannot be empty, quoted or not
                    self.error(value.end_pos if value.quoted else value.pos, where, "expected text, found nothing",
                               hint="write the text after the colon, or remove the line")
                return None
            self._word_length(text, value, where)
            return m.Text(text, value.pos, where)
        self.error(value.pos, where, f"expected text, found {_found(value)}",
                   hint="quote the value if it should be text" if isinstance(value, Mapping) else "")
        return None

    def _word_length(self, text: str, value: Scalar, where: str) -> None:
        """A word too long to lay out in reasonable time is refused here, so that --check finds it."""
        found = longest_word(text)
        if found is None:
            return
        start, length = found
        self.error(locate(value.pos, text[start : start + 30], whole=False), where,
                   f"a word of {length:,} characters with no place to break the line; a word may have at most "
                   f"{MAX_WORD:,}",
                   hint="break it with spaces or hyphens; for a web address, link words to it instead, "
                        "[the report](https://...): a link's address is not printed")

    def choice(self, node: Mapping, key: str, where: str, choices: tuple[str, ...], default: str) -> str:
        text = self.text(node, key, where)
        if text is None:
            return default
        if text.value not in choices:
            options = ", ".join(repr(c) for c in choices)
            self.error(node.entries[key][1].end_pos if isinstance(node.entries[key][1], Scalar) else text.pos,
                       _join(where, key), f"expected one of: {options}; found {text.value!r}",
                       hint=did_you_mean(text.value, choices))
            return default
        return text.value

    def boolean(self, node: Mapping, key: str, where: str, default: bool) -> bool:
        text = self.text(node, key, where)
        if text is None:
            return default
        word = text.value.lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
        self.error(_span(node.entries[key][1]), _join(where, key), f"expected true or false, found {text.value!r}",
                   hint="write true or false")
        return default

    def identifier(self, node: Mapping, key: str, where: str) -> str:
        text = self.text(node, key, where)
        if text is None:
            return ""
        if not ID.match(text.value):
            self.error(text.pos, _join(where, key), f"id {text.value!r} is not a plain id",
                       hint="use lower-case letters, digits and hyphens, starting with a letter, e.g. 'press-freedom'")
            return ""
        return text.value

    def sequence(self, node: Mapping, key: str, where: str, required: bool = False) -> list[Node]:
        entry = node.entries.get(key)
        if entry is None:
            return []
        value = entry[1]
        if isinstance(value, Sequence):
            if required and not value.items:
                self.error(value.pos, _join(where, key), "the list is empty")
            return value.items
        if isinstance(value, Scalar) and not value.value and not value.quoted:
            if required:
                self.error(value.pos, _join(where, key), "expected a list, found nothing")
            return []
        self.error(_span(value), _join(where, key), f"expected a list, found {_found(value)}",
                   hint="start each item on its own line with '- '")
        return []

    def text_list(self, node: Mapping, key: str, where: str) -> list[m.Text]:
        out = []
        for i, item in enumerate(self.sequence(node, key, where)):
            text = self.text_node(item, f"{_join(where, key)}[{i}]")
            if text is not None:
                out.append(text)
        return out


def _found(node: Node) -> str:
    """What was written instead, for 'expected a list, found text '5''."""
    if isinstance(node, Scalar) and node.value and len(node.value) <= 40 and "\n" not in node.value:
        return f"text {node.value!r}"
    return kind_name(node)


def _span(node: Node) -> Position:
    return node.end_pos if isinstance(node, Scalar) else node.pos


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


# ---------------------------------------------------------------- blocks

BlockReader = Callable[[Reader, Mapping, Scalar, str], "m.Block | None"]


def read_blocks(r: Reader, nodes: list[Node], where: str) -> tuple[m.Block, ...]:
    blocks: list[m.Block] = []
    for i, node in enumerate(nodes):
        block = read_block(r, node, f"{where}[{i}]")
        if block is not None:
            blocks.append(block)
    return tuple(blocks)


def read_block(r: Reader, node: Node, where: str) -> m.Block | None:
    """A paragraph is a plain string; every other block is a mapping led by its type key."""
    if isinstance(node, Scalar):
        text = r.text_node(node, where)
        return m.Paragraph(text) if text is not None else None
    if isinstance(node, Sequence):
        r.error(node.pos, where, "expected a paragraph or a block, found a list",
                hint="a paragraph is a line starting with '- '; check the indentation")
        return None
    assert isinstance(node, Mapping)
    kinds = [k for k in node.entries if k in BLOCK_READERS]
    if "chart" in kinds and "table" in kinds:  # `table: true` is a chart's option, not a second type
        kinds.remove("table")
    if len(kinds) != 1:
        first_key, _ = next(iter(node.entries.values()), (None, None))
        if not kinds:
            key = next(iter(node.entries), "")
            hint = did_you_mean(key, tuple(BLOCK_READERS)) or f"block types: {', '.join(BLOCK_READERS)}"
            value = node.entries[key][1] if key else None
            if len(node.entries) == 1 and isinstance(value, Scalar) and (key != key.lower() or " " in key):
                # `- Note: some text` is a paragraph with a colon that YAML read as a mapping
                hint = f"a paragraph with ': ' in it must be quoted: - \"{key}: {value.value}\""
            pos = first_key.end_pos if first_key else node.pos
            r.error(pos, where, f"unknown block type '{key}'" if key else "empty block", hint=hint)
        else:
            r.error(node.pos, where, f"a block has one type; this one has {', '.join(kinds)}",
                    hint="start a new list item ('- ') for each block")
        return None
    kind = kinds[0]
    key_node = node.entries[kind][0]
    return BLOCK_READERS[kind](r, node, key_node, where)


def _subheading(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    if r.mapping(node, where, ("subheading",), ()) is None:
        return None
    text = r.text(node, "subheading", where, required=True)
    return m.Subheading(text) if text else None


def _quote(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    if r.mapping(node, where, ("quote",), ("source",)) is None:
        return None
    text = r.text(node, "quote", where, required=True)
    return m.Quote(text, r.text(node, "source", where)) if text else None


def _list(ordered: bool) -> BlockReader:
    key_name = "numbered" if ordered else "list"

    def read(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
        if r.mapping(node, where, (key_name,), ()) is None:
            return None
        items = []
        base = f"{where}.{key_name}"
        for i, item in enumerate(r.sequence(node, key_name, where, required=True)):
            items.append(_list_item(r, item, f"{base}[{i}]"))
        clean = tuple(i for i in items if i is not None)
        return m.ListBlock(clean, ordered) if clean else None

    return read


def _list_item(r: Reader, node: Node, where: str) -> m.ListItem | None:
    """An item is text, or `{item: text, sub: [text, ...]}` for one nested level."""
    if isinstance(node, Scalar):
        text = r.text_node(node, where)
        return m.ListItem(text) if text else None
    if r.mapping(node, where, ("item",), ("sub",), "(an item with a nested list)") is None:
        return None
    assert isinstance(node, Mapping)
    text = r.text(node, "item", where, required=True)
    children = tuple(r.text_list(node, "sub", where))
    return m.ListItem(text, children) if text else None


def _table(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`table: caption`, `columns: [...]`, `rows: [[...], ...]`; optional `align`, `widths`,
    `row_headings`, `notes` (or `note`), `source`, `id`."""
    if r.mapping(node, where, ("table", "columns", "rows"),
                 ("align", "widths", "row_headings", "notes", "note", "source", "id")) is None:
        return None
    caption = r.text(node, "table", where, required=True)
    # an empty heading ("") is an empty header cell, as an empty cell is in a row
    header = tuple(_cell(r, cell, f"{where}.columns[{j}]")
                   for j, cell in enumerate(r.sequence(node, "columns", where, required=True)))
    rows: list[tuple[m.Text, ...]] = []
    for i, row_node in enumerate(r.sequence(node, "rows", where, required=True)):
        row_where = f"{where}.rows[{i}]"
        if not isinstance(row_node, Sequence):
            r.error(row_node.pos, row_where, f"expected a row as a list of cells, found {kind_name(row_node)}",
                    hint="write a row as [cell, cell, ...], one cell per column")
            continue
        cells = [_cell(r, cell, f"{row_where}[{j}]") for j, cell in enumerate(row_node.items)]
        if header and len(cells) != len(header):
            r.error(row_node.pos, row_where, f"the row has {len(cells)} cells; the table has {len(header)} columns",
                    hint="give every row one cell per column; an empty cell is written \"\"")
            continue
        rows.append(tuple(cells))
    align = tuple(t.value for t in r.text_list(node, "align", where))
    align_node = node.entries.get("align")
    if align_node is not None:
        for t in r.text_list(node, "align", where):
            if t.value not in ALIGNMENTS:
                r.error(t.pos, f"{where}.align", f"expected one of: left, right, center; found {t.value!r}",
                        hint=did_you_mean(t.value, ALIGNMENTS))
        if header and len(align) != len(header):
            r.error(align_node[1].pos, f"{where}.align",
                    f"{len(align)} alignments for {len(header)} columns", hint="give one per column, or none")
    widths = _widths(r, node, where, len(header))
    notes = _table_notes(r, node, where)
    if caption is None or not header:
        return None
    if not align or len(align) != len(header) or any(a not in ALIGNMENTS for a in align):
        align = tuple("right" if _numeric_column(rows, i) else "left" for i in range(len(header)))
    return m.Table(caption, header, tuple(rows), align, r.text(node, "source", where),
                   r.identifier(node, "id", where), node.pos,
                   row_headings=r.boolean(node, "row_headings", where, False), widths=widths, notes=notes)


def _cell(r: Reader, cell: Node, where: str) -> m.Text:
    """A table cell or column heading: text, possibly empty."""
    text = r.text_node(cell, where, required=False)
    return text if text is not None else m.Text("", cell.pos, where)


_COLUMN_WIDTH = re.compile(r"^(\d{1,3}(?:\.\d+)?)(%|mm)?$")


def _widths(r: Reader, node: Mapping, where: str, columns: int) -> tuple[str, ...]:
    """`widths: [40%, 20%, ...]`, `[60mm, ...]`, or shares `[2, 1, 1]`: one CSS width per column.

    Shares become percentages of the text width; percentages may leave the rest to the table.
    """
    entry = node.entries.get("widths")
    if entry is None:
        return ()
    texts = r.text_list(node, "widths", where)
    field = f"{where}.widths"
    hint = "give each column a share of the table (e.g. [40%, 30%, 30%]), a size in mm, or relative numbers ([2, 1, 1])"
    found: list[tuple[float, str]] = []
    for t in texts:
        match = _COLUMN_WIDTH.match(t.value)
        if not match or float(match.group(1)) <= 0:
            r.error(t.pos, field, f"{t.value!r} is not a column width", hint=hint)
            return ()
        found.append((float(match.group(1)), match.group(2) or ""))
    if len(found) != columns:
        r.error(entry[1].pos, field, f"{len(found)} widths for {columns} columns", hint="give one per column, or none")
        return ()
    units = {unit for _, unit in found}
    if "" in units and len(units) > 1:
        r.error(entry[1].pos, field, "relative widths (plain numbers) cannot be mixed with % or mm",
                hint="write them all as plain numbers, or all with a unit")
        return ()
    if units == {""}:
        total = sum(v for v, _ in found)
        return tuple(f"{100 * v / total:.4g}%" for v, _ in found)
    percent = sum(v for v, unit in found if unit == "%")
    if percent > 100.01:
        r.error(entry[1].pos, field, f"the widths add up to {percent:g}% of the text width",
                hint="percentages are shares of the text width: make them add up to 100% at most")
        return ()
    return tuple(f"{v:g}{unit}" for v, unit in found)


def _table_notes(r: Reader, node: Mapping, where: str) -> tuple[m.Text, ...]:
    """`note: text` or `notes: [text, ...]`: lines set under a table, before its source."""
    if "note" in node.entries and "notes" in node.entries:
        r.error(node.entries["notes"][0].pos, f"{where}.notes", "a table has 'note' or 'notes', not both",
                hint="put every line under 'notes:', one per item")
        return ()
    if "note" in node.entries:
        note = r.text(node, "note", where, required=True)
        return (note,) if note is not None else ()
    return tuple(r.text_list(node, "notes", where))


ALIGNMENTS = ("left", "right", "center")
_NUMBER = re.compile(r"^[-+−]?[$€£]?\s?[\d.,   ]*\d[\d.,]*\s?(%|‰)?$")


_CALL = re.compile(r"\[\^[A-Za-z0-9_-]+\]")


def _numeric_column(rows: list[tuple[m.Text, ...]], index: int) -> bool:
    """A column whose filled cells are all numbers ("5,734", "65%", "-3.5") is set right-aligned."""
    cells = [_CALL.sub("", row[index].value) for row in rows]  # "69.9[^n2]" is a number with a note
    cells = [c for c in cells if c not in ("", "-", "–", "—")]
    return bool(cells) and all(_NUMBER.match(c) for c in cells)


WIDTH = re.compile(r"^(\d{1,3})%$|^(\d{1,3}(\.\d+)?)mm$")


def _width(r: Reader, node: Mapping, where: str) -> str:
    text = r.text(node, "width", where)
    if text is None:
        return "100%"
    match = WIDTH.match(text.value)
    if not match or (match.group(1) and not 10 <= int(match.group(1)) <= 100):
        r.error(text.pos, f"{where}.width", f"{text.value!r} is not a width",
                hint="write a share of the text width, 10% to 100% (e.g. 60%), or a size in mm (e.g. 80mm)")
        return "100%"
    return text.value


def _alt(r: Reader, node: Mapping, where: str, what: str) -> m.Text | None:
    alt = r.text(node, "alt", where, required=True)
    if alt is None and "alt" not in node.entries:
        r.error(node.pos, where, f"{what} needs 'alt:' text",
                hint="describe in a sentence what a reader who cannot see it should know")
    return alt


def _figure(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`figure: images/file.svg` with required `alt`, optional `caption`, `width`, `source`, `id`."""
    from .assets import AssetError, content_file
    from .images import vet

    if r.mapping(node, where, ("figure",), ("alt", "caption", "width", "source", "id")) is None:
        return None
    image = r.text(node, "figure", where, required=True)
    alt = _alt(r, node, where, "a figure")
    width = _width(r, node, where)
    if image is not None:
        try:
            folder = image.pos.path.parent
            # opened as the build will, with the fetcher's roots (pipeline.roots_for): vetted once
            vet(content_file(folder, image.value), (STYLES_DIR, folder), image.value)
        except AssetError as exc:
            r.error(node.entries["figure"][1].end_pos if isinstance(node.entries["figure"][1], Scalar)
                    else image.pos, f"{where}.figure", exc.message, hint=exc.hint)
            image = None
    if image is None or alt is None:
        return None
    return m.Figure(image.value, alt, r.text(node, "caption", where), width, r.text(node, "source", where),
                    r.identifier(node, "id", where), node.pos)


def _chart(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`chart: bar` with `labels`, `series` (name and values), required `alt`, and options."""
    if r.mapping(node, where, ("chart", "labels", "series"),
                 ("alt", "title", "units", "caption", "source", "table", "id", "orientation")) is None:
        return None
    kind = r.choice(node, "chart", where, chartdata.KINDS, "")
    orientation = r.choice(node, "orientation", where, chartdata.ORIENTATIONS, "auto")
    if kind == "line" and orientation == "horizontal":
        r.error(node.entries["orientation"][1].pos, f"{where}.orientation", "a line chart runs left to right",
                hint="remove 'orientation:', or make it a bar chart")
    label_nodes = r.sequence(node, "labels", where, required=True)
    labels = tuple(t for i, item in enumerate(label_nodes)
                   if (t := r.text_node(item, f"{where}.labels[{i}]")) is not None)
    series = []
    series_nodes = r.sequence(node, "series", where, required=True)
    for i, item in enumerate(series_nodes):
        one = _series(r, item, f"{where}.series[{i}]", len(labels))
        if one is not None:
            series.append(one)
    alt = _alt(r, node, where, "a chart")
    if not _chart_within_limits(r, node, where, kind, len(label_nodes), len(series_nodes)):
        return None
    if not kind or not labels or not series or alt is None or len(series) != len(series_nodes):
        return None
    if len(labels) != len(label_nodes):
        return None  # an empty label, already reported: the chart would not say what a bar is
    if all(v is None for s in series for v in s.values):
        r.error(node.entries["series"][1].pos, f"{where}.series", "every value of the chart is missing (null)",
                hint="a chart needs at least one value to draw")
        return None
    return m.Chart(kind, labels, tuple(series), alt, r.text(node, "caption", where), r.text(node, "title", where),
                   r.text(node, "units", where), r.text(node, "source", where),
                   r.boolean(node, "table", where, False), r.identifier(node, "id", where), node.pos, orientation)


def _chart_within_limits(r: Reader, node: Mapping, where: str, kind: str, labels: int, series: int) -> bool:
    """What one chart may ask of the machine (chartdata's limits), each refused with the limit."""
    ok = True
    if labels * series > chartdata.MAX_POINTS:
        r.error(node.pos, where, f"the chart has {labels * series:,} values ({labels:,} labels x {series} series);"
                f" the limit is {chartdata.MAX_POINTS:,}",
                hint="draw fewer points (e.g. one per month rather than per day), or split the chart")
        ok = False
    if series > chartdata.MAX_SERIES:
        r.error(node.entries["series"][1].pos, f"{where}.series",
                f"the chart has {series} series; the limit is {chartdata.MAX_SERIES}",
                hint="split the chart, or put the data in a table")
        ok = False
    if kind in ("bar", "stacked-bar") and labels > chartdata.MAX_BARS:
        r.error(node.entries["labels"][1].pos, f"{where}.labels",
                f"the bar chart has {labels} categories; the limit is {chartdata.MAX_BARS}",
                hint="split the chart, draw it as a line chart, or put the data in a table")
        ok = False
    return ok


def _series(r: Reader, item: Node, where: str, label_count: int) -> m.Series | None:
    if r.mapping(item, where, ("name", "values"), (), "(a series: name, values)") is None:
        return None
    assert isinstance(item, Mapping)
    name = r.text(item, "name", where, required=True)
    nodes = r.sequence(item, "values", where, required=True)
    values: list[float | None] = []
    ok = True
    for j, value in enumerate(nodes):
        number = _value(r, value, f"{where}.values[{j}]")
        if number is False:
            ok = False
        else:
            values.append(number)
    if name is None or not ok or not nodes:
        return None
    if len(values) != label_count:
        r.error(item.entries["values"][1].pos, f"{where}.values", f"{len(values)} values for {label_count} labels",
                hint="give one value per label, in the order of 'labels:'; a missing value is null")
        return None
    return m.Series(name, tuple(values))


def _value(r: Reader, node: Node, where: str) -> float | bool | None:
    """A chart's value: a number (chartdata.parse_value), None for a missing one, False when wrong."""
    if not isinstance(node, Scalar):
        r.error(node.pos, where, f"expected a number, found {_found(node)}", hint=chartdata.NUMBER_HINT)
        return False
    text = node.value.strip()
    if not node.quoted and text in chartdata.MISSING:
        return None
    if not text:
        r.error(_span(node), where, "expected a number, found nothing",
                hint="write the number; a missing value is null (unquoted)")
        return False
    try:
        return chartdata.parse_value(text)
    except chartdata.NotANumber as exc:
        r.error(_span(node), where, str(exc), hint=chartdata.NUMBER_HINT)
        return False


def _keyfigures(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`keyfigures: [{value: "5,734", label: registered CSOs}, ...]`, optional `title`, `id`."""
    if r.mapping(node, where, ("keyfigures",), ("title", "id")) is None:
        return None
    items = []
    for i, item in enumerate(r.sequence(node, "keyfigures", where, required=True)):
        item_where = f"{where}.keyfigures[{i}]"
        if r.mapping(item, item_where, ("value", "label"), (), "(a key figure: value, label)") is None:
            continue
        assert isinstance(item, Mapping)
        value = r.text(item, "value", item_where, required=True)
        label = r.text(item, "label", item_where, required=True)
        if value is not None and label is not None:
            items.append(m.KeyFigure(value, label))
    if not items:
        return None
    return m.KeyFigures(tuple(items), r.text(node, "title", where), r.identifier(node, "id", where))


def _box(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`box: title` with `blocks:` (paragraphs, lists, quotes) and an optional `id`."""
    if r.mapping(node, where, ("box", "blocks"), ("id",)) is None:
        return None
    title = r.text(node, "box", where, required=True)
    blocks = read_blocks(r, r.sequence(node, "blocks", where, required=True), f"{where}.blocks")
    for i, block in enumerate(blocks):
        if isinstance(block, m.Box | m.KeyFigures | m.Table | m.Figure | m.Chart):
            r.error(node.pos, f"{where}.blocks[{i}]", "a box holds text: paragraphs, sub-headings, quotes, lists",
                    hint="put tables, figures, charts and other boxes beside the box, not in it")
            return None
    if title is None or not blocks:
        return None
    return m.Box(title, blocks, r.identifier(node, "id", where))


def _definitions(r: Reader, node: Mapping, key: Scalar, where: str) -> m.Block | None:
    """`definitions:` a list of `{term: ..., definition: ...}` or of `Term: definition` pairs,
    or one mapping of terms to definitions, in order."""
    if r.mapping(node, where, ("definitions",), ()) is None:
        return None
    value = node.entries["definitions"][1]
    base = f"{where}.definitions"
    items: list[m.Definition] = []
    if isinstance(value, Mapping):
        for term, (term_node, definition_node) in value.entries.items():
            item = _definition_pair(r, term_node, definition_node, f"{base}.{term}")
            if item is not None:
                items.append(item)
        return m.Definitions(tuple(items), node.pos) if items else None
    for i, item_node in enumerate(r.sequence(node, "definitions", where, required=True)):
        item_where = f"{base}[{i}]"
        if isinstance(item_node, Mapping) and len(item_node.entries) == 1 \
                and next(iter(item_node.entries)) not in ("term", "definition"):
            (term_node, definition_node), = item_node.entries.values()
            item = _definition_pair(r, term_node, definition_node, item_where)
        elif r.mapping(item_node, item_where, ("term", "definition"), (),
                       "(a definition: term, definition; or 'Term: definition')") is not None:
            assert isinstance(item_node, Mapping)
            term = r.text(item_node, "term", item_where, required=True)
            definition = r.text(item_node, "definition", item_where, required=True)
            item = m.Definition(term, definition) if term is not None and definition is not None else None
        else:
            item = None
        if item is not None:
            items.append(item)
    return m.Definitions(tuple(items), node.pos) if items else None


def _definition_pair(r: Reader, term_node: Scalar, definition_node: Node, where: str) -> m.Definition | None:
    term = r.text_node(term_node, where)
    definition = r.text_node(definition_node, where)
    return m.Definition(term, definition) if term is not None and definition is not None else None


BLOCK_READERS: dict[str, BlockReader] = {
    "subheading": _subheading,
    "quote": _quote,
    "list": _list(False),
    "numbered": _list(True),
    "table": _table,
    "figure": _figure,
    "chart": _chart,
    "keyfigures": _keyfigures,
    "box": _box,
    "definitions": _definitions,
}


# ---------------------------------------------------------------- chapters


def read_chapter(path: Path, problems: Problems) -> m.Chapter | None:
    node = load_file(path, problems)
    if node is None:
        return None
    r = Reader(problems)
    if r.mapping(node, "", ("title",), ("id", "numbered", "blocks", "sections", "notes"),
                 "(a chapter: title, blocks, sections)") is None:
        return None
    assert isinstance(node, Mapping)
    title = r.text(node, "title", "", required=True)
    sections = []
    for i, section_node in enumerate(r.sequence(node, "sections", "")):
        section = read_section(r, section_node, f"sections[{i}]")
        if section is not None:
            sections.append(section)
    blocks = read_blocks(r, r.sequence(node, "blocks", ""), "blocks")
    if "blocks" not in node.entries and "sections" not in node.entries:
        r.error(node.pos, "", "a chapter needs 'blocks' or 'sections'")
    if title is None:
        return None
    return m.Chapter(
        title=title,
        id=r.identifier(node, "id", ""),  # "": resolve.py derives a unique one from the title
        numbered=r.boolean(node, "numbered", "", True),
        blocks=blocks,
        sections=tuple(sections),
        notes=read_notes(r, node, ""),
        file=path,
        pos=node.pos,
    )


def read_section(r: Reader, node: Node, where: str) -> m.Section | None:
    # a section with sub-sections may have no blocks of its own
    has_subsections = isinstance(node, Mapping) and "subsections" in node.entries
    required, optional = (("title",), ("blocks", "id", "subsections")) if has_subsections \
        else (("title", "blocks"), ("id", "subsections"))
    if r.mapping(node, where, required, optional, "(a section: title, id, blocks)") is None:
        return None
    assert isinstance(node, Mapping)
    title = r.text(node, "title", where, required=True)
    blocks = read_blocks(r, r.sequence(node, "blocks", where, required=not has_subsections), f"{where}.blocks")
    subsections = []
    for i, sub_node in enumerate(r.sequence(node, "subsections", where, required=True)):
        sub = read_subsection(r, sub_node, f"{where}.subsections[{i}]")
        if sub is not None:
            subsections.append(sub)
    ident = r.identifier(node, "id", where)
    if title is None:
        return None
    return m.Section(title, ident, blocks, node.pos, tuple(subsections))


def read_subsection(r: Reader, node: Node, where: str) -> m.Subsection | None:
    if r.mapping(node, where, ("title", "blocks"), ("id",), "(a sub-section: title, id, blocks)") is None:
        return None
    assert isinstance(node, Mapping)
    title = r.text(node, "title", where, required=True)
    blocks = read_blocks(r, r.sequence(node, "blocks", where, required=True), f"{where}.blocks")
    ident = r.identifier(node, "id", where)
    if title is None:
        return None
    return m.Subsection(title, ident, blocks, node.pos)


def read_notes(r: Reader, node: Mapping, where: str) -> dict[str, m.Note]:
    entry = node.entries.get("notes")
    if entry is None:
        return {}
    value = entry[1]
    if not isinstance(value, Mapping):
        r.error(value.pos, _join(where, "notes"), f"expected a mapping of note ids to texts, found {kind_name(value)}",
                hint="write each note as 'id: text'")
        return {}
    notes = {}
    for key, (_key_node, text_node) in value.entries.items():
        if isinstance(text_node, Sequence):  # a note of several paragraphs: one string each
            paragraphs = [r.text_node(item, f"notes.{key}[{i}]") for i, item in enumerate(text_node.items)]
            if not text_node.items:
                r.error(text_node.pos, f"notes.{key}", "the note is empty", hint="write its text after the colon")
            elif all(p is not None for p in paragraphs):
                notes[key] = m.Note(tuple(p for p in paragraphs if p is not None))
            continue
        text = r.text_node(text_node, f"notes.{key}")
        if text is not None:
            notes[key] = m.Note((text,))
    return notes


def slugify(text: str) -> str:
    """An id from a title: 'Freedom of Expression' -> 'freedom-of-expression'."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug if slug and slug[0].isalpha() else f"s-{slug}" if slug else "section"


# ---------------------------------------------------------------- the report

REPORT_REQUIRED = ("title", "issuer", "date", "chapters")
REPORT_OPTIONAL = ("slug", "language", "paper", "status", "embargo", "issuer_native", "subtitle",
                   "edition", "period", "occasion", "occasion_dates", "place", "subject", "keywords",
                   "chapter_start", "lists", "contents_depth", "fonts", "system_fonts", "compose",
                   "print_profile")


def read_report(folder: Path, problems: Problems, chapter_cache: ChapterCache | None = None) -> m.Report | None:
    """The whole report: report.yaml and every chapter file it lists, all problems collected.

    A long-lived process (--watch) passes `chapter_cache` so that unchanged chapter files are not read again.
    """
    path = folder / "report.yaml"
    try:
        content_path(path, folder)  # checked before it is opened: a link out of the folder is never read
    except Refused as exc:
        missing = str(exc) == "no such file"
        problems.add(Position(path), "no report.yaml in the content folder" if missing else f"report.yaml is {exc}",
                     hint="pass the folder that holds report.yaml with --content" if missing
                     else "the report is described by a YAML file, report.yaml" if isinstance(exc, NotAFile)
                     else _OWN_FILE)
        return None
    node = load_file(path, problems)
    if node is None:
        return None
    r = Reader(problems)
    if r.mapping(node, "", REPORT_REQUIRED, REPORT_OPTIONAL, "(the report: title, issuer, date, chapters)") is None:
        return None
    assert isinstance(node, Mapping)
    title = r.text(node, "title", "", required=True)
    issuer = r.text(node, "issuer", "", required=True)
    edition = r.text(node, "edition", "")
    date = _date(r, node)
    language = r.text(node, "language", "")
    if language is not None and not LANGUAGE.match(language.value):
        r.error(language.pos, "language", f"{language.value!r} is not a language code",
                hint="use a code such as 'en', 'fr' or 'en-US'")
    elif language is not None and language.value.split("-")[0] not in words.available():
        r.error(language.pos, "language", f"no template words for language {language.value!r}",
                hint=f"languages with words: {', '.join(words.available())}; "
                     "add one by copying folio/words/en.yaml")
    slug = r.text(node, "slug", "")
    if slug is not None and not SLUG.match(slug.value):
        r.error(slug.pos, "slug", f"{slug.value!r} cannot name a file",
                hint="use lower-case letters, digits and hyphens")
        slug = None
    status = r.choice(node, "status", "", ("draft", "embargoed", "final"), "final")
    embargo = r.text(node, "embargo", "")
    if status == "embargoed" and embargo is None:
        r.error(node.entries["status"][1].pos, "status", "an embargoed report needs 'embargo: <date and time>'",
                hint="for example: embargo: 22 February 2021, 10:00 CET")
    lists = tuple(t.value for t in r.text_list(node, "lists", ""))
    for t in r.text_list(node, "lists", ""):
        if t.value not in ("figures", "tables"):
            r.error(t.pos, "lists", f"expected 'figures' or 'tables', found {t.value!r}")
    print_profile = _print_profile(r, node, folder)
    chapters = _chapters(r, folder, node, chapter_cache)
    fonts = _fonts(r, folder, node)
    system_fonts = r.boolean(node, "system_fonts", "", False)
    if title is None or issuer is None or date is None:
        return None
    default_slug = slugify(f"{title.value} {edition.value if edition else ''}")
    return m.Report(
        folder=folder,
        slug=slug.value if slug else default_slug,
        language=language.value if language else "en",
        paper=r.choice(node, "paper", "", ("A4", "Letter"), "A4"),
        status=status,
        embargo=embargo,
        issuer=issuer,
        issuer_native=r.text(node, "issuer_native", ""),
        title=title,
        subtitle=r.text(node, "subtitle", ""),
        edition=edition,
        period=r.text(node, "period", ""),
        occasion=r.text(node, "occasion", ""),
        occasion_dates=r.text(node, "occasion_dates", ""),
        place=r.text(node, "place", ""),
        date=date,
        subject=r.text(node, "subject", ""),
        keywords=tuple(t.value for t in r.text_list(node, "keywords", "")),
        chapters=tuple(chapters),
        chapter_start=r.choice(node, "chapter_start", "", ("page", "right"), "page"),
        lists=tuple(x for x in lists if x in ("figures", "tables")),
        contents_depth=int(r.choice(node, "contents_depth", "", ("1", "2", "3"), "2")),
        compose=r.boolean(node, "compose", "", False),
        file=path,
        fonts=fonts,
        system_fonts=system_fonts,
        print_profile=print_profile,
    )


def _fonts(r: Reader, folder: Path, node: Mapping) -> tuple[m.ReportFont, ...]:
    """`fonts:` -- each a mapping: `file` and `licence` (paths in the content folder or styles/fonts),
    `role` (fallback, serif or sans): a real font, with its licence, inside the project."""
    from . import fonts as f
    from .paths import Refused

    found: list[m.ReportFont] = []
    seen: dict[Path, Position] = {}
    for i, item in enumerate(r.sequence(node, "fonts", "")):
        where = f"fonts[{i}]"
        if r.mapping(item, where, ("file", "licence"), ("role",), "(a font: file, licence, role)") is None:
            continue
        assert isinstance(item, Mapping)
        role = r.choice(item, "role", where, f.ROLES, "fallback")
        paths: dict[str, Path] = {}
        for key in ("file", "licence"):
            text = r.text(item, key, where, required=True)
            if text is None:
                continue
            value = item.entries[key][1]
            pos = value.end_pos if isinstance(value, Scalar) else text.pos
            try:
                paths[key] = f.find_file(text.value, folder, f.styles_fonts())
            except Refused as exc:
                r.error(pos, f"{where}.{key}", f"{text.value}: {exc}",
                        hint="name a file inside the content folder (or styles/fonts/), relative to report.yaml"
                        if key == "file" else "every font comes with its licence: name the licence file "
                        "shipped with the font (e.g. OFL.txt), inside the content folder")
        if "file" not in paths:
            continue
        file_pos = item.entries["file"][1].pos
        try:
            family, weight, italic = f.font_info(paths["file"])
        except (OSError, ValueError) as exc:
            r.error(file_pos, f"{where}.file", f"{item.entries['file'][1].value}: {exc}",  # type: ignore[union-attr]
                    hint="name a TrueType or OpenType font file (.ttf, .otf)")
            continue
        if paths["file"] in seen:
            r.error(file_pos, f"{where}.file", "the font is listed twice")
            continue
        seen[paths["file"]] = file_pos
        if "licence" in paths:
            found.append(m.ReportFont(paths["file"], paths["licence"], role, family, weight, italic, item.pos))
    return tuple(found)


_OWN_FILE = "put the file itself in the content folder: folio reads nothing outside the project"


def _print_profile(r: Reader, node: Mapping, folder: Path) -> Path | None:
    """`print_profile: colour/press.icc`: the press's own CMYK ICC profile, for the print file's output intent."""
    from .assets import AssetError, content_file

    name = r.text(node, "print_profile", "")
    if name is None:
        return None
    try:
        path = content_file(folder, name.value, None)
    except AssetError as exc:
        r.error(name.pos, "print_profile", exc.message, hint=exc.hint)
        return None
    with open(path, "rb") as handle:
        head = handle.read(40)
    if head[36:40] != b"acsp" or head[12:20] != b"prtrCMYK":  # PDF/X: an output profile, for CMYK
        kind = f"{head[12:16].decode('ascii', 'replace')} profile for {head[16:20].decode('ascii', 'replace').strip()}"
        what = f"an ICC {kind}" if head[36:40] == b"acsp" else "not an ICC profile"
        r.error(name.pos, "print_profile", f"{name.value!r} is {what}; the print file needs a CMYK printer profile",
                hint="ask the print shop for the ICC profile of their press and paper (a .icc file, CMYK)")
        return None
    return path


def _date(r: Reader, node: Mapping) -> dt.date | None:
    text = r.text(node, "date", "", required=True)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.value)
    except ValueError:
        r.error(text.pos, "date", f"{text.value!r} is not a date",
                hint="write it as year-month-day, e.g. 2021-02-09")
        return None


# A chapter file's (mtime, size) -> what reading it gave: the chapter and its problems.
ChapterCache = dict[Path, tuple[tuple[int, int], m.Chapter | None, Problems]]


def _read_chapter_cached(path: Path, problems: Problems, cache: ChapterCache | None) -> m.Chapter | None:
    if cache is None:
        return read_chapter(path, problems)
    stat = path.stat()
    key = (stat.st_mtime_ns, stat.st_size)
    hit = cache.get(path)
    if hit is None or hit[0] != key:
        found = Problems()
        hit = cache[path] = (key, read_chapter(path, found), found)
    problems.extend(hit[2])
    return hit[1]


def _chapters(r: Reader, folder: Path, node: Mapping, cache: ChapterCache | None = None) -> list[m.Chapter]:
    chapters: list[m.Chapter] = []
    listed: set[str] = set()
    items = r.sequence(node, "chapters", "", required=True)
    for i, item in enumerate(items):
        name = r.text_node(item, f"chapters[{i}]")
        if name is None:
            continue
        where = f"chapters[{i}]"
        file_name = name.value
        if "/" in file_name or "\\" in file_name or not file_name.endswith((".yaml", ".yml")):
            r.error(name.pos, where, f"{file_name!r} is not a file name in the content folder",
                    hint="name a .yaml file beside report.yaml, e.g. 20-introduction.yaml")
            continue
        if file_name in listed:
            r.error(name.pos, where, f"{file_name!r} is listed twice")
            continue
        listed.add(file_name)
        path = folder / file_name
        try:
            content_path(path, folder)  # checked before it is opened, as the fetcher checks images
        except NotAFile as exc:
            r.error(item.end_pos if isinstance(item, Scalar) else name.pos, where, f"{file_name!r} is {exc}",
                    hint="a chapter is a YAML file beside report.yaml")
            continue
        except Refused as exc:
            if str(exc) != "no such file":
                r.error(item.end_pos if isinstance(item, Scalar) else name.pos, where, f"{file_name!r} is {exc}",
                        hint=_OWN_FILE)
                continue
        if not path.is_file():
            on_disk = sorted(p.name for p in folder.glob("*.y*ml") if p.name != "report.yaml")
            r.error(item.end_pos if isinstance(item, Scalar) else name.pos, where,
                    f"no file {file_name!r} beside report.yaml",
                    hint=did_you_mean(file_name, on_disk))
            continue
        chapter = _read_chapter_cached(path, r.problems, cache)
        if chapter is not None:
            chapters.append(chapter)
    if items:
        for path in sorted(folder.glob("*.y*ml")):
            if path.name != "report.yaml" and path.name not in listed:
                r.error(node.entries["chapters"][0].pos, "chapters",
                        f"{path.name} is in the content folder but not listed under 'chapters'",
                        hint=f"add '- {path.name}' where it belongs, or move the file out of the folder")
    return chapters

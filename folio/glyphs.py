"""Every character that no font of the report has, found before any layout (`--check` too).

The engine finds a missing glyph only while laying the pages out, minutes into a long
build, and names no place. Here the rendered HTML (content, the templates' fixed words
and numbers) is read against the fonts the styles declare: each text is checked against
the font stack that applies to its element (the styles' `font-family`, cascaded as the
engine does for the selectors folio's styles use), and a character is covered when any
face of a family in that stack has it in its cmap (cssfonts.py reads the styles and the
cmaps, once per font file's digest). WeasyPrint is never imported.

Common case first: the characters of the whole HTML that every stack covers are dropped
at once (a set difference); only what is left is looked for element by element.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .cssfonts import KEYS, Cascade, Styles, read_styles
from .errors import Position, Problem
from .paths import PROJECT_ROOT, TEMPLATES_DIR

# A free font that has the script, for the hint (ISO 15924 code -> family). A script not
# listed gets "Noto Sans <script name>": Google's Noto families cover nearly every script.
FREE_FONTS = {
    "Mymr": "Noto Sans Myanmar", "Deva": "Noto Sans Devanagari", "Arab": "Noto Sans Arabic (or Noto Naskh Arabic)",
    "Hani": "Noto Sans CJK (SC, TC, JP or KR)", "Hira": "Noto Sans CJK JP", "Kana": "Noto Sans CJK JP",
    "Hang": "Noto Sans CJK KR", "Bopo": "Noto Sans CJK TC", "Thai": "Noto Sans Thai", "Laoo": "Noto Sans Lao",
    "Khmr": "Noto Serif Khmer (bundled in styles/fonts/)", "Beng": "Noto Sans Bengali", "Taml": "Noto Sans Tamil",
    "Telu": "Noto Sans Telugu", "Knda": "Noto Sans Kannada", "Mlym": "Noto Sans Malayalam",
    "Gujr": "Noto Sans Gujarati", "Guru": "Noto Sans Gurmukhi", "Orya": "Noto Sans Oriya",
    "Sinh": "Noto Sans Sinhala", "Tibt": "Noto Serif Tibetan", "Ethi": "Noto Sans Ethiopic",
    "Geor": "Noto Sans Georgian", "Armn": "Noto Sans Armenian", "Hebr": "Noto Sans Hebrew",
    "Syrc": "Noto Sans Syriac", "Thaa": "Noto Sans Thaana", "Mong": "Noto Sans Mongolian",
    "Latn": "Noto Sans", "Grek": "Noto Sans", "Cyrl": "Noto Sans",
    "Zyyy": "Noto Sans Symbols, Noto Sans Symbols 2 or Noto Sans Math", "Zinh": "Noto Sans",
}
EMOJI = "Noto Emoji"

# Drawn without a glyph of their own: controls, format characters (soft hyphen, zero-width
# space, joiners, direction marks), spaces (HarfBuzz makes a missing space from U+0020) and
# the default-ignorable marks.
_SILENT = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}
_IGNORABLE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def drawn(char: str) -> bool:
    """A character the engine needs a glyph for."""
    return unicodedata.category(char) not in _SILENT and not _IGNORABLE.match(char)


# ---------------------------------------------------------------- the HTML's text, element by element

_TOKEN = re.compile(r"<!--.*?-->|<(/?)([A-Za-z][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|[^<]+|<", re.S)
_ATTR = re.compile(r"""([^\s=/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
_VOID = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"))
_SKIP = frozenset(("head", "style", "script", "title"))  # text there is never drawn


@dataclass
class _Element:
    tag: str
    key: tuple  # (tag, class, lang): what decides its font stack, with its ancestors'
    src: str  # its own data-src, or its nearest ancestor's


def _texts(html: str, wanted: re.Pattern) -> Iterator[tuple[str, list[_Element]]]:
    """Each drawn text of the body that holds a wanted character, with its open elements."""
    open_: list[_Element] = []
    skipping = 0
    for match in _TOKEN.finditer(html):
        closing, tag = match.group(1), match.group(2)
        if tag is None:
            text = match.group()
            if not skipping and open_ and text[0] != "<" and wanted.search(text):
                yield (html_lib.unescape(text) if "&" in text else text), open_
            continue
        tag = tag.lower()
        if closing:
            for depth in range(len(open_) - 1, -1, -1):
                if open_[depth].tag == tag:
                    skipping -= sum(1 for e in open_[depth:] if e.tag in _SKIP)
                    del open_[depth:]
                    break
            continue
        attributes = match.group(3)
        if tag in _VOID or attributes.rstrip().endswith("/"):
            continue
        attrs = {m.group(1).lower(): html_lib.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                 for m in _ATTR.finditer(attributes)}
        parent_key = open_[-1].key if open_ else ()
        key = (*parent_key, (tag, *(attrs.get(k, "") for k in KEYS)))
        open_.append(_Element(tag, key, attrs.get("data-src") or (open_[-1].src if open_ else "")))
        if tag in _SKIP:
            skipping += 1


# ---------------------------------------------------------------- the check


@dataclass
class _Missing:
    chars: dict[str, None] = field(default_factory=dict)  # in the order met
    stack: tuple[str, ...] = ()
    src: str = ""


def check(html: str, roots: tuple[Path, ...], sources: dict[str, Position], files: list[Path],
          language: str = "en") -> list[Problem]:
    """A problem for each character no font of its stack has, grouped by block and script.

    `sources`: each block's data-src key -> where it starts in the content; `files`: the
    content files, searched for a character met outside any block (cover, contents).
    """
    styles = read_styles(html, roots)
    cascade = Cascade(styles)
    everywhere = None
    for stack in styles.stacks():
        points = styles.coverage(stack)
        everywhere = points if everywhere is None else everywhere & points
    everywhere = everywhere or frozenset()
    suspects = {c for c in set(html) if ord(c) not in everywhere and drawn(c)}
    problems = _in_styles(styles)
    for family, (path, why) in styles.unreadable.items():
        problems.append(Problem(Position(path), f"font of the family '{family}': {why}",
                                hint="name a .ttf or .otf file (fontTools must be able to open it)"))
    if not suspects:
        return problems
    wanted = re.compile("[" + "".join(re.escape(c) for c in sorted(suspects)) + "]")
    groups: dict[tuple[str, str, str], _Missing] = {}  # (block, script, stack) -> what it misses
    for text, open_ in _texts(html, wanted):
        stack = cascade.stack(open_[-1].key)
        covered = styles.coverage(stack)
        # the engine composes a base and its marks into one glyph where the font has it (NFC),
        # and draws a composed character from its parts where it has those instead (NFD)
        normal = unicodedata.is_normalized("NFC", text)
        for char in (m.group() for m in wanted.finditer(text)) if normal else unicodedata.normalize("NFC", text):
            if ord(char) in covered or not drawn(char) or _from_parts(char, covered):
                continue
            # outside any block (cover, contents), each text stands for itself
            block = open_[-1].src or f"text:{text}"
            group = groups.setdefault((block, script_of(char), "\0".join(stack)), _Missing(stack=stack))
            group.src = open_[-1].src
            group.chars.setdefault(char)
    seen: set[tuple[str, int, int, str]] = set()
    read = _Sources()
    for (_src, script, _), missing in groups.items():
        first = next(iter(missing.chars))
        where = place(first, sources.get(missing.src), files, language, read)
        key = (str(where.path), where.line, where.column, script)
        if key in seen:
            continue
        seen.add(key)
        problems.append(Problem(where, message(first, list(missing.chars)[1:]),
                                hint=hint(first, script, missing.stack, styles)))
    return problems


def _in_styles(styles: Styles) -> list[Problem]:
    """Characters the styles draw themselves (list bullets, a quotation's dash) that no declared font has."""
    anywhere: set[int] = set()
    for stack in styles.stacks():
        anywhere |= styles.coverage(stack)
    problems = []
    for text, path, selector in styles.generated:
        for char in dict.fromkeys(c for c in text if drawn(c) and ord(c) not in anywhere):
            problems.append(Problem(_line_of(path, selector), f"{selector}: the text the style adds has "
                                    f"{describe(char)}, which no font of the styles has",
                                    hint="use a character the fonts in styles/fonts/ have"))
    return problems


def _line_of(path: Path, selector: str) -> Position:
    found = _Sources().find(selector.split("\n")[0].strip(), path, 1, 1) if path.is_file() else None
    return found or Position(path)


def _from_parts(char: str, covered: frozenset[int]) -> bool:
    """A composed character (é) the engine draws from its decomposition (e and a combining acute)."""
    parts = unicodedata.normalize("NFD", char)
    return len(parts) > 1 and all(ord(part) in covered for part in parts)


def script_of(char: str) -> str:
    from fontTools import unicodedata as fonttools_unicodedata

    return fonttools_unicodedata.script(char)


def script_name(code: str) -> str:
    from fontTools import unicodedata as fonttools_unicodedata

    return fonttools_unicodedata.script_name(code)


def describe(char: str) -> str:
    """U+1000 MYANMAR LETTER KA"""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}{' ' + name if name else ''}"


def message(first: str, others: list[str]) -> str:
    text = f"no font of the report has the character {describe(first)} ({_kind(first)})"
    if others:
        shown = ", ".join(f"U+{ord(c):04X}" for c in others[:8])
        text += f"; nor {len(others)} more here: {shown}{', ...' if len(others) > 8 else ''}"
    return text


def _kind(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Co":
        return "a private-use character"
    if category == "Cn":
        return "a code point Unicode does not assign"
    script = script_of(char)
    if script == "Zyyy":
        return "a symbol or punctuation mark common to all scripts"
    if script == "Zinh":
        return "a combining mark"
    return f"{script_name(script)} script"


def free_font(char: str, script: str) -> str:
    """A free font that has the character, or "" when none can be named (private use, unassigned)."""
    if unicodedata.category(char) in ("Co", "Cn") or script == "Zzzz":
        return ""
    if unicodedata.category(char) == "So" and ord(char) >= 0x1F000:
        return EMOJI
    return FREE_FONTS.get(script) or f"Noto Sans {script_name(script)}"


def hint(char: str, script: str, stack: tuple[str, ...] = (), styles: Styles | None = None) -> str:
    elsewhere = [] if styles is None else [styles.names.get(f, f) for f in styles.faces
                                           if f not in stack and ord(char) in styles.family_cmap(f)]
    font = free_font(char, script)
    hint = (f"a free font that has it: {font}; add its file and licence to report.yaml under 'fonts:' "
            f"(see the README, \"Fonts\"), or write the text another way" if font else
            "write the text another way, or add a font made for it to report.yaml under 'fonts:' "
            "(see the README, \"Fonts\")")
    if elsewhere:
        hint = (f"the family '{elsewhere[0]}' has it, but this text is set in "
                f"{', '.join(repr(styles.names.get(f, f)) for f in stack) or 'no declared family'}; " + hint)
    return hint


def place(char: str, start: Position | None, files: list[Path], language: str,
          sources: _Sources | None = None) -> Position:
    """Where the character is written: in its block from the block's first line, else the first
    place a content file has it, else folio's fixed words or a template."""
    sources = sources if sources is not None else _Sources()
    if start is not None and start.line:
        found = sources.find(char, start.path, start.line, start.column)
        if found is not None:
            return found
    extra = [PROJECT_ROOT / "folio" / "words" / f"{language.split('-')[0]}.yaml",
             *sorted(TEMPLATES_DIR.rglob("*.html"))]
    for path in [*([start.path] if start is not None else []), *files, *extra]:
        found = sources.find(char, path, 1, 1)
        if found is not None:
            return found
    return start or Position(files[0] if files else Path("report.yaml"))


class _Sources:
    """The files searched for characters, each read once: its text and where its lines start."""

    def __init__(self) -> None:
        self.files: dict[Path, tuple[str, list[int]] | None] = {}

    def find(self, char: str, path: Path, line: int, column: int) -> Position | None:
        """The first `char` at or after line:column of the file."""
        if path not in self.files:
            try:
                text = path.read_text(encoding="utf-8-sig").replace("\r\n", "\n")
            except (OSError, UnicodeDecodeError):
                self.files[path] = None
            else:
                self.files[path] = (text, [0, *(m.end() for m in re.finditer("\n", text))])
        known = self.files[path]
        if known is None:
            return None
        text, starts = known
        if line > len(starts):
            return None
        at = text.find(char, starts[max(line, 1) - 1] + max(column, 1) - 1)
        if at < 0:
            return None
        number = bisect.bisect_right(starts, at)
        return Position(path, number, at - starts[number - 1] + 1, at - starts[number - 1] + 2)

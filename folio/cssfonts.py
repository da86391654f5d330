"""What the stylesheets say about fonts: each family's font files and their cmaps, the
font-family rules, the root's variables (--serif, --sans); and the font stack of an element.

Read with a few regular expressions, not a CSS library: `--check` stays light (it imports
neither WeasyPrint nor its CSS parsers; tests/test_safety.py). Only an element's stack,
needed once a character is already suspect, compiles selectors with cssselect2.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from .paths import PROJECT_ROOT, Refused, project_file

# ---------------------------------------------------------------- cmaps

_CMAPS: dict[str, frozenset[int]] = {}  # sha-256 of a font file -> its code points (per process: --watch)
_DIGESTS: dict[tuple[str, int, int], str] = {}  # (real path, mtime, size) -> digest: an unchanged file is hashed once


def cmap(path: Path) -> frozenset[int]:
    """The code points a font file maps to glyphs; ValueError if it is not a font fontTools reads."""
    stat = path.stat()
    key = (os.path.realpath(path), stat.st_mtime_ns, stat.st_size)
    digest = _DIGESTS.get(key)
    data = None
    if digest is None:
        data = path.read_bytes()
        digest = _DIGESTS[key] = hashlib.sha256(data).hexdigest()
    found = _CMAPS.get(digest)
    if found is None:
        found = _CMAPS[digest] = frozenset(_read_cmap(data if data is not None else path.read_bytes()))
    return found


def _read_cmap(data: bytes) -> set[int]:
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with TTFont(io.BytesIO(data), lazy=True, fontNumber=0) as font:
            best = font.getBestCmap()
    except (TTLibError, OSError, AssertionError, KeyError, ValueError, struct.error) as exc:
        raise ValueError(f"not a font file the build can read ({_why(exc)})") from exc
    if not best:
        raise ValueError("the font maps no characters (no usable cmap table)")
    return set(best)


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 100 else text[:97] + "..."


# ---------------------------------------------------------------- the stylesheets


@dataclass
class Rule:
    selectors: str  # as written; compiled only when an element's stack is needed
    families: str  # the font-family value as written (var() resolved by Styles.stack)
    important: bool
    order: int


@dataclass
class Styles:
    faces: dict[str, list[Path]] = field(default_factory=dict)  # family (lower case) -> font files
    names: dict[str, str] = field(default_factory=dict)  # family (lower case) -> as written
    rules: list[Rule] = field(default_factory=list)
    variables: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # --x on the root: (weight, order, value)
    page: str = ""  # @page's font-family (running heads, folios)
    unreadable: dict[str, tuple[Path, str]] = field(default_factory=dict)  # family -> a face that is not a font
    # text the styles themselves draw (content:, list-style-type: strings): (text, stylesheet, selector)
    generated: list[tuple[str, Path, str]] = field(default_factory=list)
    _covered: dict[tuple[str, ...], frozenset[int]] = field(default_factory=dict)  # per stack, and per (family,)

    def coverage(self, stack: tuple[str, ...]) -> frozenset[int]:
        """The code points some face of the stack has."""
        found = self._covered.get(stack)
        if found is None:
            points: set[int] = set()
            for family in stack:
                points |= self.family_cmap(family)
            found = self._covered[stack] = frozenset(points)
        return found

    def family_cmap(self, family: str) -> frozenset[int]:
        found = self._covered.get((family,), None) if family in self.faces else frozenset()
        if found is None:
            points: set[int] = set()
            for path in self.faces[family]:
                try:
                    points |= cmap(path)
                except (OSError, ValueError) as exc:
                    self.unreadable.setdefault(family, (path, str(exc)))
            found = self._covered[(family,)] = frozenset(points)
        return found

    def stack(self, value: str) -> tuple[str, ...]:
        """A font-family value as family names (lower case), var() resolved from the root."""
        for _ in range(8):  # a variable may name another
            value, count = _VAR.subn(lambda m: self.variables.get(m.group(1), (0, 0, m.group(2) or ""))[2], value)
            if not count:
                break
        return tuple(dict.fromkeys(name.lower() for name in family_names(value)))

    def stacks(self) -> set[tuple[str, ...]]:
        """Every stack the styles set somewhere that names a declared family (not `inherit` alone)."""
        found = {self.stack(rule.families) for rule in self.rules} | {self.stack(self.page)}
        return {stack for stack in found if any(family in self.faces for family in stack)}


_VAR = re.compile(r"var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))\s*\)|^\s*(?:"([^"]*)"|'([^']*)')""")


def family_names(value: str) -> list[str]:
    """`"Report Serif", Khmer Font` -> ["Report Serif", "Khmer Font"]"""
    names = []
    for item in _split(value, ","):
        item = item.strip()
        if item[:1] in "\"'" and item[-1:] == item[:1]:
            names.append(item[1:-1])
        elif item:
            names.append(" ".join(item.split()))
    return names


def _split(text: str, separator: str) -> list[str]:
    """`text` cut at each separator outside quotes and brackets."""
    parts, depth, quote, start = [], 0, "", 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == separator and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _blocks(text: str) -> list[tuple[str, str | None]]:
    """The top-level statements of a stylesheet or block: (prelude, body), body None for `@import ...;`."""
    out: list[tuple[str, str | None]] = []
    depth, quote, start, open_at = 0, "", 0, 0
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "{":
            if depth == 0:
                open_at = index
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                out.append((text[start:open_at].strip(), text[open_at + 1 : index]))
                start = index + 1
        elif char == ";" and depth == 0:
            out.append((text[start:index].strip(), None))
            start = index + 1
    return out


def _declarations(body: str) -> list[tuple[str, str, bool]]:
    """(name, value, important) of a block's own declarations (nested blocks left out)."""
    flat = "".join(prelude + ";" for prelude, inner in _blocks(body + ";") if inner is None)
    out = []
    for part in _split(flat, ";"):
        name, colon, value = part.partition(":")
        if colon and name.strip():
            important = bool(re.search(r"!\s*important\s*$", value))
            out.append((name.strip() if name.strip().startswith("--") else name.strip().lower(),
                        re.sub(r"!\s*important\s*$", "", value).strip(), important))
    return out


_LINK = re.compile(r'<link\b[^>]*\brel="stylesheet"[^>]*\bhref="([^"]*)"|<style>(.*?)</style>', re.S)
_ROOT = re.compile(r"^(?:html)?(?::root)*$")  # a selector for the root element, where the variables are kept


def read_styles(html: str, roots: tuple[Path, ...]) -> Styles:
    """The fonts of the stylesheets the HTML links and holds, in the engine's order."""
    styles = Styles()
    head = html[: html.find("<body")] if "<body" in html else html
    order = [0]
    for match in _LINK.finditer(head):
        if match.group(1) is not None:
            try:
                path = project_file(html_lib.unescape(match.group(1)), PROJECT_ROOT, roots)
            except Refused:
                continue  # check_references reports it
            _read_sheet(styles, path.read_text(encoding="utf-8"), path, roots, order, set())
        else:
            _read_sheet(styles, match.group(2), PROJECT_ROOT / "inline.css", roots, order, set())
    return styles


def variables(sheets: tuple[str, ...], roots: tuple[Path, ...]) -> dict[str, str]:
    """The root's custom properties (--serif, --sans) in the stylesheets named, as CSS text."""
    styles = read_styles("".join(f'<link rel="stylesheet" href="{sheet}">' for sheet in sheets), roots)
    return {name: value for name, (_, _, value) in styles.variables.items()}


def _read_sheet(styles: Styles, text: str, path: Path, roots: tuple[Path, ...], order: list[int],
                seen: set[Path]) -> None:
    if path in seen:
        return
    seen.add(path)
    for prelude, body in _blocks(_COMMENT.sub("", text)):
        keyword = prelude.split(None, 1)[0].lower() if prelude.startswith("@") else ""
        if keyword == "@import" and body is None:
            name = _url(prelude[len("@import"):])
            try:
                found = project_file(name, path.parent, roots)
            except Refused:
                continue
            _read_sheet(styles, found.read_text(encoding="utf-8"), found, roots, order, seen)
        elif body is None:
            continue
        elif keyword == "@font-face":
            _font_face(styles, _declarations(body), path.parent, roots)
        elif keyword == "@page":
            styles.page = next((v for n, v, _ in _declarations(body) if n == "font-family"), styles.page)
            _generated(styles, body, path, prelude)
            for box, inner in _blocks(body + ";"):
                if inner is not None:
                    _generated(styles, inner, path, f"{prelude} {box}")
        elif keyword == "@media" and re.search(r"\b(print|all)\b", prelude):
            _read_sheet(styles, body, path.with_suffix(f".{order[0]}.media"), roots, order, seen)
        elif not keyword:
            _generated(styles, body, path, prelude)
            for name, value, important in _declarations(body):
                if name == "font-family":
                    order[0] += 1
                    styles.rules.append(Rule(prelude, value, important, order[0]))
                elif name.startswith("--"):
                    order[0] += 1
                    for selector in _split(prelude, ","):
                        compact = "".join(selector.split())
                        if _ROOT.match(compact) and compact:
                            weight = compact.count(":root") * 100 + compact.startswith("html")
                            old = styles.variables.get(name)
                            if old is None or (weight, order[0]) >= old[:2]:
                                styles.variables[name] = (weight, order[0], value)


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'', re.S)
_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)


def _generated(styles: Styles, body: str, path: Path, selector: str) -> None:
    for name, value, _ in _declarations(body):
        if name in ("content", "list-style-type", "quotes"):
            for match in _STRING.finditer(value):
                text = _ESCAPE.sub(_unescape, match.group(1) if match.group(1) is not None else match.group(2))
                if text:
                    styles.generated.append((text, path, selector))


def _unescape(match: re.Match) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
    return match.group(2)


def _url(text: str) -> str:
    match = _URL.search(text.strip())
    return next((g for g in match.groups() if g), "") if match else ""


def _font_face(styles: Styles, declarations: list[tuple[str, str, bool]], base: Path,
               roots: tuple[Path, ...]) -> None:
    family = next((family_names(v)[0] for n, v, _ in declarations if n == "font-family" and family_names(v)), "")
    for name, value, _ in declarations:
        if name != "src":
            continue
        for source in _split(value, ","):
            url = _url(source)
            if not url or url.startswith("data:"):
                continue
            try:
                path = project_file(url, base, roots)
            except Refused:
                continue  # the fetcher refuses it, and says so
            styles.faces.setdefault(family.lower(), []).append(path)
            styles.names.setdefault(family.lower(), family)


# ---------------------------------------------------------------- an element's stack

KEYS = ("class", "lang")  # the attributes an element's stack is computed from (with its tag and ancestry)


class Cascade:
    """The font stack of an element, from the styles' font-family rules, cached by its ancestry:
    a tuple of (tag, class, lang) from the root down."""

    def __init__(self, styles: Styles) -> None:
        self.styles = styles
        self.cache: dict[tuple, tuple[str, ...]] = {}
        self.compiled: list[tuple[list, Rule]] | None = None

    def stack(self, key: tuple) -> tuple[str, ...]:
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._compute(key)
        return found

    def _rules(self) -> list[tuple[list, Rule]]:
        import cssselect2

        if self.compiled is None:
            self.compiled = []
            for rule in self.styles.rules:
                try:
                    compiled = cssselect2.compile_selector_list(rule.selectors)
                    selectors = [s for s in compiled if s.pseudo_element is None]
                except cssselect2.SelectorError:
                    continue
                if selectors:
                    self.compiled.append((selectors, rule))
        return self.compiled

    def _compute(self, key: tuple) -> tuple[str, ...]:
        import xml.etree.ElementTree as ET

        import cssselect2

        root = element = None
        for tag, *values in key:
            attrs = {name: value for name, value in zip(KEYS, values, strict=True) if value}
            element = ET.Element(tag, attrs) if element is None else ET.SubElement(element, tag, attrs)
            root = element if root is None else root
        chain = [cssselect2.ElementWrapper.from_html_root(root)]
        while len(chain) < len(key):
            chain.append(next(chain[-1].iter_children()))
        value = ""
        for level in chain:  # inherited, unless a rule sets it on the element
            best = None
            for selectors, rule in self._rules():
                for selector in selectors:
                    if selector.test(level):
                        rank = (rule.important, selector.specificity, rule.order)
                        if best is None or rank > best[0]:
                            best = (rank, rule.families)
            if best is not None:
                value = best[1]
        return self.styles.stack(value)

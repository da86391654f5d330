"""An image a report uses is opened and vetted before the layout engine sees it.

`vet` is the one check: validate.py runs it on every figure (so `--check` and a
build refuse the same files, at the figure's line) and the typesetter's fetcher on
every image it serves (what a stylesheet or an SVG names, or a file changed since).
It needs no WeasyPrint.

- PNG and JPEG: the header is read first and an image over `MAX_PIXELS` pixels or
  `MAX_DECODED_BYTES` decoded is refused before anything is decoded; then the whole
  image is decoded, so that a damaged or cut-short file is an error instead of
  rows of nothing (the engine turns Pillow's truncation check off).
- SVG: parsed with expat, nothing fetched, no entity but plain text (expat also bounds
  how far entities expand). It may refer only to its own parts (`#id`), and an
  `<image>` in it to a PNG or JPEG inside the project (a file, or a `data:` URL), each
  vetted in turn. Its elements are counted as its `<use>` and `url(#id)` references
  expand them, so that a few kilobytes cannot ask for millions of shapes.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.parsers import expat

from .assets import AssetError, image_kind_of
from .paths import Refused, project_file

MAX_PIXELS = 50_000_000  # 50 megapixels: a full A4 page at 600 dpi is 35
# What Pillow holds once the pixels are decoded: a second bound, for modes of many bytes a
# pixel; the modes a PNG or JPEG opens in take at most 4, so today 50 megapixels stay under it.
MAX_DECODED_BYTES = 256 * 1024 * 1024
MAX_SVG_ELEMENTS = 100_000  # after <use> and url(#id) references are expanded
MAX_SVG_REFERENCE_DEPTH = 16  # a reference to an element that holds a reference ...
# Elements inside elements, counted with references expanded: the engine draws them recursively
# (and fails at about 1,000 levels, as "Failed to render SVG image").
MAX_SVG_NESTING = 200

# Bytes a decoded pixel takes in Pillow's memory, by mode; 4 for any other.
_PIXEL_BYTES = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2}
_SVG_NS, _XLINK_NS, _XML_NS = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink", \
    "http://www.w3.org/XML/1998/namespace"
_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)\s]*))""", re.I)
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})[ \t\r\n\f]?|\\(.)", re.S)
_CSS_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.S)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LINK = re.compile(r"^(https?|mailto):", re.I)
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg|jpg);base64,", re.I)
_REFS_HINT = ("an SVG may refer only to its own parts (#id), and its <image> elements to PNG or JPEG files "
              "in the report's folder: export it with its pictures embedded")
_SVG_HINT = ("export the SVG again with its styles and pictures inside it "
             "(most editors: 'embed images', 'presentation attributes' or 'inline CSS')")


class ImageError(AssetError):
    """An image folio will not pass to the engine; `why` says it without the file's name."""

    def __init__(self, name: str, why: str, hint: str = "") -> None:
        super().__init__(f"{name!r} {why}", hint)
        self.why = why


# A file as it was when vetted: the path as named, its real path, mtime and size (-1, -1: no file there).
Stamp = tuple[str, str, int, int]
# (real path, mtime, size) -> (the roots an SVG was vetted for, or None; the error found, or None; the
# stamps of the files an SVG's <image> elements name, on which the verdict also depends): a file is
# decoded once per process, though validation and the fetcher both ask, and again when it or a
# picture it includes changes (--watch: a mended picture clears its SVG's refusal)
_vetted: dict[tuple[str, int, int], tuple[tuple[Path, ...] | None, ImageError | None, tuple[Stamp, ...]]] = {}


def vet(path: Path, roots: tuple[Path, ...], name: str = "") -> None:
    """Open the image at `path` as the engine would, and refuse it (ImageError) if folio will not use it.

    `roots` are the folders an SVG's own references may lead into; `name` is the
    file as the author wrote it, for the message.
    """
    name = name or path.name
    real = os.path.realpath(path)
    try:
        stat = os.stat(real)
        key = (real, stat.st_mtime_ns, stat.st_size)
        known = _vetted.get(key)
        if known is None or known[0] not in (None, tuple(roots)) or any(_stamp(d[0]) != d for d in known[2]):
            known = _vetted[key] = _vet_file(real, roots, name)
    except OSError as exc:
        raise ImageError(name, f"cannot be read: {exc.strerror or exc}") from None
    if known[1] is not None:
        raise ImageError(name, known[1].why, known[1].hint)


def _vet_file(real: str, roots: tuple[Path, ...],
              name: str) -> tuple[tuple[Path, ...] | None, ImageError | None, tuple[Stamp, ...]]:
    with open(real, "rb") as handle:
        data = handle.read()
    found: ImageError | None = None
    depends: list[Stamp] = []
    try:
        vet_bytes(data, Path(real).parent, roots, name, depends)
    except ImageError as exc:
        found = exc
    # a PNG or JPEG is the same whatever the roots; what an SVG may refer to depends on them
    return (tuple(roots) if image_kind_of(data[:4096]) == "svg" else None), found, tuple(depends)


def _stamp(path: str) -> Stamp:
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except (OSError, ValueError):
        return path, real, -1, -1
    return path, real, info.st_mtime_ns, info.st_size


def vet_bytes(data: bytes, base: Path, roots: tuple[Path, ...], name: str, depends: list[Stamp] | None = None) -> None:
    """`vet` on bytes already read; `base` is the folder an SVG's relative references start from.

    `depends`, when given, receives the stamp of each file the SVG's <image> elements name (vet keeps
    them with its verdict)."""
    kind = image_kind_of(data[:4096])
    if kind == "svg":
        _vet_svg(data, base, roots, name, depends if depends is not None else [])
    elif kind:
        _vet_raster(data, kind, name)
    else:
        raise ImageError(name, "is not a PNG, JPEG or SVG image", "export the picture as SVG, PNG or JPEG")


# ---------------------------------------------------------------- PNG and JPEG


def _vet_raster(data: bytes, kind: str, name: str) -> None:
    from PIL import Image, ImageFile

    hint = "export it again from the original, or open and save it again"
    old_limit, old_truncated = Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES
    # Our own limits are checked on the header below, in the author's terms; Pillow's warning
    # and error are not shown. WeasyPrint turns the truncation check off when it is imported.
    Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = None, False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                with Image.open(io.BytesIO(data), formats=["PNG" if kind == "png" else "JPEG"]) as image:
                    _within_limits(image.width, image.height, image.mode, name)
                    image.load()
            except ImageError:
                raise
            except Exception as exc:  # Pillow's decoders raise OSError, SyntaxError, ValueError, ...
                why = " ".join(str(exc).split()) or type(exc).__name__
                if "truncated" in why:
                    raise ImageError(name, "does not decode completely: the file is damaged or cut short",
                                     hint) from None
                raise ImageError(name, f"cannot be decoded as {kind.upper()}: {why}", hint) from None
    finally:
        Image.MAX_IMAGE_PIXELS, ImageFile.LOAD_TRUNCATED_IMAGES = old_limit, old_truncated


def _within_limits(width: int, height: int, mode: str, name: str) -> None:
    hint = "scale it down: a full A4 page at 300 dpi is about 9 megapixels"
    pixels = width * height
    if pixels > MAX_PIXELS:
        raise ImageError(name, f"is {width} x {height} pixels ({pixels / 1e6:.1f} megapixels); "
                               f"the limit is {MAX_PIXELS // 1_000_000} megapixels", hint)
    decoded = pixels * _PIXEL_BYTES.get(mode, 4)
    if decoded > MAX_DECODED_BYTES:
        raise ImageError(name, f"takes {decoded / 2**20:.0f} MB once decoded ({width} x {height}, {mode}); "
                               f"the limit is {MAX_DECODED_BYTES // 2**20} MB", hint)


# ---------------------------------------------------------------- SVG


@dataclass
class _Element:
    tag: str
    line: int
    children: list[int] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)  # ids this element draws again (<use>, url(#id))


class _Svg:
    """What vetting needs of an SVG, read in one pass of expat; ImageError at the first refusal."""

    def __init__(self, base: Path, roots: tuple[Path, ...], name: str, depends: list[Stamp]) -> None:
        self.base, self.roots, self.name = base, roots, name
        self.depends = depends  # each file an <image> names, as it was when read
        self.elements: list[_Element] = []
        self.ids: dict[str, int] = {}
        self.open: list[int] = []
        self.style: list[str] | None = None  # text of the <style> being read
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self.start
        self.parser.EndElementHandler = self.end
        self.parser.CharacterDataHandler = self.text
        # a DOCTYPE names a DTD that is never fetched; the declarations it holds itself are vetted
        self.parser.EntityDeclHandler = self.entity
        self.parser.SkippedEntityHandler = self.skipped
        self.parser.ExternalEntityRefHandler = self.external
        self.parser.ProcessingInstructionHandler = self.instruction

    def refuse(self, why: str, hint: str = _SVG_HINT) -> ImageError:
        return ImageError(self.name, f"(line {self.parser.CurrentLineNumber} of the SVG) {why}", hint)

    # -- expat's handlers

    def entity(self, name: str, parameter: bool, value: str | None, base: object, system: str | None,
               public: str | None, notation: str | None) -> None:
        """Plain text entities are fine (Illustrator declares its namespaces so); nothing more."""
        hint = "folio expands only plain text entities: remove the declaration or write its text out"
        if value is None:
            raise self.refuse(f"declares an external entity ({name!r}, {_shown(system or public or '')!r})", hint)
        if parameter:
            raise self.refuse(f"declares a parameter entity ('%{name}')", hint)
        if "&" in value or "%" in value or len(value) > 1024:
            raise self.refuse(f"declares an entity ({name!r}) made of other entities or over 1,024 characters",
                              hint)

    def skipped(self, name: str, parameter: bool) -> None:
        # an entity the file uses but does not declare (its DTD is not read): the engine would fail on it
        raise self.refuse(f"uses an entity it does not declare (&{name};)",
                          "write the character out, or as a number (&#8212;)")

    def external(self, *args: object) -> int:
        raise self.refuse("refers to an external entity", "folio does not read external entities; remove it")

    def instruction(self, target: str, data: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise self.refuse("links a stylesheet (<?xml-stylesheet?>)")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if len(self.elements) >= MAX_SVG_ELEMENTS:
            raise self.refuse(f"has more than {MAX_SVG_ELEMENTS:,} elements; the limit is {MAX_SVG_ELEMENTS:,}",
                              "simplify the drawing, or export it as a PNG")
        if len(self.open) >= MAX_SVG_NESTING:
            raise self.refuse(f"nests elements more than {MAX_SVG_NESTING} deep; the limit is {MAX_SVG_NESTING}",
                              "flatten the drawing's groups, or export it as a PNG")
        namespace, _, local = tag.rpartition(" ")
        index = len(self.elements)
        element = _Element(local, self.parser.CurrentLineNumber)
        if self.open:
            self.elements[self.open[-1]].children.append(index)
        elif local != "svg":
            raise self.refuse(f"has <{local}> at its root instead of <svg>", "export the drawing as SVG again")
        self.elements.append(element)
        self.open.append(index)
        for key, value in attrs.items():
            space, _, attr = key.rpartition(" ")
            if attr == "id" and space in ("", _XML_NS):
                self.ids.setdefault(value.strip(), index)
            elif attr == "base" and space == _XML_NS:
                raise self.refuse(f"sets xml:base={value!r}, which changes where its references lead")
            elif attr == "href" and space in ("", _XLINK_NS):
                self.href(element, value)
            if "url(" in value.lower() or "\\" in value:
                self.css(element, value, f"{attr}={value!r}")
        if local == "style" and namespace in ("", _SVG_NS):
            self.style = []

    def end(self, tag: str) -> None:
        index = self.open.pop()
        if self.style is not None and self.elements[index].tag == "style":
            self.css(self.elements[index], "".join(self.style), "its <style>")
            self.style = None

    def text(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)

    # -- references

    def href(self, element: _Element, value: str) -> None:
        ref = value.strip()
        if not ref:
            return  # names nothing; the engine draws nothing for it
        if ref.startswith("#"):
            if element.tag != "a":  # a link inside the drawing is not drawn again
                element.refs.append(ref[1:])
        elif element.tag == "a" and _LINK.match(ref):
            pass  # a link to a web page or an address: nothing is fetched
        elif element.tag in ("image", "feImage"):
            self.picture(ref)
        else:
            raise self.refuse(f"refers to {_shown(ref)!r} in <{element.tag}>", _REFS_HINT)

    def css(self, element: _Element, text: str, where: str) -> None:
        text = _CSS_COMMENT.sub(" ", _CSS_ESCAPE.sub(_unescape, text))
        if "@import" in text.lower():
            raise self.refuse(f"imports a stylesheet (@import) in {where}")
        for match in _URL.finditer(text):
            ref = next(g for g in match.groups() if g is not None).strip()
            if not ref:
                continue
            if ref.startswith("#"):
                element.refs.append(ref[1:])
            else:
                raise self.refuse(f"refers to {_shown(ref)!r} in {_shown(where)}", _REFS_HINT)

    def picture(self, ref: str) -> None:
        """An <image> in the SVG: a PNG or JPEG in the project, vetted as a figure is."""
        data = _DATA_IMAGE.match(ref)
        if data:
            try:
                raw = base64.b64decode(re.sub(r"\s+", "", ref[data.end():]), validate=True)
            except (binascii.Error, ValueError):
                raise self.refuse("has an <image> whose data: URL is not valid base64") from None
            try:
                _vet_raster(raw, "jpeg" if data.group(1).lower() in ("jpeg", "jpg") else "png", "")
            except ImageError as exc:
                raise self.refuse(f"has an <image> (a data: URL) that {exc.why}", exc.hint) from None
            return
        if _SCHEME.match(ref) or ref.startswith(("/", "\\")):
            raise self.refuse(f"refers to {_shown(ref)!r} in <image>", _REFS_HINT)
        # stamped before it is looked at: missing, outside or damaged now, it may be mended later
        self.depends.append(_stamp(os.path.abspath(self.base / unquote(urlsplit(ref).path))))
        try:
            path = project_file(ref, self.base, self.roots)
        except Refused as exc:
            where = " (a path in an SVG starts from the SVG's own folder)" if str(exc) == "no such file" else ""
            raise self.refuse(f"has an <image> of {_shown(ref)!r}: {exc}{where}", _REFS_HINT) from None
        with open(path, "rb") as handle:
            kind = image_kind_of(handle.read(4096))
        if kind not in ("png", "jpeg"):
            raise self.refuse(f"has an <image> of {ref!r}, which is not a PNG or JPEG image")
        try:
            vet(path, self.roots, ref)
        except ImageError as exc:
            raise self.refuse(f"has an <image> of {ref!r} that {exc.why}", exc.hint) from None


def _unescape(match: re.Match) -> str:
    if match.group(1):
        code = int(match.group(1), 16)
        return chr(code) if 0 < code < 0x110000 and not 0xD800 <= code < 0xE000 else "\ufffd"
    return match.group(2)


def _shown(ref: str) -> str:
    return ref if len(ref) < 60 else ref[:57] + "..."


def _vet_svg(data: bytes, base: Path, roots: tuple[Path, ...], name: str, depends: list[Stamp]) -> None:
    svg = _Svg(base, roots, name, depends)
    try:
        svg.parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise ImageError(name, f"is not well-formed XML: {expat.ErrorString(exc.code)} "
                               f"(line {exc.lineno}, column {exc.offset + 1} of the SVG)",
                         "open it in a drawing program and save it again") from None
    if not svg.elements:
        raise ImageError(name, "has no <svg> element", "export the drawing as SVG again")
    _expanded(svg)


def _expanded(svg: _Svg) -> None:
    """Count the elements drawn once every reference is expanded, how deep they nest, and the deepest
    chain of references.

    Each element's totals are computed once (memoised), after its children's and its
    targets', in an explicit stack (no recursion); a reference back into an element
    being counted is a loop.
    """
    elements = svg.elements
    size = len(elements)
    count, depth, nesting, state = [0] * size, [0] * size, [0] * size, [0] * size  # state: 1 open, 2 done

    def targets(index: int) -> list[int]:
        return [svg.ids[ref] for ref in elements[index].refs if ref in svg.ids]

    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        index, done = stack.pop()
        if done:
            total = 1 + sum(count[c] for c in elements[index].children)
            deepest = max((depth[c] for c in elements[index].children), default=0)
            inner = max((nesting[c] for c in elements[index].children), default=0)
            for target in targets(index):
                total += count[target]
                deepest = max(deepest, depth[target] + 1)
                inner = max(inner, nesting[target])
            element = elements[index]
            if inner + 1 > MAX_SVG_NESTING:
                raise ImageError(svg.name, f"nests elements more than {MAX_SVG_NESTING} deep once its references "
                                           f"(<use> or url(#id)) are drawn, from <{element.tag}> at line "
                                           f"{element.line}; the limit is {MAX_SVG_NESTING}",
                                 "flatten the drawing's groups, or export it as a PNG")
            if deepest > MAX_SVG_REFERENCE_DEPTH:
                raise ImageError(svg.name, f"nests references (<use> or url(#id)) more than {MAX_SVG_REFERENCE_DEPTH} "
                                           f"deep, from <{element.tag}> at line {element.line}; the limit is "
                                           f"{MAX_SVG_REFERENCE_DEPTH}", "simplify the drawing, or export it as a PNG")
            if total > MAX_SVG_ELEMENTS:
                raise ImageError(svg.name, f"expands to more than {MAX_SVG_ELEMENTS:,} elements once its references "
                                           f"(<use> or url(#id)) are drawn, from <{element.tag}> at line "
                                           f"{element.line}; the limit is {MAX_SVG_ELEMENTS:,}",
                                 "simplify the drawing, or export it as a PNG")
            count[index], depth[index], nesting[index], state[index] = total, deepest, inner + 1, 2
            continue
        if state[index] == 2:
            continue
        state[index] = 1
        stack.append((index, True))
        for following in elements[index].children + targets(index):
            if state[following] == 1:
                looped = elements[following]
                raise ImageError(svg.name, f"refers to itself in a loop: <{looped.tag}> at line {looped.line} is "
                                           "drawn inside itself", "remove the reference that closes the loop")
            if state[following] == 0:
                stack.append((following, False))

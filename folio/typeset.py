"""Lay out the HTML with WeasyPrint, safely. The only module that imports WeasyPrint.

Three guards around the engine, each because its default is open or silent:
- `ProjectFetcher` serves only files whose real path is inside the allowed
  roots and `data:` URLs; every other URL (http, ftp, a file elsewhere) is
  refused, so no network connection is ever opened and nothing outside the
  project is read, whatever the content or templates name. Every PNG, JPEG or
  SVG it serves is vetted first (images.py: decoded whole, within limits; an
  SVG's references), so the engine never draws a broken or hostile image.
- `engine_messages` turns every WeasyPrint warning or error (missing image,
  unknown anchor, CSS it ignored, missing glyph) into a failure of the build.
- PDF bytes are returned, never written here: see write.py.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn
from urllib.parse import unquote, urlsplit

from .assets import image_kind_of
from .errors import BuildError, display_path
from .images import ImageError, vet
from .paths import Refused, project_file

# The stdlib's MIME table reads /etc/mime.types and the like on first use (WeasyPrint
# makes one at import); its built-in table is all we need, so nothing outside is read.
mimetypes.knownfiles = []

import weasyprint  # noqa: E402  (after the line above)
from weasyprint.formatting_structure import boxes  # noqa: E402, F401  (the box types preflight.py inspects)
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from . import footnote_fix, notecarry  # noqa: E402

_MIME = {".css": "text/css", ".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff",
         ".woff2": "font/woff2", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
         ".gif": "image/gif", ".webp": "image/webp", ".svg": "image/svg+xml"}

footnote_fix.apply()  # notes on their call's page: see folio/footnote_fix.py
notecarry.apply()  # a carried note set once: see folio/notecarry.py


class RefusedURL(ValueError):
    """A URL the build will not fetch."""

    def __init__(self, url: str, why: str) -> None:
        self.url, self.why = url, why
        super().__init__(f"refused {url}: {why}")


class ProjectFetcher(URLFetcher):
    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = roots
        self.refused: list[tuple[str, str]] = []  # (URL as shown, why), also those the engine hides
        self.cache: dict[str, bytes] = {}  # fonts and images are read once per process

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if urlsplit(url).scheme == "data":
            return super().fetch(url, headers)
        try:
            # the same rule --check applies (paths.project_file); URLs here are absolute
            real = os.fspath(project_file(url, self.roots[0], self.roots))
        except Refused as exc:
            self._refuse(url, str(exc))
        body = self.cache.get(real)
        if body is None:
            try:
                with open(real, "rb") as handle:
                    body = handle.read()
            except OSError as exc:
                self._refuse(url, exc.strerror or "cannot be read")
            if image_kind_of(body[:4096]):
                try:  # the check validation made of each figure (images.py), for every image served
                    vet(Path(real), self.roots, shown_url(url))
                except ImageError as exc:
                    self._refuse(url, exc.why)
            self.cache[real] = body
        mime = _MIME.get(Path(real).suffix.lower(), "application/octet-stream")
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    def _refuse(self, url: str, why: str) -> NoReturn:
        self.refused.append((shown_url(url), why))
        raise RefusedURL(shown_url(url), why)


def engine_version() -> str:
    return weasyprint.__version__


def shown_url(url: str) -> str:
    """A URL as a person reads it: a project file by its path relative to where the command ran."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return display_path(Path(unquote(parts.path)))
    return url if len(url) < 80 else url[:77] + "..."


class _Collect(logging.Handler):
    """Every WeasyPrint warning and error, retold with the file or URL it is about."""

    def __init__(self, document_url: str = "") -> None:
        super().__init__(logging.WARNING)
        self.document_url = document_url
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(self.describe(record))
        except Exception:  # a message that cannot be formatted is still a failure
            self.messages.append(str(record.msg))

    def describe(self, record: logging.LogRecord) -> str:
        args = record.args if isinstance(record.args, tuple) else ()
        if record.msg.startswith("Failed to load image at") and len(args) == 2:
            return f"image {shown_url(str(args[0]))}: {_reason(args[1])}"
        if record.msg.startswith("Failed to load stylesheet at") and len(args) == 2:
            return f"stylesheet {shown_url(str(args[0]))}: {_reason(args[1])}"
        if record.msg.startswith("Content discarded: target points to undefined anchor") and args:
            anchor = args[0][-1] if isinstance(args[0], tuple) else args[0]
            return f"a link or cross-reference points to an anchor that does not exist: {anchor}"
        if record.msg.startswith("Failed to load attachment") and args:
            return f"attachment: {_reason(args[0])}"
        message = " ".join(record.getMessage().split())
        at = re.search(r" at (\d+):(\d+)", message)
        source = _css_source()
        if at and source:
            # "Ignored `colr: red` at 3:5, unknown property." -> "styles/page.css:3:5: Ignored ..."
            where = ("the HTML (a <style> element or style attribute)" if source == self.document_url
                     else shown_url(source))
            return f"{where}:{at.group(1)}:{at.group(2)}: {message[: at.start()]}{message[at.end():]}"
        return message


def _reason(exc: object) -> str:
    """An engine exception in one line; our own refusals as they are."""
    while isinstance(exc, BaseException) and not str(exc) and (exc.__cause__ or exc.__context__):
        exc = exc.__cause__ or exc.__context__  # the engine's wrapper says nothing; its cause does
    text = " ".join(str(exc).split()) or type(exc).__name__
    refused = re.search(r"RefusedURL: refused (.*)", text)
    if refused:  # the fetcher's own words, without the engine's wrapping
        return "refused: " + refused.group(1).split(": ", 1)[-1] if ": " in refused.group(1) else text
    text = re.sub(r" <_io\.\w+ object at 0x[0-9a-f]+>", "", text)
    if "cannot identify image file" in text:
        return "not an image the engine can read"
    return text if len(text) < 160 else text[:157] + "..."


def _css_source() -> str:
    """The URL of the stylesheet WeasyPrint is reading while it logs, found on the call stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name in ("preprocess_declarations", "preprocess_stylesheet"):
            base = frame.f_locals.get("base_url")
            if isinstance(base, str):
                return base
        frame = frame.f_back
    return ""


@contextmanager
def engine_messages(document_url: str = "") -> Iterator[_Collect]:
    """Collect WeasyPrint's warnings and errors; the caller fails the build on any."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect(document_url)
    old_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False  # shown once, by us, as a build error
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate = old_propagate


@dataclass
class Laid:
    """A laid-out document and what is needed to write it."""

    document: weasyprint.Document
    options: dict


def layout(html: str, base_url: str, roots: tuple[Path, ...], *, pdf_options: dict | None = None,
           fetcher: ProjectFetcher | None = None, system_fonts: bool = False,
           check_notes: bool = True) -> Laid:
    """Lay the HTML out into pages; any engine warning is a BuildError.

    `check_notes` False leaves footnote_fix.check_notes to the caller: the preflight lays out
    pages with a note not yet cut, mends them, and checks the pages it keeps.

    Unless `system_fonts` (report.yaml's opt-in), fontconfig sees no font of the machine at
    all, only the stylesheets' @font-face files: a character they lack is drawn as .notdef,
    which the engine logs and the build refuses, instead of being taken silently from
    whatever font the machine has, and the PDF depends on the project alone.
    """
    fetcher = fetcher or ProjectFetcher(roots)
    with engine_messages(base_url) as log, _fonts_only(not system_fonts):
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            **(pdf_options or {}))
    # The engine swallows some fetch failures (a font: "Font-face 'X' cannot be loaded"); say why.
    hidden = [f"{url}: refused: {why}" for url, why in fetcher.refused
              if not any(url in message for message in log.messages)]
    _raise_on(log.messages + hidden, "laying out the pages")
    if check_notes:
        footnote_fix.check_notes(document)
    return Laid(document, pdf_options or {})


NO_SYSTEM_FONTS = Path(__file__).parent / "fonts-none.conf"


@contextmanager
def _fonts_only(active: bool) -> Iterator[None]:
    """Point fontconfig at a configuration with no font folders while the pages are laid out.

    WeasyPrint loads the configuration anew for each document (FcInitLoadConfigAndFonts),
    so the variable only needs to be set around render().
    """
    if not active:
        yield
        return
    old = os.environ.get("FONTCONFIG_FILE")
    os.environ["FONTCONFIG_FILE"] = str(NO_SYSTEM_FONTS)
    try:
        yield
    finally:
        if old is None:
            del os.environ["FONTCONFIG_FILE"]
        else:
            os.environ["FONTCONFIG_FILE"] = old


def pdf_bytes(laid: Laid, finisher=None) -> bytes:
    with engine_messages() as log:
        data = laid.document.write_pdf(finisher=finisher, **laid.options)
    _raise_on(log.messages, "writing the PDF")
    assert isinstance(data, bytes)
    return data


def _raise_on(messages: list[str], stage: str) -> None:
    if messages:
        unique = list(dict.fromkeys(messages))
        shown = "\n".join(f"  {m}" for m in unique)
        count = len(unique)
        raise BuildError(f"the layout engine reported {count} problem{'s' if count != 1 else ''} "
                         f"while {stage}:\n{shown}")


_WIDTHS: dict[tuple[str, str, float, float, float], float] = {}
_PROBE = 1.0  # px: a word spacing to measure spaces with (see text_width)


def forget_widths() -> None:
    """Measure afresh: the widths are kept by font name, and a font file may change under it."""
    _WIDTHS.clear()


def text_width(text: str, style, spaced: bool = False) -> float:
    """The width the engine gives `text` set in one text box of `style` (px), as it lays out lines:
    the composer (compose.py) measures its words with this, so that its lines fit the engine's.

    `spaced`: the width of `text` when its spaces are given some word spacing, less that spacing.
    A word spacing splits the text into shaping runs at each space, which drops any kerning
    against the spaces, so a line set with word spacing is measured so.
    """
    from weasyprint.text.line_break import _font_style_cache_key, create_layout, line_size

    spacing = style["word_spacing"] if isinstance(style["word_spacing"], (int, float)) else 0.0
    letter = float(style["letter_spacing"]) if style["letter_spacing"] != "normal" else 0.0
    key = (text, _font_style_cache_key(style, include_size=True), float(spacing), letter, float(spaced))
    width = _WIDTHS.get(key)
    if width is None:
        spaces = text.count(" ") + text.count("\u00a0")
        if spaced and spaces:
            style = style.copy()
            style["word_spacing"] = _PROBE
        layout = create_layout(text, style, None, None, 0)
        width = line_size(layout.get_first_line()[0], style)[0]
        layout.deactivate()
        if spaced and spaces:
            width -= (_PROBE - spacing) * spaces
        _WIDTHS[key] = width
    return width

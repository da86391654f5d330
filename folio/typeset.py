"""Lay out the HTML with WeasyPrint, safely. The only module that imports WeasyPrint.

Three guards around the engine, each because its default is open or silent:
- `ProjectFetcher` serves only files whose real path is inside the allowed
  roots and `data:` URLs; every other URL (http, ftp, a file elsewhere) is
  refused, so no network connection is ever opened and nothing outside the
  project is read, whatever the content or templates name.
- `engine_messages` turns every WeasyPrint warning or error (missing image,
  unknown anchor, CSS it ignored, missing glyph) into a failure of the build.
- PDF bytes are returned, never written here: see write.py.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.formatting_structure import boxes  # noqa: F401  (the box types preflight.py inspects)
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .errors import BuildError
from .paths import is_inside


class RefusedURL(ValueError):
    """A URL the build will not fetch."""


class ProjectFetcher(URLFetcher):
    def __init__(self, roots: tuple[Path, ...]) -> None:
        super().__init__(timeout=1, allowed_protocols=("file", "data"), allow_redirects=False)
        self.roots = roots
        self.refused: list[str] = []
        self.cache: dict[str, bytes] = {}  # fonts and images are read once per process

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            self._refuse(url, "only files inside the project can be used")
        path = Path(unquote(parts.path))
        if not is_inside(path, self.roots):
            self._refuse(url, "it is outside the project")
        real = os.path.realpath(path)
        body = self.cache.get(real)
        if body is None:
            try:
                with open(real, "rb") as handle:
                    body = handle.read()
            except OSError as exc:
                self._refuse(url, exc.strerror or "cannot be read")
            self.cache[real] = body
        mime = mimetypes.guess_type(real)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": mime})

    def _refuse(self, url: str, why: str) -> None:
        self.refused.append(f"{url}: {why}")
        raise RefusedURL(f"refused {url}: {why}")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage().strip().splitlines()[0])
        except Exception:  # a message that cannot be formatted is still a failure
            self.messages.append(str(record.msg))


@contextmanager
def engine_messages() -> Iterator[_Collect]:
    """Collect WeasyPrint's warnings and errors; the caller fails the build on any."""
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
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
           fetcher: ProjectFetcher | None = None) -> Laid:
    """Lay the HTML out into pages; any engine warning is a BuildError."""
    fetcher = fetcher or ProjectFetcher(roots)
    with engine_messages() as log:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
            **(pdf_options or {}))
    _raise_on(log.messages, "laying out the pages")
    return Laid(document, pdf_options or {})


def pdf_bytes(laid: Laid, finisher=None) -> bytes:
    with engine_messages() as log:
        data = laid.document.write_pdf(finisher=finisher, **laid.options)
    _raise_on(log.messages, "writing the PDF")
    assert isinstance(data, bytes)
    return data


def _raise_on(messages: list[str], stage: str) -> None:
    if messages:
        shown = "\n".join(f"  - {m}" for m in dict.fromkeys(messages))
        raise BuildError(f"the layout engine reported {len(messages)} problem(s) while {stage}:\n{shown}")

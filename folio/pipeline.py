"""The build, step by step: load, validate, resolve, render, typeset, write.

Each step hands the next a plain value. `check` stops after rendering the
HTML (it validates everything a build would and never imports WeasyPrint);
`build` goes on to lay out and write the PDF. Timings of each step are kept
for the progress line and the benchmark.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from . import model
from .errors import Problems
from .paths import PROJECT_ROOT, STYLES_DIR
from .render import STYLESHEETS, BuildInfo, build_timestamp, environment, page_css, render_html
from .resolve import Document, Resolver
from .validate import ChapterCache, read_report


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)
    listener: Callable[[str], None] | None = None  # told each step's name as it starts (progress.py)

    def add(self, name: str, seconds: float) -> None:
        self.steps[name] = self.steps.get(name, 0.0) + seconds


class Stopwatch:
    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        if self.timings.listener is not None:
            self.timings.listener(self.name)
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings.add(self.name, time.perf_counter() - self.start)


@dataclass
class Prepared:
    report: model.Report
    doc: Document
    html: str


@dataclass
class Warm:
    """What a long-lived process (--watch) keeps from one build to the next.

    The parsed templates (Jinja reloads a template only when its file changed), the
    chapters read from unchanged files, and the safe fetcher with the bytes of the
    fonts and images it has read; `forget` drops what a changed file made stale.
    """

    env: Any = None  # jinja2.Environment, made on first use
    chapters: ChapterCache = field(default_factory=dict)
    fetcher: Any = None  # typeset.ProjectFetcher, made on first use (it imports WeasyPrint)
    roots: tuple[Path, ...] = ()

    def forget(self, paths: Iterable[Path]) -> None:
        if self.fetcher is not None:
            for path in paths:
                self.fetcher.cache.pop(os.path.realpath(path), None)


def load(content: Path, chapter_cache: ChapterCache | None = None) -> model.Report:
    problems = Problems()
    report = read_report(content.resolve(), problems, chapter_cache)
    problems.raise_if_any()
    assert report is not None
    return report


def prepare(content: Path, timings: Timings | None = None, env=None, warm: Warm | None = None) -> Prepared:
    """Everything up to the HTML; raises ContentError with every problem found."""
    timings = timings or Timings()
    if warm is not None:
        warm.env = env = env or warm.env or environment()
    with Stopwatch(timings, "load"):
        report = load(content, warm.chapters if warm is not None else None)
    with Stopwatch(timings, "render"):
        problems = Problems()
        doc = Resolver(report, problems).resolve()
        problems.raise_if_any()
        info = BuildInfo(
            timestamp=build_timestamp(doc, os.environ.get("SOURCE_DATE_EPOCH")),
            stylesheets=STYLESHEETS,
            page_css=Markup(page_css(doc)),
        )
        html = render_html(doc, env or environment(), info)
    return Prepared(report, doc, html)


@dataclass
class Result:
    path: Path
    pages: int
    seconds: float
    timings: Timings


def roots_for(report: model.Report) -> tuple[Path, ...]:
    return (STYLES_DIR, report.folder)


@dataclass
class BuildOptions:
    """How to build, as the command line says; each field has the default a plain build uses."""

    output: Path | None = None  # default: build/<slug>.pdf
    html_out: Path | None = None  # also write the HTML that was typeset
    progress: Callable[[str], None] | None = None  # told the name of each step as it starts


def build(content: Path, options: BuildOptions | None = None, warm: Warm | None = None) -> Result:
    """Build the PDF; the target is replaced only when everything succeeded."""
    from .write import check_target, write_atomic

    options = options or BuildOptions()
    started = time.perf_counter()
    timings = Timings(listener=options.progress)
    with Stopwatch(timings, "import"):
        from . import typeset  # WeasyPrint is imported only when a PDF is made
    if options.output is not None:
        check_target(options.output)
    prepared = prepare(content, timings, warm=warm)
    target = options.output or default_output(prepared.report)
    check_target(target)
    if options.html_out is not None:
        write_atomic(options.html_out, prepared.html.encode("utf-8"))
    with Stopwatch(timings, "layout"):
        roots = roots_for(prepared.report)
        fetcher = None
        if warm is not None:
            if warm.fetcher is None or warm.roots != roots:
                warm.fetcher, warm.roots = typeset.ProjectFetcher(roots), roots
            fetcher = warm.fetcher
        laid = typeset.layout(prepared.html, PROJECT_ROOT.as_uri() + "/", roots, fetcher=fetcher)
    with Stopwatch(timings, "pdf"):
        data = typeset.pdf_bytes(laid)
    with Stopwatch(timings, "write"):
        write_atomic(target, data)
    return Result(target, len(laid.document.pages), time.perf_counter() - started, timings)


def default_output(report: model.Report) -> Path:
    return Path("build") / f"{report.slug}.pdf"

"""The build, step by step: load, validate, resolve, render, typeset, write.

Each step hands the next a plain value. `check` stops after rendering the
HTML (it validates everything a build would and never imports WeasyPrint);
`build` goes on to lay out and write the PDF. Timings of each step are kept
for the progress line and the benchmark.
"""

from __future__ import annotations

import dataclasses
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from . import model, profiles
from .errors import Problems
from .paths import PROJECT_ROOT, STYLES_DIR
from .render import STYLESHEETS, BuildInfo, build_timestamp, built_at, environment, page_css, render_html, status_css
from .resolve import Document, Resolver
from .validate import read_report


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.steps[name] = self.steps.get(name, 0.0) + seconds


class Stopwatch:
    def __init__(self, timings: Timings, name: str) -> None:
        self.timings, self.name = timings, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings.add(self.name, time.perf_counter() - self.start)


@dataclass
class Prepared:
    report: model.Report
    doc: Document
    html: str  # the screen profile's HTML
    info: BuildInfo | None = None
    env: object = None

    def html_for(self, profile: str) -> str:
        """The HTML for one profile: the screen HTML, or the same with the profile's stylesheets added."""
        extra = profiles.PROFILES[profile].stylesheets
        if not extra or self.info is None:
            return self.html
        info = dataclasses.replace(self.info, stylesheets=self.info.stylesheets + extra)
        return render_html(self.doc, self.env or environment(), info)


def load(content: Path) -> model.Report:
    problems = Problems()
    report = read_report(content.resolve(), problems)
    problems.raise_if_any()
    assert report is not None
    return report


def prepare(content: Path, timings: Timings | None = None, env=None, *, draft: bool = False) -> Prepared:
    """Everything up to the HTML; raises ContentError with every problem found.

    `draft` marks this build a draft whatever report.yaml's status says (--draft).
    """
    timings = timings or Timings()
    with Stopwatch(timings, "load"):
        report = load(content)
        if draft:
            report = dataclasses.replace(report, status="draft")
    with Stopwatch(timings, "render"):
        problems = Problems()
        doc = Resolver(report, problems).resolve()
        problems.raise_if_any()
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        info = BuildInfo(
            timestamp=build_timestamp(doc, epoch),
            stylesheets=STYLESHEETS,
            page_css=Markup(page_css(doc) + "\n" + status_css(doc, built_at(epoch))),
        )
        env = env or environment()
        html = render_html(doc, env, info)
    return Prepared(report, doc, html, info, env)


@dataclass
class Result:
    path: Path
    pages: int
    seconds: float
    timings: Timings
    others: list[tuple[Path, int]] = field(default_factory=list)  # further profiles' PDFs and pages (--profile all)


def roots_for(report: model.Report) -> tuple[Path, ...]:
    return (STYLES_DIR, report.folder)


@dataclass
class BuildOptions:
    """How to build, as the command line says; each field has the default a plain build uses."""

    output: Path | None = None  # default: build/<slug>.pdf (build/<slug>-print.pdf for the print profile)
    html_out: Path | None = None  # also write the HTML that was typeset (the first profile's)
    profile: str = "screen"  # screen, print or all (see profiles.py)
    draft: bool = False  # mark this build a draft whatever report.yaml's status says
    bundled_fonts_only: bool = False  # no system font may stand in for a missing glyph (fails instead)


def build(content: Path, options: BuildOptions | None = None) -> Result:
    """Build the PDF; the target is replaced only when everything succeeded."""
    from . import typeset  # WeasyPrint is imported only when a PDF is made
    from .write import check_target, write_atomic

    options = options or BuildOptions()
    started = time.perf_counter()
    timings = Timings()
    names = profiles.expand(options.profile)
    exact = options.output is not None and len(names) == 1  # -o names the one PDF; with 'all', the first
    if options.output is not None:
        for name in names:
            check_target(profiles.output_path(options.output, name, exact))
    prepared = prepare(content, timings, draft=options.draft)
    base = options.output or default_output(prepared.report)
    targets = [profiles.output_path(base, name, exact) for name in names]
    for target in targets:
        check_target(target)
    fetcher = typeset.ProjectFetcher(roots_for(prepared.report))  # one per build: fonts are read once
    written: list[tuple[Path, int]] = []
    outputs: list[tuple[Path, bytes, int]] = []
    for name, target in zip(names, targets, strict=True):
        html = prepared.html_for(name)
        if options.html_out is not None and not outputs:
            write_atomic(options.html_out, html.encode("utf-8"))
        pdf_options = profiles.pdf_options()
        with Stopwatch(timings, "layout"):
            laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", roots_for(prepared.report),
                                  pdf_options=pdf_options, fetcher=fetcher,
                                  bundled_fonts_only=options.bundled_fonts_only)
        laid.options["pdf_identifier"] = profiles.identifier(html, fetcher.cache.values(), name)
        with Stopwatch(timings, "pdf"):
            data = typeset.pdf_bytes(laid, finisher=profiles.finisher(name))
        outputs.append((target, data, len(laid.document.pages)))
    with Stopwatch(timings, "write"):  # written last: a failure in any profile leaves every PDF as it was
        for target, data, pages in outputs:
            write_atomic(target, data)
            written.append((target, pages))
    first, *others = written
    return Result(first[0], first[1], time.perf_counter() - started, timings, others)


def default_output(report: model.Report) -> Path:
    return Path("build") / f"{report.slug}.pdf"

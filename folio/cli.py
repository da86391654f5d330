"""The command line: `python build.py [options]`.

Exit status 0 on success, 1 for content or build errors, 2 for a wrong command
line. Errors go to stderr in the `path:line:col: error: message` form; no
traceback reaches the user unless --debug is given.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import limits
from .errors import BuildError, ContentError, format_problems

if TYPE_CHECKING:  # for annotations only: the command line imports the build where it runs one
    from . import pipeline

DESCRIPTION = "Typeset a report written in YAML into a print-ready, accessible PDF."


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python build.py", description=DESCRIPTION)
    p.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                   help="the report folder, holding report.yaml and one YAML file per chapter "
                        "(default: content)")
    p.add_argument("-o", "--output", type=Path, metavar="PATH",
                   help="where to write the PDF (default: build/<slug>.pdf, slug from report.yaml)")
    p.add_argument("--check", action="store_true",
                   help="validate the content and templates, report every problem, write nothing")
    p.add_argument("--html", type=Path, metavar="FILE", help="also write the HTML that was typeset")
    p.add_argument("--profile", choices=("screen", "print", "booklet", "all"), default="screen",
                   help="screen: tagged PDF/UA-1 and PDF/A-2a for reading on screen and archiving (default); "
                        "print: PDF/X-4 for a print shop, the same pages with 3 mm bleed and crop marks, as "
                        "<slug>-print.pdf; booklet: the pages imposed for printing a folded, stapled booklet in "
                        "the office, as <slug>-booklet.pdf; all: screen and print from one command")
    p.add_argument("--sheet", choices=("A4", "A3", "Letter", "Tabloid"),
                   help="with --profile booklet: the sheet to print on (default: the report's own paper, pages "
                        "reduced two to a side; A3 for an A4 report, Tabloid for Letter: pages at full size)")
    p.add_argument("--draft", action="store_true",
                   help="mark this build a draft (watermark, build time in the footer), whatever "
                        "report.yaml's status says; written as build/<slug>-draft.pdf unless -o names it")
    p.add_argument("--bundled-fonts-only", action="store_true",
                   help="use no font installed on this machine, even if report.yaml says 'system_fonts: true' "
                        "(without that setting, this is what every build does)")
    p.add_argument("--preflight", action="store_true",
                   help="print the layout defects found and mended, page by page, with a summary line")
    p.add_argument("--no-mend", action="store_true",
                   help="keep the engine's pages untouched: find the layout defects, mend none")
    p.add_argument("--no-compose", action="store_true",
                   help="break justified paragraphs with the engine's own first-fit breaking, not the total-fit "
                        "composer (for comparison; report.yaml's 'compose: false' does the same)")
    p.add_argument("--fresh", action="store_true",
                   help="ignore the mends the last build of this PDF left beside it: find and mend every "
                        "layout defect from scratch, as a clean checkout does")
    p.add_argument("--jobs", type=int, metavar="N",
                   help="lay out in N processes at once (default: every core, up to four, for a report of about 50 "
                        "pages or more; 1: one process)")
    p.add_argument("--strict", action="store_true",
                   help="fail when a layout defect (a word hyphenated across pages, a widow...) is left")
    p.add_argument("--watch", action="store_true",
                   help="build, then rebuild on every saved change of content, templates, styles or fonts "
                        "(Ctrl-C to stop)")
    p.add_argument("--time-limit", type=_seconds, default=limits.DEFAULT_SECONDS, metavar="SECONDS",
                   help=f"stop a build that runs longer than this, with an error, leaving the last PDF as it was "
                        f"(default: {limits.DEFAULT_SECONDS}; 0: no bound; with --watch, each rebuild)")
    p.add_argument("--memory-limit", type=_mib, default=limits.DEFAULT_MIB, metavar="MiB",
                   help=f"stop a build whose process (or any of its layout processes) needs more memory than "
                        f"this, with an error (default: {limits.DEFAULT_MIB}; 0: no bound)")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    # For benchmarks/run.py: the time of each step as one JSON line on stderr.
    p.add_argument("--timings", action="store_true", help=argparse.SUPPRESS)
    return p


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 10**9:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds (0 for no bound)")
    return value


def _mib(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**40:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of MiB (0 for no bound)")
    return int(text)


def main(argv: list[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    p = parser()
    args = p.parse_args(argv)
    if args.watch and args.check:
        p.error("--watch and --check cannot be used together")
    if args.sheet and args.profile != "booklet":
        p.error("--sheet is for --profile booklet: the sheet a booklet is printed on")

    try:
        with limits.interruptible(), limits.memory(args.memory_limit):
            try:
                return _run(args, out, err)
            except Exception as exc:  # a signal's or a bound's exception the engine swallowed: that stop
                limits.raise_pending(exc)
                raise
    except limits.TimeLimit as exc:
        print(f"error: {exc}", file=err)
        print(_nothing_written(args, exc), file=err)
        return 1
    except MemoryError as exc:
        if args.debug:
            raise
        print(f"error: {limits.out_of_memory(args.memory_limit)}", file=err)
        print(_nothing_written(args, exc), file=err)
        return 1
    except ContentError as exc:
        if args.debug:
            raise
        print(format_problems(exc.problems), file=err)
        count = len(exc.problems)
        print(f"{count} error{'s' if count != 1 else ''}; {_nothing_written(args, exc)}", file=err)
        return 1
    except BuildError as exc:
        if args.debug:
            raise
        if exc.problems:
            print(format_problems(exc.problems), file=err)
            count = len(exc.problems)
            print(f"{count} error{'s' if count != 1 else ''}; {_nothing_written(args, exc)}", file=err)
        else:
            print(f"error: {exc}", file=err)
            print(_nothing_written(args, exc), file=err)
        return 1
    except KeyboardInterrupt as exc:
        print("interrupted; " + _nothing_written(args, exc), file=err)
        return 130
    except Exception as exc:  # a bug in folio, not in the content: say so, without a traceback
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc}", file=err)
        print("this is a bug in folio; run again with --debug for the traceback, and report it", file=err)
        print(_nothing_written(args, exc), file=err)
        return 1


def _nothing_written(args: argparse.Namespace, exc: BaseException | None = None) -> str:
    """What the build left on disk, truthfully: a stop during the write step (pipeline._write_all)
    says which files it had written and which it left as they were."""
    if args.check:
        return "nothing written (--check)."
    written = getattr(exc, "written", ())
    if not written:
        return "no PDF written (the last one is unchanged)."
    unchanged = getattr(exc, "unchanged", ())
    done = ", ".join(str(path) for path in written)
    if unchanged:
        return f"written before it stopped: {done}; left as they were: {', '.join(str(p) for p in unchanged)}."
    return f"every file was written before it stopped: {done}."


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.watch:  # each rebuild is bounded in time, not the watching
        return _watch(args, out, err)
    with limits.wall_time(args.time_limit):
        return _build(args, out, err)


def _watch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .watch import Watcher

    return Watcher(args.content, _options(args), out, err, quiet=args.quiet, time_limit=args.time_limit,
                   memory_limit=args.memory_limit).run()


def _options(args: argparse.Namespace) -> pipeline.BuildOptions:
    from . import pipeline

    return pipeline.BuildOptions(
        output=args.output, html_out=args.html, profile=args.profile, draft=args.draft,
        bundled_fonts_only=args.bundled_fonts_only, mend=not args.no_mend, strict=args.strict,
        fresh=args.fresh, jobs=args.jobs, compose=False if args.no_compose else None, sheet=args.sheet)


def _build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from . import pipeline

    if args.check:
        started = time.perf_counter()
        prepared = pipeline.prepare(args.content)
        if not args.quiet:
            chapters = len(prepared.report.chapters)
            print(f"{args.content}: {chapters} chapters, no problems found "
                  f"({time.perf_counter() - started:.2f} s)", file=out)
        return 0
    options = _options(args)
    from .progress import Progress, wanted

    if wanted(err, args.quiet):
        with Progress(err) as progress:
            options.progress = progress.step_started
            result = pipeline.build(args.content, options)
    else:
        result = pipeline.build(args.content, options)
    checked = result.preflight
    if checked is not None and args.preflight:
        print("\n".join(checked.lines()), file=out)
    if checked is not None and checked.remaining and not args.quiet:
        print(format_problems(checked.problems()), file=err)
    if result.notes and not args.quiet:
        print("\n".join(result.notes), file=out)
    if result.warnings and not args.quiet:
        print(format_problems(result.warnings), file=err)
    if not args.quiet:
        wrote = [f"{path} ({pages} pages)" for path, pages in [(result.path, result.pages), *result.others]]
        print(f"wrote {' and '.join(wrote)} in {result.seconds:.1f} s", file=out)
    if args.timings:
        print(json.dumps({"pages": result.pages, "seconds": result.seconds, "steps": result.timings.steps}), file=err)
    return 0

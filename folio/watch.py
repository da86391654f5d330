"""`python build.py --watch`: build, then rebuild on every saved change, in one process.

The process keeps what a cold build pays for again each time: the imports
(WeasyPrint alone costs over half a second), the parsed templates, the chapters
of unchanged files and the bytes of fonts and images (see pipeline.Warm). It
watches the content folder, templates/ and styles/ (fonts included) with
watchfiles, prints one line per rebuild with its time, and on a content or
build error prints the error and leaves the last good PDF where it was (the
write step replaces the PDF only when a build succeeded). Ctrl-C stops it.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from . import chartcache, limits, pipeline, progress, record
from .errors import BuildError, ContentError, format_problems
from .paths import STYLES_DIR, TEMPLATES_DIR

DEBOUNCE_MS = 300  # wait at most this long for an editor's burst of writes to end
STEP_MS = 50  # a change is taken once nothing else changed for this long


def watched_folders(content: Path) -> tuple[Path, ...]:
    return (content.resolve(), TEMPLATES_DIR, STYLES_DIR)


def change_filter(*outputs: Path | None, written: set[Path] | None = None) -> Callable[[object, str], bool]:
    """Ignore our own output written inside a watched folder: the PDFs, the HTML, the mends record
    beside a PDF, their temporary files and the chart cache. `written` holds the paths the builds so far wrote
    (the default output is known only once report.yaml is read); it may grow after this call."""
    from watchfiles import DefaultFilter

    default = DefaultFilter()
    ours = {p.resolve() for p in outputs if p is not None}
    ours |= {record.path_for(p) for p in ours}
    written = written if written is not None else set()

    def keep(change: object, path: str) -> bool:
        p = Path(path)
        if p.name.startswith(".") and p.name.endswith((".tmp", ".mends.json")):
            return False  # write.py's temporary files, a mends record (record.py): never an input
        if chartcache.holds(p):
            return False  # drawn charts and matplotlib's folder: written (and read) by the build itself
        resolved = p.resolve()
        return default(change, path) and resolved not in ours and resolved not in written

    return keep


class Watcher:
    """Builds `content` again and again, warm; reports each build in one line."""

    def __init__(self, content: Path, options: pipeline.BuildOptions, out: TextIO, err: TextIO,
                 quiet: bool = False, time_limit: float | None = None, memory_limit: int | None = None) -> None:
        self.content, self.options, self.out, self.err = content, options, out, err
        self.show_progress = progress.wanted(err, quiet)
        self.warm = pipeline.Warm()
        self.last: pipeline.Result | None = None
        self.time_limit, self.memory_limit = time_limit, memory_limit  # each rebuild's; memory: for the message
        self.written: set[Path] = set()  # every file a build wrote: never a change to rebuild for

    def rebuild(self, changed: tuple[Path, ...] = ()) -> bool:
        """One build; True when it wrote the PDF. Errors, even folio's own, are printed, never raised:
        the watcher outlives any failed build (Ctrl-C and SIGTERM still stop it)."""
        self.warm.forget(changed)
        started = time.perf_counter()
        try:
            with limits.wall_time(self.time_limit):
                try:
                    result = self._build()
                except Exception as exc:  # a signal's or a bound's exception the engine swallowed: that stop
                    limits.raise_pending(exc)
                    raise
        except ContentError as exc:
            count = len(exc.problems)
            print(format_problems(exc.problems), file=self.err)
            print(f"{count} error{'s' if count != 1 else ''}; {self._kept()}", file=self.err, flush=True)
            return False
        except BuildError as exc:
            if exc.problems:
                count = len(exc.problems)
                print(format_problems(exc.problems), file=self.err)
                print(f"{count} error{'s' if count != 1 else ''}; {self._kept()}", file=self.err, flush=True)
            else:
                print(f"error: {exc}", file=self.err)
                print(self._kept(), file=self.err, flush=True)
            return False
        except limits.TimeLimit as exc:
            self.warm = pipeline.Warm()  # stopped half-way: keep nothing it may have left half-made
            print(f"error: {exc}", file=self.err)
            print(self._kept(), file=self.err, flush=True)
            return False
        except MemoryError:
            self.warm = pipeline.Warm()
            print(f"error: {limits.out_of_memory(self.memory_limit)}", file=self.err)
            print(self._kept(), file=self.err, flush=True)
            return False
        except Exception as exc:  # a bug in folio: say so, and wait for the next change all the same
            self.warm = pipeline.Warm()
            print(f"internal error: {type(exc).__name__}: {exc}", file=self.err)
            print("this is a bug in folio; run the build once with --debug for the traceback, and report it",
                  file=self.err)
            print(self._kept(), file=self.err, flush=True)
            return False
        self.last = result
        for path, _pages in [(result.path, result.pages), *result.others]:
            self.written |= {path.resolve(), record.path_for(path.resolve())}
        if self.options.html_out is not None:
            self.written.add(self.options.html_out.resolve())
        what = "rebuilt" if changed else "wrote"
        because = f" after a change to {_names(changed)}" if changed else ""
        print(f"{time.strftime('%H:%M:%S')} {what} {result.path} ({result.pages} pages) in "
              f"{time.perf_counter() - started:.2f} s{because}", file=self.out, flush=True)
        return True

    def _build(self) -> pipeline.Result:
        if self.show_progress:
            with progress.Progress(self.err) as shown:
                options = dataclasses.replace(self.options, progress=shown.step_started)
                return pipeline.build(self.content, options, warm=self.warm)
        return pipeline.build(self.content, self.options, warm=self.warm)

    def _kept(self) -> str:
        if self.last is not None:
            return f"the last good PDF is kept ({self.last.path}); waiting for the next change"
        return "no PDF written; waiting for the next change"

    def run(self, stop: threading.Event | None = None) -> int:
        """Build, then rebuild on each change until Ctrl-C (or `stop`, for tests)."""
        from watchfiles import watch

        folders = watched_folders(self.content)
        try:
            self.rebuild()
            print(f"watching {', '.join(_show(f) for f in folders)} (Ctrl-C to stop)", file=self.out, flush=True)
            keep = change_filter(self.options.output, self.options.html_out, written=self.written)
            for changes in watch(*folders, watch_filter=keep,
                                 debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=stop, raise_interrupt=True):
                changed = tuple(sorted({Path(path) for _, path in changes}))
                self.rebuild(changed)
        except KeyboardInterrupt:
            pass
        print("stopped watching", file=self.out, flush=True)
        return 0


def _names(paths: tuple[Path, ...]) -> str:
    # An editor's temporary files come and go within one change set: name what is still there.
    paths = tuple(p for p in paths if p.exists()) or paths
    shown = [p.name for p in paths[:3]]
    return ", ".join(shown) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _show(folder: Path) -> str:
    try:
        return str(folder.relative_to(Path.cwd()))
    except ValueError:
        return str(folder)

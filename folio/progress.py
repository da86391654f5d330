"""A progress line for builds that take a while: the step, and pages laid out so far.

Shown only on a terminal (stderr is a TTY), not in CI (`CI` set) and not with
--quiet, and only once the build has run for a second: short builds print
nothing but their result. The line is redrawn in place and wiped at the end,
so a log or a pipe never sees it. WeasyPrint announces its steps and each page
on the `weasyprint.progress` logger (INFO); the build's own steps come from the
pipeline's Stopwatch.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from typing import TextIO

DELAY = 1.0  # seconds of quiet before the line appears
TICK = 0.2  # how often the line is redrawn

STEPS = {
    "import": "starting the layout engine",
    "load": "reading the content",
    "render": "making the HTML",
    "glyphs": "checking every character against the fonts",
    "layout": "laying out pages",
    "preflight": "mending the pages",
    "pdf": "writing the PDF",
    "write": "saving the PDF",
}
PAGE = re.compile(r"Creating layout - Page (\d+)")


def wanted(stream: TextIO, quiet: bool = False) -> bool:
    """True on an interactive terminal outside CI."""
    if quiet or os.environ.get("CI") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _PageHandler(logging.Handler):
    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        match = PAGE.search(str(record.msg) % record.args if record.args else str(record.msg))
        if match:
            # The contents page is laid out again at the end: keep the count rising.
            self.progress.pages = max(self.progress.pages, int(match.group(1)))


class Progress:
    """Use as a context manager around a build; pass `step` to the pipeline as its listener."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.step = ""
        self.pages = 0
        self.shown = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="folio-progress", daemon=True)
        self._handler = _PageHandler(self)
        self._logger = logging.getLogger("weasyprint.progress")
        self._old_level = self._logger.level

    def step_started(self, name: str) -> None:
        self.step = name

    def __enter__(self) -> Progress:
        self._logger.addHandler(self._handler)
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._old_level)
        if self.shown:
            self.stream.write("\r\033[K")  # wipe the line: the result line follows
            self.stream.flush()

    def line(self) -> str:
        text = STEPS.get(self.step, self.step)
        if self.step == "layout" and self.pages:
            text += f": page {self.pages}"
        elif self.step == "pdf" and self.pages:
            text += f" ({self.pages} pages)"
        return f"folio: {text} ... {time.monotonic() - self.started:.0f} s"

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            if time.monotonic() - self.started >= DELAY and self.step:
                self.stream.write("\r\033[K" + self.line())
                self.stream.flush()
                self.shown = True

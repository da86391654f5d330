"""matplotlib, imported and configured by folio alone.

matplotlib reads a `matplotlibrc` from the current folder, from $MATPLOTLIBRC, from
$MPLCONFIGDIR or ~/.config/matplotlib when it is imported, obeys $MPLBACKEND, and
keeps a font cache that lists (and opens) the machine's fonts. Any of them would
change a chart, and the PDF's bytes, from outside the project. So matplotlib is
imported with its configuration folder set to a folder folio owns (inside the
project's chart cache, or a private temporary one), an empty rc file of folio's own,
the system's fonts ignored, the process's own MPL* variables hidden and the current folder
changed for the moment of the import; every chart is then drawn from matplotlib's
built-in defaults (`rcParamsDefault`, never a file) plus folio's settings, with
the report's bundled fonts registered by file name.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import stat
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .paths import STYLES_DIR

# The faces a chart is measured with, in order: the report's sans, then the bundled
# faces for scripts it lacks (matplotlib falls back along the list, glyph by glyph).
FONT_FILES = (
    STYLES_DIR / "fonts" / "source-sans-3" / "SourceSans3-Regular.ttf",
    STYLES_DIR / "fonts" / "source-sans-3" / "SourceSans3-Semibold.ttf",
    STYLES_DIR / "fonts" / "noto-serif-khmer" / "NotoSerifKhmer-Regular.ttf",
    STYLES_DIR / "fonts" / "noto-serif-khmer" / "NotoSerifKhmer-Bold.ttf",
)
_SETTINGS = ("MPLCONFIGDIR", "MATPLOTLIBRC", "MPL_IGNORE_SYSTEM_FONTS")


@dataclass(frozen=True)
class Library:
    matplotlib: Any
    families: tuple[str, ...]  # the registered faces' family names, sans first
    sans_characters: frozenset[str]  # what the sans face can draw


_loaded: Library | None = None


def library(home: Path | None = None) -> Library:
    """matplotlib, imported once per process; `home` is folio's folder for its configuration."""
    global _loaded
    if _loaded is None:
        _loaded = _import(home or _temporary())
    return _loaded


def _temporary() -> Path:
    """A folder of folio's own for matplotlib, removed when the process ends (it is read at import)."""
    folder = Path(tempfile.mkdtemp(prefix="folio-matplotlib-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _import(home: Path) -> Library:
    try:
        rc = _own_rc(home)
    except OSError:  # the chart cache cannot hold it: a folder of folio's own for this process
        rc = _own_rc(_temporary())
    home = rc.parent
    hidden = {k: v for k, v in os.environ.items() if k.startswith(("MPL", "MATPLOTLIB"))}
    for name in hidden:
        del os.environ[name]
    os.environ.update(MPLCONFIGDIR=str(home), MATPLOTLIBRC=str(rc), MPL_IGNORE_SYSTEM_FONTS="1")
    try:
        cwd: str | None = os.getcwd()
    except OSError:  # the folder the build was started in is gone: nothing to come back to
        cwd = None
    os.chdir(home)  # matplotlib reads ./matplotlibrc before anything else
    try:
        with quiet():
            import matplotlib
            from matplotlib import font_manager
    finally:
        if cwd is not None:
            os.chdir(cwd)
        for name in _SETTINGS:  # findfont reads MPL_IGNORE_SYSTEM_FONTS on every call: ours are added below
            os.environ.pop(name, None)
        os.environ.update(hidden)
    families = []
    for font in FONT_FILES:
        font_manager.fontManager.addfont(str(font))
        name = font_manager.FontProperties(fname=str(font)).get_name()
        if name not in families:
            families.append(name)
    charmap = font_manager.get_font(str(FONT_FILES[0])).get_charmap()
    return Library(matplotlib, tuple(families), frozenset(chr(c) for c in charmap) | {"\n"})


def _own_rc(home: Path) -> Path:
    """folio's matplotlibrc in `home`: empty, so that matplotlib's built-in defaults hold."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(home)
    getuid = getattr(os, "getuid", None)
    if not stat.S_ISDIR(info.st_mode) or (getuid is not None and info.st_uid != getuid()):
        raise OSError(f"{home} is a symbolic link or another user's folder")  # it would read their rc file
    rc = home / "matplotlibrc"
    if not rc.is_file() or rc.is_symlink():
        rc.unlink(missing_ok=True)
        rc.write_text("# folio's own: matplotlib's defaults, whatever the machine says\n", encoding="utf-8")
    return rc


class Captured:
    """What matplotlib said while it worked: its warnings and its log records, as text."""

    def __init__(self) -> None:
        self.messages: list[str] = []


class _Collect(logging.Handler):
    def __init__(self, into: Captured) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.messages.append(record.getMessage())


@contextlib.contextmanager
def quiet() -> Iterator[Captured]:
    """Nothing matplotlib says reaches the terminal: warnings and log records are collected."""
    captured = Captured()
    logger = logging.getLogger("matplotlib")
    handler = _Collect(captured)
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate, logger.level = False, logging.WARNING
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield captured
        captured.messages.extend(str(w.message) for w in caught)
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved

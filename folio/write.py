"""Write the PDF so that a failed or interrupted build never costs the last good one.

The bytes go to a temporary file beside the target, are flushed to disk, and
only then replace the target in one atomic step (`os.replace`). An error, a
full disk, Ctrl-C or SIGTERM before that step leaves the old file byte for
byte as it was, and the temporary file is removed. Two builds writing the same
target at once each replace it whole: the result is one or the other, never a mix.

A build killed outright (SIGKILL, a power cut) cannot remove its temporary file;
the next write of the same target does. The writer holds an exclusive lock
(flock) on its temporary file until the file is renamed, and the lock dies with
its process: a temporary file of the target's own name pattern that can be
locked is an orphan, removed; one that is locked belongs to a build still
writing, left alone. No guess from age: a file killed a second ago is cleaned.

An output path that is one of the build's inputs (a content file, a template,
a stylesheet or font, folio's own code) is refused before any work; pipeline.py also
refuses every file report.yaml names (its fonts and their licences, the print profile).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from contextlib import suppress
from pathlib import Path

from . import limits
from .errors import BuildError
from .paths import PROJECT_ROOT, STYLES_DIR, TEMPLATES_DIR, is_inside, not_a_file

try:
    import fcntl
except ImportError:  # not on this system (Windows): orphans are left, as before
    fcntl = None  # type: ignore[assignment]


def check_target(target: Path) -> None:
    """Fail early, before any work, when the target can never be written."""
    if target.is_dir():
        raise BuildError(f"{target}: the output path is a folder; give a file name such as {target / 'report.pdf'}")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder}: is not a folder")
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise BuildError(f"{folder}: the folder is read-only; choose another output path with -o")


# What each folder holds, as the refusal names it; every file in them is read by a build.
_INPUT_FOLDERS = ((TEMPLATES_DIR, "templates/, whose templates the build reads"),
                  (STYLES_DIR, "styles/, whose stylesheets and fonts the build reads"),
                  (PROJECT_ROOT / "folio", "folio/, the program itself"))
_CONTENT_SUFFIXES = (".yaml", ".yml", ".svg", ".png", ".jpg", ".jpeg", *(".ttf", ".otf", ".ttc", ".woff", ".woff2"))
# a font's first bytes: TrueType (two ways), OpenType with CFF, a collection, WOFF, WOFF2
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"true", b"OTTO", b"ttcf", b"wOFF", b"wOF2")


def check_not_input(target: Path, content: Path, what: str) -> None:
    """Refuse, before any work, an output path that names a file the build reads.

    `what` names the output as the user gave it ("-o", "--html", ...). Where the bytes
    would land is the target's real folder; a link at the target itself is followed too,
    so that no output can ever stand for an input.
    """
    place = Path(os.path.realpath(target.parent)) / target.name
    example = "report.html" if what == "--html" else "report.pdf"
    for folder, holds in _INPUT_FOLDERS:
        if is_inside(place, (folder,)):
            raise BuildError(f"{target}: the output ({what}) would be written into {holds}; "
                             f"choose a path outside it, e.g. build/{target.name}")
    if is_inside(place, (content,)) and _content_file(place):
        raise BuildError(f"{target}: the output ({what}) is one of the report's own files, which the build "
                         f"reads; writing there would replace it. Choose another path, e.g. build/{example}")


def _content_file(place: Path) -> bool:
    """A file of the report: YAML, an image or a font (by its name or its first bytes); never opened
    unless a file."""
    if place.suffix.lower() in (".yaml", ".yml"):
        return True  # a chapter, or one to be: the next build would find it unlisted
    if not os.path.lexists(place) or not_a_file(place):
        return False
    if place.suffix.lower() in _CONTENT_SUFFIXES:
        return True
    from .assets import image_kind_of

    try:
        with open(place, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return bool(image_kind_of(head)) or head.startswith(_FONT_MAGIC)


def _temp_pattern(target: Path) -> re.Pattern[str]:
    """The names tempfile.mkstemp gives this target's temporary files: `.<name>.<8 characters>.tmp`."""
    return re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")


def clean_orphans(target: Path) -> list[Path]:
    """Remove the temporary files an earlier write of `target` left when it was killed; the removed.

    Only files of the target's own pattern, and only those no live writer holds locked.
    """
    if fcntl is None:
        return []
    pattern, removed = _temp_pattern(target), []
    try:
        names = [name for name in os.listdir(target.parent) if pattern.fullmatch(name)]
    except OSError:
        return []
    for name in names:
        path = target.parent / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            continue  # gone already, a link, or not ours to open
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a build is writing it now
            if os.path.samestat(os.fstat(fd), os.lstat(path)):  # still the file we locked
                os.unlink(path)
                removed.append(path)
        except OSError:
            continue
        finally:
            os.close(fd)
    return removed


def _locked_temp(target: Path) -> tuple[int, str]:
    """A new temporary file beside the target, locked for as long as it is open."""
    while True:
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        if fcntl is None:
            return fd, temp
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.path.samestat(os.fstat(fd), os.lstat(temp)):
                return fd, temp
        except FileNotFoundError:
            pass
        os.close(fd)  # another build took it for an orphan between its making and its lock: make another


def write_atomic(target: Path, data: bytes) -> None:
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_orphans(target)
        fd, temp = _locked_temp(target)
    except OSError as exc:
        raise BuildError(f"{target}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:  # open (and locked) until renamed: not an orphan
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(temp, 0o644 & ~_umask())
            limits.raise_pending()  # a signal the engine swallowed: the last PDF stays
            os.replace(temp, target)
    except BaseException as exc:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise BuildError(f"{target}: cannot write: {exc.strerror}; the previous file is unchanged") from exc
        raise


def _read_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once: os.umask can only be read by setting it, which would race with other threads.
_UMASK = _read_umask()


def _umask() -> int:
    return _UMASK


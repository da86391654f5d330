"""Write the PDF so that a failed or interrupted build never costs the last good one.

The bytes go to a temporary file beside the target, are flushed to disk, and
only then replace the target in one atomic step (`os.replace`). An error, a
full disk, Ctrl-C or SIGTERM before that step leaves the old file byte for
byte as it was, and the temporary file is removed. Two builds writing the same
target at once each replace it whole: the result is one or the other, never a mix.
"""

from __future__ import annotations

import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import BuildError


def check_target(target: Path) -> None:
    """Fail early, before any work, when the target can never be written."""
    if target.is_dir():
        raise BuildError(f"{target}: the output path is a folder; give a file name such as {target / 'report.pdf'}")
    folder = target.parent
    if folder.exists() and not folder.is_dir():
        raise BuildError(f"{folder}: is not a folder")
    if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
        raise BuildError(f"{folder}: the folder is read-only; choose another output path with -o")


def write_atomic(target: Path, data: bytes) -> None:
    check_target(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise BuildError(f"{target}: cannot write: {exc.strerror}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644 & ~_umask())
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


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so that cleanup runs as for Ctrl-C."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)

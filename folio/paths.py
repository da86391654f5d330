"""Which files the build may read: those whose real path lies inside the project.

The templates and styles folder and the report's content folder are the
roots. A path is resolved fully (symlinks followed, `..` removed) before it is
compared, so a link that points out of a root is outside it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STYLES_DIR = PROJECT_ROOT / "styles"


def is_inside(path: Path, roots: tuple[Path, ...]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or root in real.parents for root in (Path(os.path.realpath(r)) for r in roots))


class Refused(ValueError):
    """A file or URL the build will not read; the message says why, in the author's terms."""


class NotAFile(Refused):
    """Something is there, but not a file: a folder, a named pipe, a device (never opened)."""


def not_a_file(path: Path) -> str:
    """What stands at `path` when it is not a regular file ('a folder', ...); '' for a file or nothing.

    Found with stat alone: opening a named pipe to look would wait for a writer forever.
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return ""
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "not a file"


def project_file(name: str, base: Path, roots: tuple[Path, ...]) -> Path:
    """The real path of the file `name` stands for, relative to `base`; Refused unless inside a root.

    One rule for every path: the fetcher applies it to each URL the engine asks for
    (styles, fonts, images), `--check` to each path content or styles name, so that
    a path that passes the check is one the build will read.
    """
    parts = urlsplit(name)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise Refused(f"a file on another machine ({parts.netloc}) cannot be used")
        path = Path(unquote(parts.path))
    elif parts.scheme or name.startswith("//"):
        scheme = parts.scheme or "network"
        raise Refused(f"{scheme} addresses are not fetched; only files inside the project can be used")
    elif os.path.isabs(name):
        raise Refused("an absolute path; name the file relative to the folder it is used from")
    else:
        path = base / unquote(parts.path)
    if not is_inside(path, roots):
        if is_inside(Path(os.path.abspath(path)).parent, roots) and os.path.islink(os.path.abspath(path)):
            raise Refused("a symbolic link pointing outside the project")
        raise Refused("it is outside the project")
    real = Path(os.path.realpath(path))
    if not real.is_file():
        what = not_a_file(real)
        if what:
            raise NotAFile(what)
        raise Refused("no such file")
    return real


def content_path(path: Path, folder: Path) -> Path:
    """The real path of a content file (report.yaml, a chapter), checked before it is opened.

    The fetcher's rule for images, applied to the YAML: the file must lie inside the
    content folder once symbolic links are followed, and be a regular file. Refused
    otherwise, with a reason that never quotes the file.
    """
    if not is_inside(path, (folder,)):
        if os.path.islink(path):
            raise Refused("a symbolic link to a file outside the content folder")
        raise Refused("outside the content folder")
    what = not_a_file(path)
    if what:
        raise NotAFile(what)
    if not os.path.exists(path):
        raise Refused("no such file")
    return Path(os.path.realpath(path))

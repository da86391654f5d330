"""Which files the build may read: those whose real path lies inside the project.

The templates and styles folder and the report's content folder are the
roots. A path is resolved fully (symlinks followed, `..` removed) before it is
compared, so a link that points out of a root is outside it.
"""

from __future__ import annotations

import os
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
        raise Refused("no such file" if not real.exists() else "not a file")
    return real

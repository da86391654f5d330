"""Files a report names (images): found inside its content folder, or refused.

`content_file` is the one check every path written in content goes through,
before anything is laid out: it needs no WeasyPrint, so `--check` finds the same
mistakes a build would. A path is refused when it is absolute, uses a URL
scheme, climbs out of the folder (`..`), leads out of it through a symlink, is
missing, or (with `kinds`) does not start with the bytes of an allowed format.
The typesetter's fetcher still guards the layout itself; this check is what
lets the error point at the content file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from .paths import NotAFile, Refused, project_file

# Magic bytes of the image formats a figure may use; SVG is text, recognised by its root element.
IMAGE_KINDS: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpeg": (b"\xff\xd8\xff",),
}
_SVG_ROOT = re.compile(rb"<svg[\s>]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class AssetError(ValueError):
    """Why a path written in content cannot be used; `hint` says what to do instead."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


def content_file(folder: Path, name: str, kinds: tuple[str, ...] | None = ("png", "jpeg", "svg")) -> Path:
    """The real path of `name` inside `folder`, or AssetError saying why not.

    `kinds` names the formats allowed (png, jpeg, svg), checked by the file's
    first bytes, not its extension; None accepts any file.
    """
    hint = "name a file in the report's folder by a relative path, e.g. images/map.png"
    if not name or name != name.strip():
        raise AssetError(f"{name!r} is not a file name", hint)
    if _SCHEME.match(name) and not re.match(r"^[A-Za-z]:[\\/]", name):
        raise AssetError(f"{name!r} is a URL; only files inside the report's folder can be used", hint)
    if name.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:[\\/]", name):
        raise AssetError(f"{name!r} is an absolute path", hint)
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise AssetError(f"{name!r} climbs out of the report's folder ('..')", hint)
    try:  # the fetcher's own rule, so that what passes here is what the build will read
        real = project_file("/".join(parts), folder, (folder,))
    except NotAFile as exc:  # a folder, a named pipe, a device: say what it is (never opened)
        raise AssetError(f"{name!r} is {exc}", "name an image file, e.g. images/map.png") from exc
    except Refused as exc:
        if str(exc) == "no such file":
            raise AssetError(f"no file {name!r} in {folder}", _near(folder, parts) or hint) from exc
        raise AssetError(f"{name!r} leads out of the report's folder (a symbolic link?)", hint) from exc
    if kinds is not None:
        kind = image_kind(real)
        if kind not in kinds:
            found = f"{'an' if kind == 'svg' else 'a'} {kind.upper()} image" if kind else "not an image"
            raise AssetError(f"{name!r} is {found}; expected {', '.join(k.upper() for k in kinds)}",
                             "export the picture as SVG, PNG or JPEG")
    return real


def image_kind(path: Path) -> str:
    """'png', 'jpeg' or 'svg' from the file's first bytes; '' when none of these."""
    with open(path, "rb") as handle:
        return image_kind_of(handle.read(4096))


def image_kind_of(head: bytes) -> str:
    """`image_kind` of a file's first bytes (4 KB are enough)."""
    for kind, magics in IMAGE_KINDS.items():
        if head.startswith(magics):
            return kind
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and _SVG_ROOT.search(head):
        return "svg"
    return ""


def _near(folder: Path, parts: tuple[str, ...]) -> str:
    from .errors import did_you_mean

    parent = folder.joinpath(*parts[:-1])
    try:
        names = [p.name for p in parent.iterdir() if p.is_file()]
    except OSError:
        return ""
    return did_you_mean(parts[-1], names)

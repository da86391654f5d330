"""A chart is drawn once per distinct data and style, then read from the project's chart cache.

Resolving a report does not draw its charts: each chart's `<img>` gets a placeholder
naming its digest (`placeholder`), so that `--check` validates every chart without
matplotlib. A build then fills the placeholders (`fill`), taking each SVG from
`<project>/build/.chart-cache/<digest>.entry` when an earlier build drew it, and
drawing (and keeping) it otherwise.

The cache is the project's own, never beside whatever folder `-o` names (anyone may write
there): `location` makes it inside the project, and gives none (every chart drawn afresh)
when the project cannot hold it, or when the folder is a symbolic link or another user's.

The digest covers everything the drawing depends on: the chart's data, tokens.css, the
font files, the code that draws (these modules), folio's and matplotlib's versions. An
entry holds the SVG after the sha256 of its bytes: a damaged or truncated entry does not
match and is drawn again, and so is one whose SVG images.py's vetting refuses (an entry
is an input like any image, and reaches the engine as a data: URL); one that cannot be
written (a read-only folder) is simply not kept. The cache is kept to MAX_ENTRIES: the
charts of the build that prunes it, then the most recently written (an entry is never
touched when read, which --watch would see).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path

from .chartdata import ChartData
from .errors import Position, Problems
from .paths import PROJECT_ROOT, STYLES_DIR

FOLDER = ".chart-cache"
ROOT = PROJECT_ROOT / "build"  # the project's build folder, which holds FOLDER
MAX_ENTRIES = 400
_CODE = ("charts.py", "chartdata.py", "chartcache.py", "mpl.py")
_STYLE = (STYLES_DIR / "tokens.css",)
_PREFIX = "data:image/svg+xml;folio-chart="
# What --check's HTML shows where a chart will be: an empty picture of the chart's width.
_EMPTY = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="148mm" height="68mm"/>').decode()
_passed: set[str] = set()  # sha256 of the entries' SVGs vetted in this process (2 ms a chart; --watch reads all)
_PLACEHOLDER = re.compile(re.escape(_PREFIX) + r"([0-9a-f]{64});base64,[A-Za-z0-9+/=]*")


def digest(data: ChartData) -> str:
    """The chart's name in the cache: its data and everything its drawing depends on."""
    return hashlib.sha256(json.dumps([asdict(data), _design()], ensure_ascii=False).encode()).hexdigest()


def placeholder(key: str) -> str:
    """The `src` of a chart not drawn yet (a data: URI, which --check's reference check passes)."""
    return f"{_PREFIX}{key};base64,{_EMPTY}"


def location() -> Path | None:
    """The project's chart cache, made if need be; None (no cache: draw every time) when the project
    cannot hold it, or when it, or the build folder holding it, is a symbolic link or another user's."""
    folder = ROOT / FOLDER
    try:
        ROOT.mkdir(exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
    except OSError:
        return None
    return folder if ours(ROOT) and ours(folder) else None


def ours(folder: Path) -> bool:
    """True for a real folder (not a link to one) that belongs to the user running the build."""
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    getuid = getattr(os, "getuid", None)  # Windows has no owner to compare
    return stat.S_ISDIR(info.st_mode) and (getuid is None or info.st_uid == getuid())


def fill(html: str, charts: Mapping[str, tuple[ChartData, Position]], folder: Path | None) -> str:
    """The HTML with every chart drawn, through the cache in `folder` (None: no cache on disk).

    Raises ContentError naming each chart matplotlib warned about, at the chart's place.
    """
    from .charts import ChartTrouble

    if folder is not None:
        with contextlib.suppress(OSError):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not ours(folder):
            folder = None  # a cache that leads elsewhere, or another user's, is neither read nor written
    drawn: dict[str, str] = {}
    problems = Problems()
    for key in dict.fromkeys(_PLACEHOLDER.findall(html)):
        data, pos = charts[key]
        try:
            svg = _cached(key, data, folder)
        except ChartTrouble as exc:
            problems.add(pos, f"the chart could not be drawn cleanly: {exc}",
                         hint="check the chart's labels and values; if they are right, this is a folio bug")
            continue
        drawn[key] = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    problems.raise_if_any()
    if folder is not None and drawn:
        _prune(folder, set(drawn))
    return _PLACEHOLDER.sub(lambda m: drawn[m.group(1)], html)


def _cached(key: str, data: ChartData, folder: Path | None) -> str:
    from .charts import render_svg

    entry = None if folder is None else folder / f"{key}.entry"
    if entry is not None:
        svg = _read(entry)
        if svg is not None:
            return svg
    svg = render_svg(data, None if folder is None else folder / "matplotlib")  # else a private temporary one
    if entry is not None:
        _write(entry, svg)
    return svg


def _read(entry: Path) -> str | None:
    """The SVG an entry holds, or None when it is missing, damaged, not a plain file or an SVG that
    images.py would refuse as a figure (then it is drawn again, and the entry replaced)."""
    from .assets import image_kind_of
    from .images import ImageError, vet_bytes

    try:
        fd = os.open(entry, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read()
    except OSError:
        return None
    check, _, body = raw.partition(b"\n")
    sha = hashlib.sha256(body).hexdigest()
    if check.decode("ascii", "replace") != sha:
        return None
    # Never touched (no utime) when read: --watch would take the touch for a change, and rebuild forever.
    try:
        if sha not in _passed:
            if image_kind_of(body[:4096]) != "svg":
                return None
            vet_bytes(body, entry.parent, (), "a chart in the cache")  # no roots: it may refer to no file
        svg = body.decode("utf-8")
    except (ImageError, UnicodeDecodeError):
        return None
    _passed.add(sha)
    return svg


def _write(entry: Path, svg: str) -> None:
    """Keep the SVG, atomically; a cache that cannot be written is only slower."""
    body = svg.encode("utf-8")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=entry.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body)
            os.replace(temp, entry)
        except BaseException:
            os.unlink(temp)
            raise
    except OSError:
        pass


def _prune(folder: Path, used: set[str]) -> None:
    """Keep MAX_ENTRIES: the charts this build used, then the most recently written."""
    try:
        entries = [(p.stat().st_mtime, p) for p in folder.glob("*.entry") if p.stem not in used]
    except OSError:
        return
    if len(entries) + len(used) <= MAX_ENTRIES:
        return
    for _, path in sorted(entries)[: len(entries) + len(used) - MAX_ENTRIES]:
        with contextlib.suppress(OSError):
            path.unlink()


def holds(path: Path) -> bool:
    """True for a path in a chart cache (an entry, its temporary file, matplotlib's folder): folio's own
    files, never an input a build reads from the content folder."""
    return FOLDER in Path(path).parts


def _design() -> dict[str, str]:
    """What every chart's drawing depends on besides its data, as digests and versions."""
    from .mpl import FONT_FILES

    here = Path(__file__).parent
    files = tuple([here / name for name in _CODE] + list(_STYLE) + list(FONT_FILES))
    stamps = tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in files)  # a file saved under --watch
    return dict(_digests(files, stamps))


@cache
def _digests(files: tuple[Path, ...], _stamps: tuple[tuple[int, int], ...]) -> tuple[tuple[str, str], ...]:
    out = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}
    for package in ("folio", "matplotlib"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = "unknown"
    return tuple(out.items())

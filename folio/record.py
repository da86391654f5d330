"""The last build's preflight mends, kept beside its PDF, so that the next build starts from them.

A cold build lays the report out several times to mend what the engine gets wrong
(preflight.py); most of the next build's blocks say what they said before and would
get the same mends. So a build that succeeds writes its mends, by what each block says,
into `.<pdf name>.mends.json` beside the PDF, and the next build of the same PDF starts
from them, as a --watch rebuild does from the ones it keeps in memory:

- the same HTML as last time (nothing edited): the last build's mends are applied
  as they were and the pages laid out once, without mending further, so the PDF is
  byte for byte the one that build wrote;
- an edited report: every block whose text is unchanged starts from its old mend,
  the rest from none, and the preflight mends from there as usual.

The record holds a digest of everything else the layout depends on (the stylesheets,
fonts, folio's own code, the engine's version): when any of it changed, the record is
ignored. A record that cannot be read is ignored too; it is a cache, never an input
that can fail a build. `--fresh` ignores it: every defect found and mended from scratch,
as in a clean checkout.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path
from typing import Any

from .paths import PROJECT_ROOT
from .preflight import Mend

FORMAT = 1  # bump when the meaning of a field changes
_DESIGN_FOLDERS = ("styles", "folio")  # templates show in the HTML itself


def path_for(pdf: Path) -> Path:
    return pdf.with_name(f".{pdf.name}.mends.json")


def design_digest(engine_version: str) -> str:
    """What a mend's effect depends on besides the HTML: stylesheets, fonts, folio, the engine."""
    digest = hashlib.sha256(f"{FORMAT}\0{engine_version}\0".encode())
    for folder in _DESIGN_FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def html_digest(html: str) -> str:
    return hashlib.sha256(html.encode("utf-8")).hexdigest()


@dataclasses.dataclass
class Record:
    design: str  # design_digest() when it was written
    html: str  # html_digest() of the unmended HTML it was made for
    mends: dict[str, Mend]  # by what each block says (pipeline.block_texts)
    splits: dict[str, tuple[int, ...]] = dataclasses.field(default_factory=dict)  # long notes' cuts, by note id
    folios: dict[str, str] = dataclasses.field(default_factory=dict)  # anchors' folios, when laid out in parts
    joined: list[str] = dataclasses.field(default_factory=list)  # chapters kept in one part with the next


def load(path: Path, design: str) -> Record | None:
    """The record at path, or None when there is none, it is unreadable, or the design changed."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("design") != design:
            return None
        return Record(design, str(data["html"]), {str(text): _mend(fields) for text, fields in data["mends"].items()},
                      {str(note): tuple(int(cut) for cut in cuts) for note, cuts in data.get("splits", {}).items()},
                      {str(name): str(folio) for name, folio in data.get("folios", {}).items()},
                      [str(name) for name in data.get("joined", [])])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def dump(record: Record) -> bytes:
    data = {"format": FORMAT, "design": record.design, "html": record.html,
            "mends": {text: dataclasses.asdict(mend) for text, mend in record.mends.items()},
            "splits": {note: list(cuts) for note, cuts in record.splits.items()}}
    if record.folios:
        data["folios"] = record.folios
    if record.joined:
        data["joined"] = record.joined
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def _mend(fields: Any) -> Mend:
    known = {f.name for f in dataclasses.fields(Mend)}
    if not isinstance(fields, dict) or not set(fields) <= known:
        raise ValueError("not a mend")
    mend = Mend(**fields)
    mend.words = tuple((str(word), int(nth)) for word, nth in mend.words)  # JSON gives lists
    mend.tried = {str(kind): int(count) for kind, count in mend.tried.items()}
    return mend

"""Which files the build may read: those whose real path lies inside the project.

The templates and styles folder and the report's content folder are the
roots. A path is resolved fully (symlinks followed, `..` removed) before it is
compared, so a link that points out of a root is outside it.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = PROJECT_ROOT / "templates"
STYLES_DIR = PROJECT_ROOT / "styles"


def is_inside(path: Path, roots: tuple[Path, ...]) -> bool:
    real = Path(os.path.realpath(path))
    return any(real == root or root in real.parents for root in (Path(os.path.realpath(r)) for r in roots))

"""libyaml reads the content (fast); it must give exactly what the Python parser gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from folio import source
from folio.errors import Problems

from .conftest import CONTENT

SAMPLE = """\
title: "Dvořák Łódź — ខ្មែរ"
sections:
  - title: ខ្មែរ ខ្មែរ
    id: a
    blocks:
      - "😀 then: text"
      - >-
        folded ខ្មែរ
        more
      - {quote: "x", source: ÿ}
"""


@pytest.mark.skipif(source.FAST_LOADER is yaml.SafeLoader, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("name", [*sorted(p.name for p in CONTENT.glob("*.yaml")), "sample"])
def test_libyaml_gives_the_same_nodes_and_positions(name: str) -> None:
    path = CONTENT / name
    text = SAMPLE if name == "sample" else path.read_text(encoding="utf-8")
    fast = source._load_text(path, text, Problems(), source.FAST_LOADER)
    slow = source._load_text(path, text, Problems(), yaml.SafeLoader)
    assert fast is not None
    assert fast == slow


def test_a_broken_file_is_reported_in_the_python_parser_words(tmp_path: Path) -> None:
    problems = Problems()
    source.load_text(tmp_path / "c.yaml", "title: One\nsections:\n  - title: A\n   id: a\n", problems)
    slow = Problems()
    source._load_text(tmp_path / "c.yaml", "title: One\nsections:\n  - title: A\n   id: a\n", slow, yaml.SafeLoader)
    assert problems.items and problems.items == slow.items

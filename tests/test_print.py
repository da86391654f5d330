"""Print and archive conformance, read from the PDFs: PDF/UA-1 by an independent validator.

The validator is `page-validation` (a test extra), which follows veraPDF's rule ids.
"""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest

from folio.pipeline import BuildOptions, build

from .conftest import ROOT

BRIEFING = ROOT / "examples" / "briefing"
EPOCH = "1612828800"  # 2021-02-09 00:00 UTC


def failed_rules(pdf: Path, profile: str) -> dict[str, str]:
    """The rules the validator finds broken under `profile`, with one message each."""
    import page  # page-validation

    result = page.validate_pdf(str(pdf), profile=profile)
    return {failure.rule_id: failure.message for failure in result.failures}


@pytest.fixture(scope="module")
def briefing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The briefing in both profiles, in one process and laid out in two parts and joined."""
    folder = tmp_path_factory.mktemp("briefing")
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    try:
        one = build(BRIEFING, BuildOptions(output=folder / "one.pdf", profile="all", jobs=1, fresh=True))
        two = build(BRIEFING, BuildOptions(output=folder / "two.pdf", profile="all", jobs=2, fresh=True))
    finally:
        mp.undo()
    return {"screen": one.path, "print": one.others[0][0], "joined": two.path, "joined-print": two.others[0][0]}


@pytest.mark.parametrize("kind", ["screen", "print", "joined", "joined-print"])
def test_pdfua1_by_the_validator(briefing: dict[str, Path], kind: str) -> None:
    assert failed_rules(briefing[kind], "ua1") == {}


def test_every_link_annotation_hangs_on_a_link_element(briefing: dict[str, Path]) -> None:
    # The contents' page numbers are inline-blocks inside the link: WeasyPrint tags their
    # annotation under a /Span, which PDF/UA forbids (PDFUA1-LINK-LINK-TAG-001).
    with pikepdf.open(briefing["screen"]) as pdf:
        parents = _parent_tree(pdf.Root.StructTreeRoot.ParentTree)
        links = [annot for page in pdf.pages for annot in page.get("/Annots", [])
                 if annot.get("/Subtype") == "/Link"]
        assert len(links) > 10
        for annot in links:
            element = parents[int(annot.StructParent)]
            assert element.S == "/Link"
            assert any(kid.get("/Obj") == annot for kid in element.K if isinstance(kid, pikepdf.Dictionary))


def _parent_tree(node: pikepdf.Object) -> dict[int, pikepdf.Object]:
    nums = node.get("/Nums", pikepdf.Array())
    found = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for kid in node.get("/Kids", pikepdf.Array()):
        found.update(_parent_tree(kid))
    return found

"""Reading built PDFs in tests: text per page, outline, metadata, fonts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from pathlib import Path


def page_texts(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def normal_words(text: str) -> list[str]:
    """Words to compare: NFKC, quotes and dashes folded, hyphenation at line ends undone."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u00ad\ufffe\x02]\r?\n", "", text)
    text = re.sub(r"[\u00ad\ufffe\x02]", " ", text)  # a hyphen before a page's folio: halves apart
    text = re.sub(r"[\u2010-]\r?\n(?=[a-z])", "", text)
    text = re.sub(r"[\u2018\u2019\u201c\u201d\"'«»]", "", text)
    text = re.sub(r"[\u2010\u2011\-]", "", text)  # hyphenated compounds compare as one word
    text = re.sub(r"[\u2012-\u2015]", " ", text)
    return [w for w in re.findall(r"[\w%$]+", text.lower())]


def margin_texts(pdf: Path, band_mm: float = 22.0) -> list[str]:
    """The text of each page's top and bottom bands: running heads and folios."""
    import pypdfium2 as pdfium

    band = band_mm / 25.4 * 72
    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            width, height = page.get_size()
            text = page.get_textpage()
            top = text.get_text_bounded(0, height - band, width, height)
            bottom = text.get_text_bounded(0, 0, width, band)
            out.append(f"{top}\n{bottom}")
        return out
    finally:
        doc.close()


# ---------------------------------------------------------------- tagged PDF (PDF/UA)

TEXT_OPERATORS = {"Tj", "TJ", "'", '"'}


def struct_elements(root) -> Iterator:
    """Every structure element reachable from the StructTreeRoot through /K, once each."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue  # an MCID
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if node.get("/Type") in (pikepdf.Name.MCR, pikepdf.Name.OBJR):
            continue
        yield node
        if "/K" in node:
            stack.append(node.K)


def marked_content(pdf_path: Path) -> list[dict]:
    """Per page: text runs outside any marked content, artifacts with text, and MCIDs whose
    structure element is not in the tree. A PDF/UA file has none of the first and the last."""
    import pikepdf

    out = []
    with pikepdf.open(pdf_path) as pdf:
        tree = pdf.Root.StructTreeRoot
        reachable = {n.objgen for n in struct_elements(tree) if n.is_indirect}
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page in enumerate(pdf.pages):
            stack: list[str] = []
            untagged = artifact_text = 0
            orphans: list[int] = []
            mapping = parents.get(int(page.obj.get("/StructParents", -1)))
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op in ("BDC", "BMC"):
                    tag = str(operands[0])
                    stack.append(tag)
                    if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                        mcid = int(operands[1].MCID)
                        element = mapping[mcid] if mapping is not None and mcid < len(mapping) else None
                        if not isinstance(element, pikepdf.Dictionary) or element.objgen not in reachable:
                            orphans.append(mcid)
                elif op == "EMC":
                    stack.pop()
                elif op in TEXT_OPERATORS:
                    if not stack:
                        untagged += 1
                    elif "/Artifact" in stack:
                        artifact_text += 1
            out.append({"page": number + 1, "untagged_text": untagged, "artifact_text": artifact_text,
                        "orphan_mcids": orphans})
    return out

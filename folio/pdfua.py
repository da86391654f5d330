"""Finish WeasyPrint's tagged PDF so that it can conform to PDF/UA-1.

WeasyPrint 70 tags the text of margin boxes (running heads, folios, the draft
and embargo footers) as `/Span <</MCID n>> BDC ... EMC`, and builds structure
elements for them that hang outside the structure tree (on purpose: in PDF 1.7
an artifact cannot sit in the tree). A PDF/UA checker sees marked content
that belongs to no reachable structure element. `mark_artifacts` is passed to
`write_pdf` as its `finisher`: it finds every MCID whose structure element is
not reachable from the tree's root, re-marks that content as
`/Artifact <</Type /Pagination>>`, drops it from the parent tree and empties
the orphaned elements. Content in the tree is left exactly as it was.

It works on pydyf's objects before they are written (no second parse of the
PDF), so the output stays byte-identical run after run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pydyf

from .errors import BuildError


@dataclass
class ArtifactReport:
    """What the finisher changed; kept for tests and the build log."""

    pages: int = 0
    remarked: int = 0  # marked-content sequences turned into artifacts
    orphans: int = 0  # structure elements emptied
    missing: list[str] = field(default_factory=list)  # MCIDs in the parent tree not found in a stream
    links: int = 0  # link annotations given their text as /Contents
    retagged: int = 0  # link annotations moved from a /Span up to the /Link around it


def _number(reference: object) -> int | None:
    """The object number of b'12 0 R', or None for anything else."""
    if isinstance(reference, bytes) and reference.endswith(b" 0 R"):
        return int(reference.split()[0])
    return None


def _reachable(objects: list, root_number: int) -> set[int]:
    """Numbers of the structure elements reachable from the StructTreeRoot through /K."""
    seen: set[int] = set()
    stack = [root_number]
    while stack:
        number = stack.pop()
        if number in seen:
            continue
        seen.add(number)
        obj = objects[number]
        if not isinstance(obj, pydyf.Dictionary):
            continue
        kids = obj.get("K")
        items = kids if isinstance(kids, pydyf.Array | list) else [kids]
        for kid in items:
            child = _number(kid)
            if child is not None:
                stack.append(child)
    return seen


def finish(document: object, pdf: pydyf.PDF, report: ArtifactReport | None = None) -> ArtifactReport:
    """The finisher for tagged PDFs: margin content as artifacts, links described by their text."""
    report = mark_artifacts(document, pdf, report)
    report.links = describe_links(document)
    report.retagged = nest_links(pdf)
    scope_headers(pdf)
    unnamed = figures_without_alt(pdf)
    if unnamed:
        # The engine logs an <img> without alt itself; an <svg> without <title> passes silently.
        raise BuildError(f"{unnamed} figure(s) without alternative text: give every image an alt text and "
                         "every SVG chart a <title> (PDF/UA requires /Alt on each /Figure)")
    return report


def nest_links(pdf: pydyf.PDF) -> int:
    """Hang every link annotation on the /Link structure element around it.

    WeasyPrint gives each box of a link its own annotation and puts the annotation's
    object reference (/OBJR) in the structure element of that box: for an inline-block
    inside a link (the contents' page numbers, `.toc-number`) that is a /Span, and PDF/UA
    (veraPDF's rule 7.18.5-1, PDFUA1-LINK-LINK-TAG-001) wants each link annotation nested
    in a /Link. The reference moves up to the nearest /Link ancestor, before the kid that
    leads to the /Span, and the parent tree entry of the annotation follows it; a link
    annotation with no /Link above it gets a /Link of its own in place of its reference.
    """
    objects = pdf.objects
    root = _number(pdf.catalog.get("StructTreeRoot"))
    if root is None:
        return 0
    nums = objects[_number(objects[root]["ParentTree"])]["Nums"]
    moved = 0
    for i in range(0, len(nums), 2):
        number = _number(nums[i + 1])  # an annotation's entry is one reference (a page's is an array)
        element = objects[number] if number is not None else None
        if not isinstance(element, pydyf.Dictionary) or element.get("S") in ("/Link", None):
            continue
        reference = _objr_of(objects, element, nums[i])
        if reference is None or not _is_link(objects, reference):
            continue
        element["K"].remove(reference)
        child, ancestor = element, _parent(objects, element)
        while ancestor is not None and ancestor.get("S") != "/Link":
            child, ancestor = ancestor, _parent(objects, ancestor)
        if ancestor is not None:
            kids = ancestor["K"]
            kids.insert(kids.index(child.reference), reference)
        else:  # no /Link around it: one of its own, where the reference was
            ancestor = pydyf.Dictionary({"Type": "/StructElem", "S": "/Link", "K": pydyf.Array([reference]),
                                         "Pg": element.get("Pg"), "P": element.reference})
            pdf.add_object(ancestor)
            element["K"].insert(0, ancestor.reference)
        nums[i + 1] = ancestor.reference
        moved += 1
    return moved


def _objr_of(objects: list, element: pydyf.Dictionary, key: int) -> bytes | None:
    """The reference, among the element's kids, of the /OBJR of the annotation whose /StructParent is `key`."""
    kids = element.get("K")
    for kid in kids if isinstance(kids, pydyf.Array | list) else []:
        number = _number(kid)
        objr = objects[number] if number is not None else None
        if isinstance(objr, pydyf.Dictionary) and objr.get("Type") == "/OBJR":
            annotation = objects[_number(objr["Obj"])]
            if annotation.get("StructParent") == key:
                return kid
    return None


def _is_link(objects: list, objr_reference: bytes) -> bool:
    annotation = objects[_number(objects[_number(objr_reference)]["Obj"])]
    return annotation.get("Subtype") == "/Link"


def scope_headers(pdf: pydyf.PDF) -> int:
    """Give each table header cell its /Scope: /Column in the head, /Row in the body.

    WeasyPrint writes /TH with /A << /O /Table >> but no /Scope (the HTML's `scope`
    attribute is not carried over); PDF/UA wants it for a table without /Headers. The
    templates put column headings in <thead> and a row's heading first in its <tr>.
    """
    objects = pdf.objects
    count = 0
    for obj in objects:
        if not (isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/TH" and isinstance(obj.get("A"), dict)):
            continue
        row = _parent(objects, obj)
        group = _parent(objects, row) if row is not None else None
        in_head = group is not None and group.get("S") == "/THead"
        obj["A"]["Scope"] = "/Column" if in_head else "/Row"
        count += 1
    return count


def _parent(objects: list, element: pydyf.Dictionary) -> pydyf.Dictionary | None:
    number = _number(element.get("P"))
    parent = objects[number] if number is not None else None
    return parent if isinstance(parent, pydyf.Dictionary) else None


def figures_without_alt(pdf: pydyf.PDF) -> int:
    """How many /Figure structure elements lack /Alt."""
    return sum(1 for obj in pdf.objects if isinstance(obj, pydyf.Dictionary) and obj.get("S") == "/Figure"
               and not obj.get("Alt"))


def describe_links(document: object) -> int:
    """Give each link annotation the visible text of its link as /Contents, its alternate description.

    WeasyPrint writes the link's target there ('treaty-body', a URL); a screen reader
    announcing a link should say what the reader sees ('3. UN Treaty Body 5'). A link drawn
    in several boxes (the number, the leader, the page number) has one annotation per box:
    each gets the whole link's text. Leader dots are dropped.
    """
    count = 0
    for page in getattr(document, "pages", ()):
        stack: list[tuple[object, str]] = [(page._page_box, "")]
        while stack:
            box, outer = stack.pop()
            annotation = getattr(box, "link_annotation", None)
            if annotation is not None:
                text = outer or _link_text(box)
                if text:
                    annotation["Contents"] = pydyf.String(text)
                    count += 1
                outer = text
            stack.extend((child, outer) for child in reversed(getattr(box, "children", ()) or ()))
    return count


def _link_text(box: object) -> str:
    text = " ".join("".join(t.text for t in _descendants(box) if hasattr(t, "text")).split())
    return re.sub(r"(?:\s*[.·…]\s*){3,}", " ", text).strip()


def _descendants(box: object):
    stack = [box]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(getattr(current, "children", ()) or ()))


def mark_artifacts(document: object, pdf: pydyf.PDF, report: ArtifactReport | None = None) -> ArtifactReport:
    """Re-mark content outside the structure tree as pagination artifacts."""
    report = report if report is not None else ArtifactReport()
    catalog = pdf.catalog
    root = _number(catalog.get("StructTreeRoot"))
    if root is None:  # an untagged PDF: nothing to do
        return report
    objects = pdf.objects
    tree_root = objects[root]
    reachable = _reachable(objects, root)
    parent_tree = objects[_number(tree_root["ParentTree"])]
    nums = parent_tree["Nums"]
    pages = [objects[_number(ref)] for ref in pdf.page_references]
    for i in range(0, len(nums), 2):
        key, value = nums[i], nums[i + 1]
        if not isinstance(value, pydyf.Array | list) or key >= len(pages):
            continue  # an annotation's entry (a single reference), not a page's MCID array
        page = pages[key]
        orphan_mcids = set()
        for mcid, ref in enumerate(value):
            number = _number(ref)
            if number is not None and number not in reachable:
                orphan_mcids.add(mcid)
                objects[number].clear()  # unreferenced now; emptied so that no stray StructElem remains
                report.orphans += 1
                value[mcid] = "null"
        if orphan_mcids:
            report.pages += 1
            found = _remark(objects[_number(page["Contents"])], orphan_mcids)
            report.remarked += len(found)
            report.missing += [f"page {key + 1} MCID {m}" for m in sorted(orphan_mcids - found)]
    return report


def _remark(stream: pydyf.Stream, mcids: set[int]) -> set[int]:
    """Turn `/Tag <</MCID n>> BDC` into `/Artifact <</Type /Pagination>> BDC` for n in mcids."""
    ops = stream.stream
    found: set[int] = set()
    for j in range(len(ops) - 2):
        props = ops[j + 1]
        if (isinstance(props, pydyf.Dictionary) and ops[j + 2] == b"BDC" and isinstance(ops[j], str)
                and props.get("MCID") in mcids):
            found.add(props["MCID"])
            ops[j] = "/Artifact"
            ops[j + 1] = pydyf.Dictionary({"Type": "/Pagination"})
    return found

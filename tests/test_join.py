"""folio.join: parts laid out on their own and joined read like the same pages made in one process.

One small document (a contents page, three chapters with footnotes, a table, links within a
part and across parts, bookmarks, one closed) is laid out whole, and cut into three parts
(the contents; chapters One and Two; chapter Three) laid out one by one and joined. The
joined file is compared with the whole one: pages, text, outline, links, names, structure.
"""

from __future__ import annotations

import ctypes
import io
from pathlib import Path

import pikepdf
import pytest

from folio import profiles, typeset
from folio.join import JoinError, join
from folio.pipeline import PROJECT_ROOT

from .pdftools import marked_content, page_texts, struct_elements

ID = b"0123456789abcdef0123456789abcdef"
CHAPTERS = [("one", "One"), ("two", "Two"), ("three", "Three")]
LINKED = {0: "two", 1: "three", 2: "one"}  # each chapter links to another: One -> Two within part 1

HEAD = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Join test</title>
<meta name="author" content="Tester"><meta name="status" content="draft">
<link rel="stylesheet" href="styles/fonts.css">
<style>
@page { size: A5; margin: 20mm;
        @top-center { content: "Running head"; font-family: "Report Sans"; font-size: 8pt } }
body { font-family: "Report Sans"; font-size: 10pt }
main, section { break-before: page }
.note { float: footnote }
h1.closed { bookmark-state: closed }
</style></head><body>"""
PARA = " ".join(["Lorem ipsum dolor sit amet, consectetur adipiscing elit."] * 12)


def _chapter(index: int, href: str) -> str:
    anchor, title = CHAPTERS[index]
    closed = ' class="closed"' if index == 1 else ""
    return (f'<section id="{anchor}"><h1{closed}>{title}</h1><p>{PARA}<span class="note">A note on {title}.</span></p>'
            f'<h2 id="{anchor}-a">{title} A</h2><p>See <a href="{href}">the linked chapter</a>. {PARA}</p>'
            '<table><thead><tr><th>Year</th><th>Cases</th></tr></thead>'
            f'<tbody><tr><th>2020</th><td>{index}</td></tr></tbody></table>'
            f'<h2 id="{anchor}-b">{title} B</h2><p>{PARA} {PARA}</p></section>')


def _html(mine: list[int], front: bool) -> str:
    """The contents (if `front`) and a <main> of the chapters `mine`; a link to another chapter
    is written as chunks.py writes it: `folio-join:NAME`."""

    def href(target: str) -> str:
        index = [anchor for anchor, _ in CHAPTERS].index(target)
        return f"#{target}" if index in mine else f"folio-join:{target}"

    body = ""
    if front:
        items = "".join(f'<li><a href="{href(a)}">{t}</a></li>' for a, t in CHAPTERS)
        body += f"<nav><h1>Contents</h1><ul>{items}</ul></nav>"
    if mine:
        # The notes go on numbering from the part before, as chunks.py has to tell each part.
        chapters = "".join(_chapter(i, href(LINKED[i])) for i in mine)
        body += f'<main style="counter-reset: footnote {mine[0]}">{chapters}</main>'
    return HEAD + body + "</body></html>"


def _pdf(html: str) -> bytes:
    laid = typeset.layout(html, PROJECT_ROOT.as_uri() + "/", (PROJECT_ROOT,), pdf_options=profiles.pdf_options())
    return typeset.pdf_bytes(laid, finisher=profiles.finisher("screen"))


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("join")
    whole = _pdf(_html([0, 1, 2], front=True))
    parts = [_pdf(_html([], front=True)), _pdf(_html([0, 1], front=False)), _pdf(_html([2], front=False))]
    out = {"one": folder / "one.pdf", "joined": folder / "joined.pdf"}
    out["one"].write_bytes(whole)
    out["joined"].write_bytes(join(parts, ID))
    for index, part in enumerate(parts):
        out[f"part{index}"] = folder / f"part{index}.pdf"
        out[f"part{index}"].write_bytes(part)
    return out


def _parts(files: dict[str, Path]) -> list[bytes]:
    return [files[f"part{i}"].read_bytes() for i in range(3)]


# ---------------------------------------------------------------- reading both files alike


def _page_index(pdf: pikepdf.Pdf, page: pikepdf.Object) -> int:
    return pdf.pages.index(pikepdf.Page(page))


def _where(pdf: pikepdf.Pdf, dest: pikepdf.Array) -> tuple:
    return (_page_index(pdf, dest[0]), str(dest[1]), *(round(float(v), 2) for v in dest[2:]))


def _names(pdf: pikepdf.Pdf) -> dict[str, tuple]:
    flat = pdf.Root.Names.Dests.Names
    return {str(flat[i]): _where(pdf, flat[i + 1]) for i in range(0, len(flat), 2)}


def _outline(pdf: pikepdf.Pdf) -> list[tuple]:
    """(depth, title, /Count, target) of every bookmark, checking the links between items."""
    found: list[tuple] = []

    def walk(parent: pikepdf.Dictionary, depth: int) -> None:
        item, previous = parent.get("/First"), None
        while item is not None:
            assert item.Parent.objgen == parent.objgen
            assert (item.get("/Prev").objgen if "/Prev" in item else None) == (previous.objgen if previous else None)
            found.append((depth, str(item.Title), int(item.get("/Count", 0)), _where(pdf, item.Dest)))
            walk(item, depth + 1)
            previous, item = item, item.get("/Next")
        assert (parent.Last.objgen if "/Last" in parent else None) == (previous.objgen if previous else None)

    walk(pdf.Root.Outlines, 0)
    return [(int(pdf.Root.Outlines.Count), "root"), *found]


def _links(pdf: pikepdf.Pdf) -> list[tuple]:
    names = _names(pdf)
    return [(number, [round(float(v), 2) for v in annotation.Rect], str(annotation.get("/Contents")),
             names[str(annotation.Dest)] if "/Dest" in annotation else str(annotation.A.URI))
            for number, page in enumerate(pdf.pages) for annotation in page.obj.get("/Annots", [])]


def _mcid_texts(path: Path) -> dict[tuple[int, int], str]:
    """The text of each marked-content sequence, by (page index, MCID), as pdfium reads it."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    texts: dict[tuple[int, int], str] = {}
    document = pdfium.PdfDocument(str(path))
    for index in range(len(document)):
        page = document[index]
        textpage = page.get_textpage()
        for obj in page.get_objects(max_depth=15):
            mcid = ctypes.c_int(-1)
            for m in range(raw.FPDFPageObj_CountMarks(obj.raw)):
                raw.FPDFPageObjMark_GetParamIntValue(raw.FPDFPageObj_GetMark(obj.raw, m), b"MCID", ctypes.byref(mcid))
            if mcid.value < 0:
                continue
            text = ""
            if obj.type == raw.FPDF_PAGEOBJ_TEXT:
                size = raw.FPDFTextObj_GetText(obj.raw, textpage.raw, None, 0)
                buffer = (ctypes.c_ushort * (size // 2))()
                raw.FPDFTextObj_GetText(obj.raw, textpage.raw, buffer, size)
                text = bytes(buffer)[:size - 2].decode("utf-16-le")
            texts[(index, mcid.value)] = texts.get((index, mcid.value), "") + text
    document.close()
    return texts


def _structure(pdf: pikepdf.Pdf, path: Path) -> list[tuple]:
    """Depth first, kids in order: (depth, type, text of its marked content, its annotations' places)."""
    texts = _mcid_texts(path)
    sequence: list[tuple] = []

    def walk(element: pikepdf.Dictionary, depth: int) -> None:
        kids = element.K if isinstance(element.get("/K"), pikepdf.Array) else [element.get("/K")]
        text, annotations = "", []
        for kid in kids:
            if isinstance(kid, int):
                text += texts.get((_page_index(pdf, element.Pg), kid), "")
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/OBJR":
                annotations.append((_page_index(pdf, kid.Pg), [round(float(v), 2) for v in kid.Obj.Rect]))
        sequence.append((depth, str(element.S), text, annotations))
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                walk(kid, depth + 1)

    for top in pdf.Root.StructTreeRoot.K:
        walk(top, 0)
    return sequence


# ---------------------------------------------------------------- the joined file is the whole one


def test_pages_and_their_text_are_the_same(files: dict[str, Path]) -> None:
    assert len(page_texts(files["one"])) == 7
    assert page_texts(files["joined"]) == page_texts(files["one"])


def test_outline_names_and_links_are_the_same(files: dict[str, Path]) -> None:
    with pikepdf.open(files["one"]) as one, pikepdf.open(files["joined"]) as joined:
        assert _outline(joined) == _outline(one)
        assert any(count < 0 for _, _, count, _ in _outline(one)[1:])  # the closed bookmark kept
        assert _names(joined) == _names(one)
        keys = [bytes(k) for k in joined.Root.Names.Dests.Names[::2]]
        assert keys == sorted(keys)
        links = _links(joined)
        assert links == _links(one)
        assert all(not str(target).startswith("folio-join:") for *_, target in links)


def test_document_entries_come_from_the_first_part(files: dict[str, Path]) -> None:
    with pikepdf.open(files["joined"]) as joined, pikepdf.open(files["part0"]) as first, \
            pikepdf.open(files["one"]) as one:
        # As WeasyPrint writes it: [the build's identifier, a digest of the file's content].
        assert bytes(joined.trailer.ID[0]) == ID and len(bytes(joined.trailer.ID[1])) == 16
        assert dict(joined.docinfo.items()) == dict(first.docinfo.items()) == dict(one.docinfo.items())
        for key in ("/Lang", "/MarkInfo", "/ViewerPreferences"):
            assert repr(joined.Root[key]) == repr(one.Root[key])
        assert joined.Root.Metadata.read_bytes() == first.Root.Metadata.read_bytes()


def test_structure_tree_is_the_same(files: dict[str, Path]) -> None:
    with pikepdf.open(files["one"]) as one, pikepdf.open(files["joined"]) as joined:
        assert _structure(joined, files["joined"]) == _structure(one, files["one"])
        root = joined.Root.StructTreeRoot
        (document,) = root.K
        assert document.S == "/Document" and document.P.objgen == root.objgen
        for element in struct_elements(root):
            for kid in element.K if isinstance(element.get("/K"), pikepdf.Array) else []:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    assert kid.P.objgen == element.objgen
        keys = [int(k) for k in root.ParentTree.Nums[::2]]
        assert keys == list(range(len(keys))) and int(root.ParentTreeNextKey) == len(keys)
        assert keys == [int(k) for k in one.Root.StructTreeRoot.ParentTree.Nums[::2]]


def test_every_mcid_and_link_is_claimed_by_the_tree(files: dict[str, Path]) -> None:
    for page in marked_content(files["joined"]):
        assert page["orphan_mcids"] == [] and page["untagged_text"] == 0
    marked = _mcid_texts(files["joined"])
    with pikepdf.open(files["joined"]) as joined:
        nums = joined.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        reachable = {e.objgen for e in struct_elements(joined.Root.StructTreeRoot)}
        for number, page in enumerate(joined.pages):
            assert int(page.obj.StructParents) == number
            mcids = sorted(mcid for index, mcid in marked if index == number)
            assert mcids
            for mcid in mcids:
                element = parents[number][mcid]
                assert element.objgen in reachable and mcid in list(element.K)
            for annotation in page.obj.get("/Annots", []):
                link = parents[int(annotation.StructParent)]
                assert link.S == "/Link" and link.objgen in reachable
                assert [k.Obj.objgen for k in link.K if isinstance(k, pikepdf.Dictionary)] == [annotation.objgen]


def test_no_object_is_copied_twice(files: dict[str, Path]) -> None:
    with pikepdf.open(files["joined"]) as joined:
        kinds = [str(o.get("/Type")) for o in joined.objects if isinstance(o, pikepdf.Dictionary)]
        assert kinds.count("/Page") == len(joined.pages) == 7
        assert kinds.count("/StructTreeRoot") == kinds.count("/Pages") == 1
        documents = [o for o in joined.objects if isinstance(o, pikepdf.Dictionary) and o.get("/S") == "/Document"]
        assert len(documents) == 1
        ids = [str(e.ID) for e in struct_elements(joined.Root.StructTreeRoot) if "/ID" in e]
        assert len(ids) == len(set(ids)) == 9  # the table headers, unique across the parts
        for element in struct_elements(joined.Root.StructTreeRoot):
            for header in element.get("/A", {}).get("/Headers", []):
                assert str(header) in ids


def test_checks_as_well_as_the_whole_file(files: dict[str, Path]) -> None:
    with pikepdf.open(files["one"]) as one, pikepdf.open(files["joined"]) as joined:
        assert set(joined.check_pdf_syntax()) <= set(one.check_pdf_syntax())
        assert joined.check_pdf_syntax() == []


def test_the_same_parts_give_the_same_bytes(files: dict[str, Path]) -> None:
    assert join(_parts(files), ID) == files["joined"].read_bytes()


# ---------------------------------------------------------------- what cannot be joined


def _relink(part: bytes, old: str, new: str) -> bytes:
    with pikepdf.open(io.BytesIO(part)) as pdf:
        for page in pdf.pages:
            for annotation in page.obj.get("/Annots", []):
                if "/A" in annotation and str(annotation.A.URI) == old:
                    annotation.A.URI = pikepdf.String(new)
        buffer = io.BytesIO()
        pdf.save(buffer)
    return buffer.getvalue()


def test_a_link_to_a_name_no_part_defines_is_an_error(files: dict[str, Path]) -> None:
    parts = _parts(files)
    parts[0] = _relink(parts[0], "folio-join:two", "folio-join:nowhere")
    parts[2] = _relink(parts[2], "folio-join:one", "folio-join:gone")
    with pytest.raises(JoinError, match="no part defines: gone, nowhere"):
        join(parts, ID)


def test_a_name_defined_in_two_parts_is_an_error(files: dict[str, Path]) -> None:
    parts = _parts(files)
    with pytest.raises(JoinError, match="defined in two parts: 'three' \\(parts 2 and 3\\)"):
        join([*parts, parts[2]], ID)


def test_a_name_beyond_ascii_links_across_parts() -> None:
    """WeasyPrint writes such a name in UTF-16 and percent-encodes the link: the /Dest takes the tree's bytes."""
    parts = [_pdf(HEAD + '<p><a href="folio-join:café—1">Café</a></p></body></html>'),
             _pdf(HEAD + '<h1 id="café—1">Café</h1></body></html>')]
    with pikepdf.open(io.BytesIO(join(parts, ID))) as joined:
        (annotation,) = joined.pages[0].obj.Annots
        (key, _) = joined.Root.Names.Dests.Names
        assert bytes(annotation.Dest) == bytes(key) and str(key) == "café—1"
        assert _links(joined)[0][3][0] == 1


def test_an_entry_the_join_cannot_merge_is_an_error(files: dict[str, Path]) -> None:
    parts = _parts(files)
    with pikepdf.open(io.BytesIO(parts[1])) as pdf:
        pdf.Root.PageLabels = pikepdf.Dictionary(Nums=pikepdf.Array([0, pikepdf.Dictionary(S=pikepdf.Name.D)]))
        buffer = io.BytesIO()
        pdf.save(buffer)
    parts[1] = buffer.getvalue()
    with pytest.raises(JoinError, match="part 1 has document-level entries the join cannot merge: /PageLabels"):
        join(parts, ID)

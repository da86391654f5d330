"""Join tagged PDFs laid out in parts by WeasyPrint 70 into one PDF, as if made in one process.

chunks.py lays a long report out in parts (the front matter, then groups of whole
chapters), each a complete PDF/UA file written with `profiles.pdf_options()` and the
finisher. `join` puts their pages in order and merges what WeasyPrint writes at document
level so that the result reads like the one-process file:

- the catalog, Info dictionary and XMP metadata are part 0's; /ID starts with the given identifier;
- named destinations (/Names /Dests) become one sorted name tree; a name defined twice is an error;
- a link WeasyPrint could not resolve inside its part is written by chunks.py as
  `href="folio-join:NAME"`; its URI action becomes `/Dest (NAME)`, WeasyPrint's internal link;
- the outlines are chained, top-level items of each part in order;
- the structure trees: WeasyPrint's is StructTreeRoot -> one /Document -> the top-level
  elements *of each page* (an element cut by a page break is a new element on each page:
  <main> is a /Part per page). So the parts' /Document elements merge into one whose kids
  are all parts' kids in order, which is exactly the one-process shape. The parent tree is
  renumbered as WeasyPrint numbers it: keys 0..P-1 for the P pages, then the annotations.

Resources (fonts, images) stay per part: each part's subset is kept as it is.
"""

from __future__ import annotations

import io
import re
import warnings
from contextlib import ExitStack
from urllib.parse import unquote

import pikepdf
from pikepdf import Array, Dictionary, String

from .errors import BuildError
from .parts import JOIN_SCHEME

# Catalog entries WeasyPrint 70 writes for our options; anything else (/PageLabels, /AcroForm
# from form fields, ...) has no merge here and is refused rather than silently dropped.
KNOWN_CATALOG = {"/Type", "/Pages", "/Metadata", "/StructTreeRoot", "/ViewerPreferences", "/Lang",
                 "/MarkInfo", "/Names", "/Outlines", "/OutputIntents"}
KNOWN_TREE_ROOT = {"/Type", "/K", "/ParentTree", "/ParentTreeNextKey", "/RoleMap", "/ClassMap"}


class JoinError(BuildError):
    """The parts cannot be joined: the message says what is wrong."""


def join(parts: list[bytes], identifier: bytes) -> bytes:
    """One PDF of the parts' pages in order.

    WeasyPrint makes new top-level structure elements for each page (a <main> cut by a page
    break is a /Part on every page), so the parts' top-level elements follow one another
    under one /Document as the one-process file's do, whether or not a part continues the
    element the part before it ends in.
    `identifier` (32 ASCII hex bytes, profiles.identifier) is the first half of /ID; the second
    is a digest of the joined file, as WeasyPrint makes it.
    """
    if not parts:
        raise JoinError("join: no parts")
    if not re.fullmatch(rb"[0-9a-fA-F]{32}", identifier):
        raise JoinError(f"join: the identifier must be 32 hex digits, not {identifier!r}")
    with ExitStack() as stack:
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(part))) for part in parts]
        for index, source in enumerate(sources):
            _check_supported(source, index)
        if len({str(_document(source).get("/S")) for source in sources}) != 1:
            raise JoinError("join: the parts' structure trees differ in shape (a /Document element in some only)")
        names = _destinations(sources)
        _resolve_cross_links(sources, names)
        entries = _renumber_parent_trees(sources)
        for index, source in enumerate(sources[1:], start=1):
            _prefix_ids(source, f"p{index}-")
        out = sources[0]
        _merge(out, sources[1:], names, entries)
        return _save(out, identifier)


# ---------------------------------------------------------------- reading the parts


def _check_supported(source: pikepdf.Pdf, index: int) -> None:
    root = source.Root
    unknown = sorted(set(root.keys()) - KNOWN_CATALOG)
    names = set(root.get("/Names", Dictionary()).keys())
    unknown += sorted(names - {"/Dests"}) if index else []  # part 0's attachments stay; others' cannot merge
    tree = root.get("/StructTreeRoot")
    if tree is None:
        raise JoinError(f"join: part {index} is not tagged (no /StructTreeRoot)")
    unknown += sorted(set(tree.keys()) - KNOWN_TREE_ROOT)
    if unknown:
        raise JoinError(f"join: part {index} has document-level entries the join cannot merge: "
                        + ", ".join(unknown))


def _tree_items(node: pikepdf.Object, key: str) -> list[tuple[object, pikepdf.Object]]:
    """The (key, value) pairs of a name tree (key '/Names') or number tree ('/Nums'), in order."""
    items = []
    flat = node.get(key, Array())
    items.extend((flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2))
    for kid in node.get("/Kids", Array()):
        items.extend(_tree_items(kid, key))
    return items


def _destinations(sources: list[pikepdf.Pdf]) -> dict[bytes, tuple[int, pikepdf.Object]]:
    """Every part's named destinations by name (raw bytes): (part index, value)."""
    found: dict[bytes, tuple[int, pikepdf.Object]] = {}
    twice: list[str] = []
    for index, source in enumerate(sources):
        dests = source.Root.get("/Names", Dictionary()).get("/Dests")
        for name, value in _tree_items(dests, "/Names") if dests is not None else []:
            key = bytes(name)
            if key in found:
                twice.append(f"{str(name)!r} (parts {found[key][0]} and {index})")
            else:
                found[key] = (index, value)
    if twice:
        raise JoinError("join: named destinations defined in two parts: " + ", ".join(twice))
    return found


def _annotations(source: pikepdf.Pdf):
    for page in source.pages:
        yield from page.obj.get("/Annots", Array())


def _resolve_cross_links(sources: list[pikepdf.Pdf], names: dict[bytes, tuple]) -> None:
    """`/A << /S /URI /URI (folio-join:NAME) >>` -> `/Dest (NAME)`, as WeasyPrint writes an internal link."""
    # By text: pikepdf may encode a name in other bytes than WeasyPrint did; the /Dest takes the tree's.
    by_text = {str(String(key)): key for key in names}
    missing: list[str] = []
    for source in sources:
        for annotation in _annotations(source):
            action = annotation.get("/A")
            uri = action.get("/URI") if isinstance(action, Dictionary) else None
            if action is None or action.get("/S") != "/URI" or not str(uri).startswith(JOIN_SCHEME):
                continue
            name = unquote(str(uri)[len(JOIN_SCHEME):])  # WeasyPrint percent-encodes a non-ASCII IRI
            if name not in by_text:
                missing.append(name)
                continue
            del annotation["/A"]
            annotation.Dest = String(by_text[name])
    if missing:
        raise JoinError("join: links to anchors that no part defines: " + ", ".join(sorted(set(missing))))


def _document(source: pikepdf.Pdf) -> pikepdf.Dictionary:
    """The element whose kids are the top-level elements: WeasyPrint's /Document (else the root)."""
    tree = source.Root.StructTreeRoot
    kids = _as_list(tree.get("/K"))
    if len(kids) == 1 and kids[0].get("/S") == "/Document":
        return kids[0]
    return tree


def _as_list(kids: pikepdf.Object | None) -> list:
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _renumber_parent_trees(sources: list[pikepdf.Pdf]) -> list[list[tuple[int, pikepdf.Object]]]:
    """Renumber /StructParents and /StructParent in place; each part's new parent-tree entries.

    The numbers follow WeasyPrint's: page k of the joined file has key k, the annotations
    come after all pages, in the parts' order (within a part, in its own order).
    """
    page_key = 0
    annotation_key = sum(len(source.pages) for source in sources)
    result = []
    for index, source in enumerate(sources):
        old = dict(_tree_items(source.Root.StructTreeRoot.get("/ParentTree", Dictionary()), "/Nums"))
        new: dict[int, int] = {}
        for page in source.pages:
            if "/StructParents" in page.obj:
                new[int(page.obj.StructParents)] = page_key
                page.obj.StructParents = page_key
            page_key += 1
        for key in sorted(int(k) for k in old if int(k) not in new):
            new[key] = annotation_key
            annotation_key += 1
        for annotation in _annotations(source):
            if "/StructParent" in annotation:
                key = int(annotation.StructParent)
                if key not in new:
                    raise JoinError(f"join: part {index}: an annotation's /StructParent {key} "
                                    "is not in the parent tree")
                annotation.StructParent = new[key]
        result.append(sorted((new[int(k)], value) for k, value in old.items()))
    return result


def _elements(source: pikepdf.Pdf):
    """Every structure element reachable from the root, depth first."""
    seen: set[tuple[int, int]] = set()
    stack = _as_list(source.Root.StructTreeRoot.get("/K"))[::-1]
    while stack:
        element = stack.pop()
        if not isinstance(element, Dictionary) or "/S" not in element or element.objgen in seen:
            continue
        if element.is_indirect:
            seen.add(element.objgen)
        yield element
        stack.extend(_as_list(element.get("/K"))[::-1])


def _prefix_ids(source: pikepdf.Pdf, prefix: str) -> None:
    """Keep element /IDs unique across parts (WeasyPrint names table headers by object number)."""
    for element in _elements(source):
        if "/ID" in element:
            element.ID = String(prefix + str(element.ID))
        for attributes in _as_list(element.get("/A")):
            headers = attributes.get("/Headers") if isinstance(attributes, Dictionary) else None
            if headers is not None:
                attributes.Headers = Array([String(prefix + str(h)) for h in headers])


# ---------------------------------------------------------------- the joined file


def _merge(out: pikepdf.Pdf, later: list[pikepdf.Pdf], names: dict, entries: list[list]) -> None:
    # Pages first: QPDF keeps one copy per foreign object, so the /Pg, /Dest and /OBJR
    # references copied afterwards land on these pages and annotations, not on new copies.
    # pikepdf warns that extend() leaves named destinations and forms behind: they are merged here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
        for source in later:
            out.pages.extend(source.pages)
    tree, document = out.Root.StructTreeRoot, _document(out)
    kids = Array(_as_list(document.get("/K")))
    nums: list[tuple[int, pikepdf.Object]] = []
    for index, source in enumerate([out, *later]):
        copy = (lambda obj: obj) if source is out else (lambda obj: _copy(out, obj))
        if source is not out:
            top = _as_list(_document(source).get("/K"))
            for element in (e for e in top if "/P" in e):
                del element["/P"]  # else the copy drags the part's root and /Document along
            for element in top:
                element = copy(element)
                element.P = document
                kids.append(element)
            for key in ("/RoleMap", "/ClassMap"):
                _merge_map(tree, source.Root.StructTreeRoot.get(key), key, copy, index)
            _append_outline(out, source)
        for key, value in entries[index]:
            nums.append((key, copy(value)))
    document.K = kids
    nums.sort(key=lambda entry: entry[0])  # a number tree's keys in order: pages of all parts first
    tree.ParentTree = out.make_indirect(Dictionary(Nums=Array([item for entry in nums for item in entry])))
    tree.ParentTreeNextKey = max((key for part in entries for key, _ in part), default=-1) + 1
    if names:
        dests = Array()
        for key in sorted(names):  # a name tree's keys in byte order (ISO 32000-1, 7.9.6)
            index, value = names[key]
            dests.extend([String(key), value if index == 0 else _copy(out, value)])
        out.Root.Names = out.Root.get("/Names", Dictionary())
        out.Root.Names.Dests = out.make_indirect(Dictionary(Names=dests))


def _copy(out: pikepdf.Pdf, obj: pikepdf.Object) -> pikepdf.Object:
    """A foreign object in `out`; copy_foreign takes only indirect ones, so direct containers are rebuilt."""
    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return out.copy_foreign(obj)
    if isinstance(obj, Array):
        return Array([_copy(out, item) for item in obj])
    if isinstance(obj, Dictionary):
        return Dictionary({key: _copy(out, value) for key, value in obj.items()})
    return obj


def _merge_map(tree: pikepdf.Dictionary, extra: pikepdf.Object | None, key: str, copy, index: int) -> None:
    if extra is None:
        return
    merged = tree.get(key, Dictionary())
    for name, value in extra.items():
        if name in merged and repr(merged[name]) != repr(value):
            raise JoinError(f"join: part {index} maps {name} in {key} differently from an earlier part")
        merged[name] = copy(value)
    tree[key] = merged


def _append_outline(out: pikepdf.Pdf, source: pikepdf.Pdf) -> None:
    """Chain a part's top-level bookmarks after the joined outline's last one."""
    theirs = source.Root.get("/Outlines")
    if theirs is None or "/First" not in theirs:
        return
    items, item = [], theirs.First
    while item is not None:
        items.append(item)
        if "/Parent" in item:
            del item["/Parent"]  # as for structure elements: do not copy the part's outline root
        item = item.get("/Next")
    if "/Outlines" not in out.Root:
        out.Root.Outlines = out.make_indirect(Dictionary(Count=0))
    ours = out.Root.Outlines
    first = _copy(out, items[0])  # the chain comes along through /Next
    last = _copy(out, items[-1])
    item = first
    while item is not None:
        item.Parent = ours
        item = item.get("/Next")
    if "/Last" in ours:
        ours.Last.Next, first.Prev = first, ours.Last
    else:
        ours.First = first
    ours.Last = last
    # WeasyPrint's root /Count: the top-level items plus the open descendants; it adds up.
    ours.Count = int(ours.get("/Count", 0)) + int(theirs.get("/Count", 0))


def _save(out: pikepdf.Pdf, identifier: bytes) -> bytes:
    # QPDF keeps the first half of /ID and, with deterministic_id, makes the second a digest
    # of the written file: the shape WeasyPrint (pydyf) writes, [identifier, digest of content].
    out.trailer.ID = Array([String(identifier), String(identifier)])
    buffer = io.BytesIO()
    # fix_metadata_version would rewrite part 0's XMP packet: keep it as WeasyPrint wrote it.
    out.save(buffer, deterministic_id=True, compress_streams=True, fix_metadata_version=False,
             object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return buffer.getvalue()

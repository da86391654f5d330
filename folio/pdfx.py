"""PDF/X-4 for the print file, in the same file as PDF/UA-1: what a commercial press asks for.

WeasyPrint paints in RGB. The print stylesheet gives the design's colours in CMYK
(`device-cmyk()` in styles/print.css, each beside its RGB value in styles/tokens.css), and
this module makes the rest of the file CMYK, on the written PDF (pikepdf):

- every colour operator of every content stream (pages, form XObjects, tiling patterns): `rg`/`RG` become
  `k`/`K`, a colour of the design by its CMYK value, a pure grey or black in black ink only
  (`g`/`G` too), any other colour (a chart's tint, a red embargo line) through the output
  intent's profile from sRGB (LittleCMS, relative colorimetric with black point
  compensation); a `cs`/`CS` to an RGB space becomes DeviceCMYK and its `sc`/`scn` follow;
- the crop marks in registration colour (/Separation /All), so that they print on every plate;
- transparency groups blended in DeviceCMYK;
- (shadings, gradients in CSS, are not converted: the design has none, and the tests find any
  DeviceRGB left in the file)
- images kept as they are, but their DeviceRGB named for what it is, sRGB (an ICCBased space):
  PDF/X-4 lets the press's RIP convert them with the output intent at its own settings, once,
  instead of our converting them here and the press again;
- no annotations on the pages: PDF/X allows none inside the bleed box but printer's marks and
  trap networks, and a link means nothing on paper. The links' text stays tagged /Link; their
  annotations leave the structure tree and its parent tree with them (PDF/UA asks that every
  link annotation be in a /Link, not that a /Link have one);
- an output intent GTS_PDFX with the CMYK profile (styles/icc/FOGRA39L-coated.icc, or the
  report's `print_profile:`), /Trapped /False, and pdfxid:GTS_PDFXVersion with the
  document ids PDF/X wants in the XMP.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator, String

from . import xmp
from .errors import BuildError
from .paths import STYLES_DIR

CMYK_PROFILE = STYLES_DIR / "icc" / "FOGRA39L-coated.icc"
SRGB_PROFILE = STYLES_DIR / "icc" / "sRGB2014.icc"
# The ICC's registry names the characterised printing condition; a RIP that knows it needs no profile.
DEFAULT_CONDITION = ("FOGRA39", "Coated FOGRA39 (ISO 12647-2:2004/Amd 1, sheet-fed offset, coated paper)")

_RGB_SPACES = {"/DeviceRGB", "/CalRGB"}


@dataclass(frozen=True)
class Press:
    """The printing condition the file is made for: its ICC profile and how it is named."""

    profile: Path = CMYK_PROFILE
    identifier: str = DEFAULT_CONDITION[0]
    info: str = DEFAULT_CONDITION[1]


def press_for(profile: Path | None) -> Press:
    """The default press (FOGRA39), or the report's own profile, named by its description."""
    if profile is None:
        return Press()
    from PIL import ImageCms

    try:
        description = ImageCms.getOpenProfile(str(profile)).profile.profile_description or profile.name
    except (OSError, ImageCms.PyCMSError) as exc:
        raise BuildError(f"{profile}: not a readable ICC profile ({exc})") from exc
    return Press(profile, "Custom", description.strip())  # "Custom": a condition not in the ICC's registry


@dataclass
class Converted:
    """What the conversion found and did; read by the print preflight (printcheck.py)."""

    operators: int = 0  # colour operators rewritten
    by_table: int = 0  # of which: a design colour, by its CMYK value in print.css
    by_profile: int = 0  # of which: through the output profile
    marks: int = 0  # crop-mark strokes set in registration colour
    images: int = 0  # images whose DeviceRGB became ICCBased sRGB
    annotations: int = 0  # link annotations taken off the pages
    left: list[str] = field(default_factory=list)  # colour spaces left that are not CMYK, grey or sRGB-based


def conform(pdf: pikepdf.Pdf, press: Press | None = None,
            table: dict[tuple[int, int, int], tuple] | None = None) -> Converted:
    """Make the tagged print PDF a PDF/X-4 file too."""
    press = press or Press()
    converter = Colours(press.profile, design_table() if table is None else table)
    done = Converted()
    srgb = _icc_stream(pdf, SRGB_PROFILE.read_bytes(), 3)
    registration = _registration(pdf)
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        trim = _box(page.obj.get("/TrimBox") or page.obj.MediaBox)
        _convert_stream(pdf, page.obj, page.obj.Resources, converter, done, False, registration)
        _group_in_cmyk(page.obj)
        for form, marks in _forms(page.obj.Resources, trim, seen):
            if "/Resources" not in form:
                form.Resources = Dictionary()
            _convert_stream(pdf, form, form.Resources, converter, done, marks, registration)
            _group_in_cmyk(form)
    for image in _images(pdf):
        done.images += _image_in_srgb(image, srgb)
    done.annotations = drop_annotations(pdf)
    pdf.Root.OutputIntents = Array([_output_intent(pdf, press)])
    _identify(pdf)
    return done


# ---------------------------------------------------------------- colours


def design_table(tokens: Path = STYLES_DIR / "tokens.css", printed: Path = STYLES_DIR / "print.css"
                 ) -> dict[tuple[int, int, int], tuple[float, float, float, float]]:
    """{RGB of a design colour: its CMYK for print}, paired by name: `--ink: #1a1a1a` in tokens.css,
    `--ink: device-cmyk(0 0 0 1)` in print.css."""
    rgb = {name: value for name, value in re.findall(r"(--[\w-]+):\s*#([0-9a-fA-F]{6})\b", tokens.read_text("utf-8"))}
    table = {}
    for name, values in re.findall(r"(--[\w-]+):\s*device-cmyk\(([^)]*)\)", printed.read_text("utf-8")):
        if name in rgb:
            hexa = rgb[name]
            table[tuple(int(hexa[i:i + 2], 16) for i in (0, 2, 4))] = tuple(float(v) for v in values.split()[:4])
    return table


class Colours:
    """RGB (0..1) -> CMYK (0..1): the design's table, greys in black only, else the profile."""

    def __init__(self, profile: Path, table: dict[tuple[int, int, int], tuple]) -> None:
        self.profile, self.table = profile, table

    def cmyk(self, red: float, green: float, blue: float) -> tuple[tuple[float, ...], str]:
        key = tuple(round(min(max(v, 0.0), 1.0) * 255) for v in (red, green, blue))
        if key in self.table:
            return self.table[key], "table"
        if key[0] == key[1] == key[2]:
            return (0.0, 0.0, 0.0, round(1 - key[0] / 255, 4)), "grey"
        return self._through_profile(key), "profile"

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one converter per build; the cache dies with it
    def _through_profile(self, key: tuple[int, int, int]) -> tuple[float, ...]:
        from PIL import Image

        pixel = Image.new("RGB", (1, 1), key)
        return tuple(round(v / 255, 4) for v in self._transform.apply(pixel).getpixel((0, 0)))

    @functools.cached_property
    def _transform(self):  # type: ignore[no-untyped-def]
        from PIL import ImageCms

        try:
            target = ImageCms.getOpenProfile(str(self.profile))
        except (OSError, ImageCms.PyCMSError) as exc:
            raise BuildError(f"{self.profile}: not a readable ICC profile ({exc})") from exc
        if target.profile.xcolor_space.strip() != "CMYK":
            raise BuildError(f"{self.profile}: a {target.profile.xcolor_space.strip()} profile; "
                             "the print file needs the press's CMYK profile")
        return ImageCms.buildTransform(ImageCms.getOpenProfile(str(SRGB_PROFILE)), target, "RGB", "CMYK",
                                       renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
                                       flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)


# ---------------------------------------------------------------- content streams


_FILL = {"rg", "g", "cs", "sc", "scn"}
_STROKE = {"RG", "G", "CS", "SC", "SCN"}


def _convert_stream(pdf: pikepdf.Pdf, holder: pikepdf.Object, resources: Dictionary, colours: Colours, done: Converted,
                    marks: bool, registration: pikepdf.Object) -> None:
    """Rewrite the colour operators of one page's or form's content stream."""
    instructions = pikepdf.parse_content_stream(holder)
    out: list = []
    changed = False
    # per graphics state: is the current fill / stroke space one we turned into DeviceCMYK?
    state = [{"fill": False, "stroke": False}]
    for operands, operator in instructions:
        op = str(operator)
        if op == "q":
            state.append(dict(state[-1]))
        elif op == "Q" and len(state) > 1:
            state.pop()
        side = "fill" if op in _FILL else "stroke" if op in _STROKE else None
        if side is None:
            out.append((operands, operator))
            continue
        new = _recolour(op, list(operands), side, state[-1], resources, colours, done, marks)
        if new is None:
            out.append((operands, operator))
            continue
        out.extend(new)
        changed = True
    if marks:  # the marks: stroked only (the engine fills them with a transparent fill, which is transparency)
        out = [(o, Operator("S")) if str(op) == "B" else (o, op) for o, op in out if str(op) != "gs"]
    if not changed:
        return
    data = pikepdf.unparse_content_stream(out)
    if isinstance(holder, pikepdf.Stream):
        holder.write(data)
    else:  # a page: its contents, one stream or several, become one
        holder.Contents = pikepdf.Stream(pdf, data)
    if marks:
        spaces = resources.get("/ColorSpace")
        if spaces is None:
            resources.ColorSpace = spaces = Dictionary()
        spaces.FolioRegistration = registration


def _recolour(op: str, operands: list, side: str, state: dict, resources: Dictionary, colours: Colours,
              done: Converted, marks: bool) -> list | None:
    """The instructions that replace one colour operator, or None to keep it."""
    fill = side == "fill"
    if op in ("cs", "CS"):
        space = _space_kind(operands[0], resources)
        state[side] = space in ("rgb", "grey")
        if marks or state[side]:
            return [([Name.DeviceCMYK], Operator("cs" if fill else "CS"))]
        return None
    numbers = [float(v) for v in operands if _is_number(v)]
    if op in ("rg", "RG") or (op in ("sc", "scn", "SC", "SCN") and state[side] and len(numbers) == 3):
        rgb = numbers[:3]
    elif op in ("g", "G") or (op in ("sc", "scn", "SC", "SCN") and state[side] and len(numbers) == 1):
        rgb = [numbers[0]] * 3
    else:
        return None
    done.operators += 1
    if marks and all(v == 0 for v in rgb):  # a crop mark: on every plate
        done.marks += 1
        return [([Name.FolioRegistration], Operator("cs" if fill else "CS")), ([1], Operator("scn" if fill else "SCN"))]
    cmyk, how = colours.cmyk(*rgb)
    if how == "table":
        done.by_table += 1
    elif how == "profile":
        done.by_profile += 1
    if op in ("sc", "scn", "SC", "SCN"):
        return [(list(cmyk), Operator(op))]  # the space is DeviceCMYK already (set at its cs)
    return [(list(cmyk), Operator("k" if fill else "K"))]


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def _space_kind(name: pikepdf.Object, resources: Dictionary) -> str:
    """'rgb', 'grey', 'cmyk' or 'other' for a colour space operand."""
    key = str(name)
    space: pikepdf.Object | str = key
    if key not in ("/DeviceRGB", "/DeviceGray", "/DeviceCMYK", "/Pattern"):
        space = resources.get("/ColorSpace", Dictionary()).get(key, key)
    if isinstance(space, Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased":
            channels = int(space[1].get("/N", 0))
            return {3: "rgb", 1: "grey", 4: "cmyk"}.get(channels, "other")
        space = family
    text = str(space)
    if text in _RGB_SPACES:
        return "rgb"
    if text in ("/DeviceGray", "/CalGray"):
        return "grey"
    return "cmyk" if text == "/DeviceCMYK" else "other"


def _forms(resources: Dictionary, trim: tuple[float, ...], seen: set[tuple[int, int]]
           ) -> Iterator[tuple[pikepdf.Stream, bool]]:
    """Every form XObject and tiling pattern a page draws, once, with whether it holds the crop
    marks: the engine draws them in a form as large as the page and its bleed, outside the trim box."""
    stack = [resources]
    while stack:
        current = stack.pop()
        for pattern in current.get("/Pattern", Dictionary()).values():
            if isinstance(pattern, pikepdf.Stream) and pattern.get("/PatternType") == 1 and pattern.objgen not in seen:
                seen.add(pattern.objgen)
                yield pattern, False
                stack.append(pattern.get("/Resources", Dictionary()))
        for xobject in current.get("/XObject", Dictionary()).values():
            if xobject.get("/Subtype") != "/Form" or xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            box = _box(xobject.get("/BBox", Array([0, 0, 0, 0])))
            marks = box[0] < trim[0] - 1 and box[1] < trim[1] - 1 and box[2] > trim[2] + 1 and box[3] > trim[3] + 1
            yield xobject, marks
            stack.append(xobject.get("/Resources", Dictionary()))


def _box(array: pikepdf.Object) -> tuple[float, ...]:
    left, bottom, right, top = (float(v) for v in array)
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def _group_in_cmyk(holder: pikepdf.Object) -> None:
    group = holder.get("/Group")
    if group is not None and group.get("/S") == "/Transparency" and str(group.get("/CS")) in _RGB_SPACES:
        group.CS = Name.DeviceCMYK


def _registration(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The registration colour: /All, every plate at the tint."""
    tint = Dictionary(FunctionType=2, Domain=Array([0, 1]), C0=Array([0, 0, 0, 0]), C1=Array([1, 1, 1, 1]), N=1)
    return pdf.make_indirect(Array([Name.Separation, Name.All, Name.DeviceCMYK, tint]))


# ---------------------------------------------------------------- annotations


_PRINTING_ANNOTATIONS = {"/TrapNet", "/PrinterMark"}


def drop_annotations(pdf: pikepdf.Pdf) -> int:
    """Take every annotation but printer's marks and trap networks off the pages, and out of the
    structure tree (its /OBJR) and the parent tree (its /StructParent entry)."""
    dropped: set[tuple[int, int]] = set()
    parents: set[int] = set()
    for page in pdf.pages:
        annotations = page.obj.get("/Annots")
        if annotations is None:
            continue
        kept = Array()
        for annotation in annotations:
            if str(annotation.get("/Subtype")) in _PRINTING_ANNOTATIONS:
                kept.append(annotation)
                continue
            dropped.add(annotation.objgen)
            if "/StructParent" in annotation:
                parents.add(int(annotation.StructParent))
        if len(kept):
            page.obj.Annots = kept
        else:
            del page.obj["/Annots"]
    root = pdf.Root.get("/StructTreeRoot")
    if dropped and root is not None:
        _drop_references(root, dropped)
        _drop_parent_entries(root.get("/ParentTree"), parents)
    return len(dropped)


def _drop_references(root: Dictionary, dropped: set[tuple[int, int]]) -> None:
    """Remove the /OBJR kids that point at a dropped annotation, everywhere in the tree."""
    stack = [root]
    seen: set[tuple[int, int]] = set()
    while stack:
        element = stack.pop()
        if element.is_indirect:
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
        kids = element.get("/K")
        if isinstance(kids, Dictionary):
            kids = Array([kids])
            element.K = kids
        if not isinstance(kids, Array):
            continue
        kept = Array()
        for kid in kids:
            if isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR" and kid.get("/Obj") is not None \
                    and kid.Obj.objgen in dropped:
                continue
            kept.append(kid)
            if isinstance(kid, Dictionary) and "/S" in kid:
                stack.append(kid)
        element.K = kept


def _drop_parent_entries(node: pikepdf.Object | None, keys: set[int]) -> None:
    if node is None:
        return
    nums = node.get("/Nums")
    if nums is not None:
        kept = Array()
        for i in range(0, len(nums) - 1, 2):
            if int(nums[i]) not in keys:
                kept.extend([nums[i], nums[i + 1]])
        node.Nums = kept
    for kid in node.get("/Kids", Array()):
        _drop_parent_entries(kid, keys)


# ---------------------------------------------------------------- images


def _images(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    found = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
            found[obj.objgen] = obj
    return list(found.values())


def _image_in_srgb(image: pikepdf.Stream, srgb: pikepdf.Object) -> int:
    space = image.get("/ColorSpace")
    if space is not None and str(space) in _RGB_SPACES:
        image.ColorSpace = Array([Name.ICCBased, srgb])
        return 1
    if isinstance(space, Array) and len(space) > 1 and str(space[0]) == "/Indexed" and str(space[1]) in _RGB_SPACES:
        space[1] = Array([Name.ICCBased, srgb])
        return 1
    return 0


def _icc_stream(pdf: pikepdf.Pdf, data: bytes, channels: int) -> pikepdf.Object:
    stream = pikepdf.Stream(pdf, data)
    stream.N = channels
    return pdf.make_indirect(stream)


# ---------------------------------------------------------------- identification


def _output_intent(pdf: pikepdf.Pdf, press: Press) -> Dictionary:
    try:
        data = press.profile.read_bytes()
    except OSError as exc:
        raise BuildError(f"{press.profile}: cannot read the print profile ({exc.strerror})") from exc
    return Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFX, OutputConditionIdentifier=String(press.identifier),
                      RegistryName=String("http://www.color.org"), Info=String(press.info),
                      OutputCondition=String(press.info), DestOutputProfile=_icc_stream(pdf, data, 4))


def _identify(pdf: pikepdf.Pdf) -> None:
    """/Trapped and the PDF/X version in the Info dictionary and the XMP, with the XMP's
    document and version ids (derived from /ID: the same input, the same ids)."""
    pdf.docinfo[Name.Trapped] = Name("/False")
    pdf.docinfo[Name.GTS_PDFXVersion] = String("PDF/X-4")
    ident = bytes(pdf.trailer.ID[0]) if "/ID" in pdf.trailer else b""
    digest = hashlib.sha256(ident).hexdigest()
    uuid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    dates = re.search(r"<xmp:ModifyDate>([^<]+)</xmp:ModifyDate>", xmp.text(pdf))
    xmp.add(pdf,
            xmp.description("pdfxid", "http://www.npes.org/pdfx/ns/id/", {"GTS_PDFXVersion": "PDF/X-4"}),
            xmp.description("pdf", "http://ns.adobe.com/pdf/1.3/", {"Trapped": "False"}),
            xmp.description("xmpMM", "http://ns.adobe.com/xap/1.0/mm/",
                            {"DocumentID": uuid, "VersionID": "1", "RenditionClass": "default"}),
            *([xmp.description("xmp", "http://ns.adobe.com/xap/1.0/", {"MetadataDate": dates.group(1)})]
              if dates else []))

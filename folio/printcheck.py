"""The print preflight: what a print shop checks in a PDF before it goes to plate, read from the
print file itself (pikepdf) once it is finished.

- page boxes: the trim box inside the bleed box inside the media box, on every page;
- colour: the colour spaces the content streams and images use (DeviceRGB is an error in a
  PDF/X-4 file; sRGB images are fine, converted by the press's RIP with the output intent);
- fonts: every font embedded;
- images: each image's effective resolution where it is placed (its pixels over its size on
  the page): a warning under 300 ppi, an error under 150; named by the content line of its figure;
- transparency: where it is (PDF/X-4 keeps it live; the RIP flattens it);
- the independent validator's PDF/UA-1 verdict, when `page-validation` is installed (a test
  extra); the output says so when it is not.

Findings are problems at the content's file and line where one can be named (a figure), and
with `--strict` they fail the build, as layout defects do.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import io
import math
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from urllib.parse import urljoin

import pikepdf
from pikepdf import Dictionary

from .errors import Position, Problem

WARN_PPI = 300
ERROR_PPI = 150
MM = 25.4 / 72
_NO_FILE = Path("<the print PDF>")

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


@dataclass
class Placement:
    name: str  # the image's resource name (WeasyPrint: 'i' + md5 of its URL)
    page: int  # 1-based
    pixels: tuple[int, int]
    size_pt: tuple[float, float]

    @property
    def ppi(self) -> float:
        width, height = self.size_pt
        if width <= 0 or height <= 0:
            return math.inf
        return min(self.pixels[0] / (width / 72), self.pixels[1] / (height / 72))


@dataclass
class PrintReport:
    lines: list[str] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)

    def add(self, severity: str, message: str, position: Position | None = None, hint: str = "") -> None:
        self.findings.append(Problem(position or Position(_NO_FILE), message, severity=severity, hint=hint))


def figures(html: str, sources: dict[str, Position], base_url: str) -> dict[str, Position]:
    """{md5 of an image's URL: the content line of its figure}, from the HTML that was typeset:
    WeasyPrint names an image's resource 'i' + that md5 + a number."""
    found = {}
    for match in re.finditer(r'<figure\b[^>]*\bdata-src="([^"]+)"[^>]*>\s*<img\b[^>]*?\bsrc="([^"]+)"', html):
        url = urljoin(base_url, html_lib.unescape(match.group(2)))
        name = hashlib.md5(url.encode(), usedforsecurity=False).hexdigest()
        if match.group(1) in sources:
            found[name] = sources[match.group(1)]
    return found


def inspect(data: bytes, places: dict[str, Position] | None = None, validate: bool = True) -> PrintReport:
    """The print preflight of a finished print PDF."""
    report = PrintReport()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        _boxes(pdf, report)
        transparent = _colours_and_images(pdf, report, places or {})
        _fonts(pdf, report)
        _transparency(report, transparent)
    if validate:
        _validator(data, report)
    return report


# ---------------------------------------------------------------- boxes


def _boxes(pdf: pikepdf.Pdf, report: PrintReport) -> None:
    wrong, sizes = [], set()
    for number, page in enumerate(pdf.pages, 1):
        media = _box(page.obj.MediaBox)
        trim = _box(page.obj.get("/TrimBox", page.obj.MediaBox))
        bleed = _box(page.obj.get("/BleedBox", page.obj.get("/CropBox", page.obj.MediaBox)))
        if not (_inside(trim, bleed) and _inside(bleed, media)):
            wrong.append(number)
        sizes.add((round((trim[2] - trim[0]) * MM), round((trim[3] - trim[1]) * MM),
                   round((trim[0] - bleed[0]) * MM, 1), round((trim[0] - media[0]) * MM, 1)))
    described = "; ".join(f"trim {w} x {h} mm, bleed {b:g} mm, media {m:g} mm beyond the trim"
                          for w, h, b, m in sorted(sizes))
    report.lines.append(f"page boxes: {described}" + ("" if len(sizes) == 1 else " (pages differ)"))
    if wrong:
        report.add("error", f"page boxes: trim box not inside the bleed box inside the media box on page(s) "
                   f"{_pages(wrong)}")


def _box(array: pikepdf.Object) -> tuple[float, float, float, float]:
    left, bottom, right, top = (float(v) for v in array)
    return min(left, right), min(bottom, top), max(left, right), max(bottom, top)


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    tolerance = 0.01
    return (inner[0] >= outer[0] - tolerance and inner[1] >= outer[1] - tolerance
            and inner[2] <= outer[2] + tolerance and inner[3] <= outer[3] + tolerance)


# ---------------------------------------------------------------- colour and images


_COLOUR_OPS = {"rg": "DeviceRGB", "RG": "DeviceRGB", "g": "DeviceGray", "G": "DeviceGray",
               "k": "DeviceCMYK", "K": "DeviceCMYK"}


def _colours_and_images(pdf: pikepdf.Pdf, report: PrintReport, places: dict[str, Position]) -> set[int]:
    """Colour spaces and image resolutions into the report; the pages that use transparency, returned."""
    spaces: dict[str, int] = {}
    placements: list[Placement] = []
    transparent: set[int] = set()
    for number, page in enumerate(pdf.pages, 1):
        _walk(page.obj, page.obj.get("/Resources", Dictionary()), _IDENTITY, number, spaces, placements, transparent)
    intents = pdf.Root.get("/OutputIntents")
    if intents:
        intent = intents[0]
        report.lines.append(f"output intent: {intent.get('/OutputConditionIdentifier')} "
                            f"({intent.get('/Info', '')}), {str(intent.get('/S', ''))[1:]}")
    else:
        report.add("error", "no output intent: the press cannot know which CMYK the file is made for")
    image_spaces = _image_spaces(pdf)
    listed = ", ".join(f"{name} ({count} operator{'s' if count != 1 else ''})"
                       for name, count in sorted(spaces.items()))
    report.lines.append(f"colour: {listed or 'none'}; images: "
                        + (", ".join(f"{count} in {name}" for name, count in sorted(image_spaces.items())) or "none"))
    if "DeviceRGB" in spaces or "DeviceRGB" in image_spaces:
        report.add("error", "colour: DeviceRGB in the print file; PDF/X-4 needs CMYK, or RGB tied to a profile")
    if not placements:
        report.lines.append("image resolution: no images placed")
    for placement in sorted(placements, key=lambda p: (p.page, p.name)):
        ppi = placement.ppi
        where = places.get(placement.name[1:33])
        text = (f"page {placement.page}: image of {placement.pixels[0]} x {placement.pixels[1]} px placed at "
                f"{placement.size_pt[0] * MM:.0f} x {placement.size_pt[1] * MM:.0f} mm: {ppi:.0f} ppi")
        report.lines.append("image " + text)
        hint = (f"supply the picture with at least {WARN_PPI} pixels per inch at its printed size "
                f"({math.ceil(placement.size_pt[0] / 72 * WARN_PPI)} px wide), or print it smaller (width:)")
        if ppi < ERROR_PPI:
            report.add("error", f"{text}, under {ERROR_PPI} ppi: it will print blurred", where, hint)
        elif ppi < WARN_PPI:
            report.add("warning", f"{text}, under {WARN_PPI} ppi: it may print soft", where, hint)
    return transparent


def _walk(holder: pikepdf.Object, resources: Dictionary, ctm: Matrix, page: int, spaces: dict[str, int],
          placements: list[Placement], transparent: set[int]) -> None:
    stack = [ctm]
    fill_space = stroke_space = ""
    for operands, operator in pikepdf.parse_content_stream(holder):
        op = str(operator)
        if op == "q":
            stack.append(stack[-1])
        elif op == "Q" and len(stack) > 1:
            stack.pop()
        elif op == "gs":
            state = resources.get("/ExtGState", Dictionary()).get(str(operands[0]))
            if state is not None and _transparent_state(state):
                transparent.add(page)
        elif op == "cm":
            stack[-1] = _multiply(tuple(float(v) for v in operands), stack[-1])  # type: ignore[arg-type]
        elif op in _COLOUR_OPS:
            _count(spaces, _COLOUR_OPS[op])
        elif op in ("cs", "CS"):
            name = _space_name(operands[0], resources)
            fill_space, stroke_space = (name, stroke_space) if op == "cs" else (fill_space, name)
        elif op in ("sc", "scn", "SC", "SCN"):
            _count(spaces, fill_space if op in ("sc", "scn") else stroke_space)
        elif op == "Do":
            xobject = resources.get("/XObject", Dictionary()).get(str(operands[0]))
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image":
                if xobject.get("/SMask") is not None:
                    transparent.add(page)
                a, b, c, d, _, _ = stack[-1]
                placements.append(Placement(str(operands[0])[1:], page, (int(xobject.Width), int(xobject.Height)),
                                            (math.hypot(a, b), math.hypot(c, d))))
            elif xobject.get("/Subtype") == "/Form":
                matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                _walk(xobject, xobject.get("/Resources", resources), _multiply(matrix, stack[-1]),  # type: ignore[arg-type]
                      page, spaces, placements, transparent)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF's row-vector convention: m x n)."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s, e * p + f * r + t, e * q + f * s + u)


def _count(spaces: dict[str, int], name: str) -> None:
    if name:
        spaces[name] = spaces.get(name, 0) + 1


def _space_name(operand: pikepdf.Object, resources: Dictionary) -> str:
    name = str(operand)
    space = resources.get("/ColorSpace", Dictionary()).get(name)
    if space is None:
        return name[1:]
    return _describe_space(space)


def _describe_space(space: pikepdf.Object) -> str:
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])[1:]
        if family == "Separation":
            return f"Separation {str(space[1])[1:]}"
        if family == "ICCBased":
            channels = int(space[1].get("/N", 0))
            return {1: "ICCBased grey", 3: "ICCBased RGB", 4: "ICCBased CMYK"}.get(channels, "ICCBased")
        if family == "Indexed":
            return f"Indexed {_describe_space(space[1])}"
        return family
    return str(space)[1:]


def _image_spaces(pdf: pikepdf.Pdf) -> dict[str, int]:
    found: dict[str, int] = {}
    images = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"]
    masks = {image.SMask.objgen for image in images if image.get("/SMask") is not None}
    for obj in images:
        if obj.objgen not in masks and not obj.get("/ImageMask"):
            space = obj.get("/ColorSpace")
            name = _describe_space(space) if space is not None else "no colour space (JPEG 2000)"
            if name == "ICCBased RGB":
                name = "sRGB (ICCBased, for the RIP to convert)"
            _count(found, name)
    return found


# ---------------------------------------------------------------- fonts, transparency


def _fonts(pdf: pikepdf.Pdf, report: PrintReport) -> None:
    fonts: dict[tuple[int, int], tuple[str, bool]] = {}
    for obj in pdf.objects:
        if isinstance(obj, Dictionary) and obj.get("/Type") == "/Font" and "/Subtype" in obj:
            if obj.Subtype == "/Type0" or "/DescendantFonts" in obj:
                continue  # judged by its descendant
            descriptor = obj.get("/FontDescriptor")
            embedded = obj.Subtype == "/Type3" or (descriptor is not None and any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")))
            fonts[obj.objgen] = (str(obj.get("/BaseFont", "/Type3"))[1:], embedded)
    missing = sorted({name for name, embedded in fonts.values() if not embedded})
    report.lines.append(f"fonts: {len(fonts)}, " + ("all embedded" if not missing else f"{len(missing)} not embedded"))
    for name in missing:
        report.add("error", f"fonts: {name} is not embedded: the press would substitute another")


def _transparency(report: PrintReport, pages: set[int]) -> None:
    if pages:
        report.lines.append(f"transparency: on page(s) {_pages(sorted(pages))} (kept live, as PDF/X-4 allows; "
                            "the press's RIP flattens it)")
    else:
        report.lines.append("transparency: none")


def _transparent_state(state: pikepdf.Object) -> bool:
    return (float(state.get("/ca", 1)) < 1 or float(state.get("/CA", 1)) < 1
            or str(state.get("/SMask", "/None")) != "/None")


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:12])
    return shown + (f" and {len(numbers) - 12} more" if len(numbers) > 12 else "")


# ---------------------------------------------------------------- the validator


def _validator(data: bytes, report: PrintReport) -> None:
    try:
        import page  # page-validation, a test extra
    except ImportError:
        report.lines.append("validator: not run (page-validation is not installed; it is a test extra: "
                            "pip install -e '.[test]')")
        return
    try:
        result = page.validate_pdf_bytes(data, profile="ua1")
    except Exception as exc:  # the validator's own failure: said, not raised
        report.lines.append(f"validator: could not read the file ({type(exc).__name__})")
        return
    failed = sorted({failure.rule_id for failure in result.failures})
    report.lines.append(f"validator (page-validation {metadata.version('page-validation')}): PDF/UA-1 "
                        + ("met" if result.is_compliant else f"NOT met: {', '.join(failed)}"))
    if not result.is_compliant:
        report.add("error", f"the validator finds the print file not PDF/UA-1: {', '.join(failed)}")

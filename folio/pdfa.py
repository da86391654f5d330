"""PDF/A-2a for the screen file, in the same file as PDF/UA-1: the copy an archive keeps.

Why level A and not U: level A (ISO 19005-2, "accessible") adds to level U (Unicode text)
a logical structure, real tags, reading order and a declared language, which the file has
anyway for PDF/UA-1. A library that catalogues the report by its conformance level sees
that it can be read aloud and reflowed, not only searched.

What the engine leaves and this adds (each a rule of the validator's `2a` profile):
- an output intent, GTS_PDFA1, with an sRGB ICC profile (styles/icc/sRGB2014.icc): the file
  paints in DeviceRGB, which PDF/A allows only under an output intent that says what RGB means;
- images not smoothed by the viewer (/Interpolate false: PDF/A wants every viewer to show the same pixels);
- the Print flag on every annotation (a link's box must print as it shows);
- pdfaid:part=2, pdfaid:conformance=A in the XMP, with the pdfuaid extension schema PDF/A asks for.
"""

from __future__ import annotations

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from . import xmp
from .paths import STYLES_DIR

SRGB_PROFILE = STYLES_DIR / "icc" / "sRGB2014.icc"
PRINT_FLAG = 4  # annotation flag bit 3 (ISO 32000-1, 12.5.3)


def conform(pdf: pikepdf.Pdf) -> None:
    """Make the tagged PDF/UA-1 file a PDF/A-2a file too."""
    pdf.Root.OutputIntents = Array([output_intent(pdf)])
    print_annotations(pdf)
    no_interpolation(pdf)
    xmp.add(pdf, xmp.description("pdfaid", "http://www.aiim.org/pdfa/ns/id/", {"part": "2", "conformance": "A"}),
            xmp.PDFUAID_EXTENSION)


def output_intent(pdf: pikepdf.Pdf) -> Dictionary:
    profile = pikepdf.Stream(pdf, SRGB_PROFILE.read_bytes())
    profile.N = 3
    return Dictionary(Type=Name.OutputIntent, S=Name.GTS_PDFA1, OutputConditionIdentifier=String("sRGB"),
                      RegistryName=String("http://www.color.org"), Info=String("sRGB IEC61966-2.1"),
                      DestOutputProfile=profile)


def print_annotations(pdf: pikepdf.Pdf) -> int:
    count = 0
    for page in pdf.pages:
        for annotation in page.obj.get("/Annots", Array()):
            annotation.F = int(annotation.get("/F", 0)) | PRINT_FLAG
            count += 1
    return count


def no_interpolation(pdf: pikepdf.Pdf) -> int:
    count = 0
    for image in images(pdf):
        if image.get("/Interpolate") is not None:
            image.Interpolate = False
            count += 1
    return count


def images(pdf: pikepdf.Pdf) -> list[pikepdf.Stream]:
    """Every image XObject of the file, once each (soft masks included)."""
    found = {}
    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image":
            found[obj.objgen] = obj
    return list(found.values())

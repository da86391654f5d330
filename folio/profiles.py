"""Output profiles: what a screen PDF and a print PDF each get, and their names.

- screen (the default): tagged PDF/UA-1, running heads and folios marked as
  artifacts (see pdfua.py), the report's language, its title in the viewer's
  title bar; PDF/A-2a in the same file (pdfa.py, from finish.py).
- print: the same pages with 3 mm bleed and crop marks, the cover band
  running into the bleed, links not coloured (styles/print.css); trim box
  and bleed box set by the engine; PDF/X-4 in CMYK (pdfx.py, from finish.py).
  Still tagged: a print file can be read too.
- booklet: the screen pages, links not coloured (styles/paper.css), imposed two to a side
  for an office printer as a saddle-stitched booklet (booklet.py).
- all: screen and print, from one command; the HTML is rendered once per profile and laid
  out once per profile.

Both are byte-identical run after run: the PDF's /ID is a digest of what made
it (the HTML, every file the engine read, the profile), and its dates come from
the HTML (SOURCE_DATE_EPOCH or the report's date; see render.build_timestamp).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Profile:
    name: str
    stylesheets: tuple[str, ...]  # added after the common ones (render.STYLESHEETS)
    suffix: str  # added to the PDF's file name: <slug><suffix>.pdf


PROFILES: dict[str, Profile] = {
    "screen": Profile("screen", (), ""),
    "print": Profile("print", ("styles/print.css",), "-print"),
    "booklet": Profile("booklet", ("styles/paper.css",), "-booklet"),
}
CHOICES = (*PROFILES, "all")
ALL = ("screen", "print")  # --profile all: the two files a report is published as


def expand(profile: str) -> list[str]:
    """'all' -> ['screen', 'print']; a single profile -> [it]."""
    if profile == "all":
        return list(ALL)
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(CHOICES)}")
    return [profile]


def output_path(base: Path, profile: str, exact: bool) -> Path:
    """Where a profile's PDF goes: `base` itself when the user named it for this one profile,
    else `base` with the profile's suffix (build/<slug>-print.pdf)."""
    suffix = PROFILES[profile].suffix
    if exact or not suffix:
        return base
    return base.with_name(f"{base.stem}{suffix}{base.suffix or '.pdf'}")


def pdf_options() -> dict:
    """WeasyPrint's options, the same for both profiles (each is a tagged PDF/UA-1 file)."""
    return {
        "pdf_variant": "pdf/ua-1",
        "custom_metadata": True,  # <meta name="embargo"> and <meta name="status"> reach the Info dictionary
    }


def identifier(html: str, files: Iterable[bytes], profile: str) -> bytes:
    """The PDF's /ID: a digest of everything that made it, so that equal inputs give equal bytes."""
    digest = hashlib.sha256(profile.encode() + b"\0" + html.encode("utf-8"))
    for file_digest in sorted(hashlib.sha256(body).digest() for body in files):
        digest.update(file_digest)
    return digest.hexdigest()[:32].encode("ascii")


PRINT_BLEED_PT = 3 / 25.4 * 72  # the bleed the print shop trims: 3 mm around the page


def finisher(profile: str) -> Callable[..., object]:
    """What is done to the PDF objects before they are written."""
    from .pdfua import finish  # imports the PDF writer: only when a PDF is made, never for --check

    if profile != "print":
        return finish

    def finish_print(document: object, pdf: object) -> object:
        report = finish(document, pdf)
        set_bleed_boxes(pdf, PRINT_BLEED_PT)
        return report

    return finish_print


def set_bleed_boxes(pdf: object, bleed: float) -> None:
    """BleedBox = TrimBox + `bleed` on every side.

    styles/print.css asks the engine for 6 mm around the page so that the crop marks
    (drawn in the outer half) stand clear of the 3 mm of background that bleeds; the
    engine then sets the BleedBox 10 pt out, wherever the bleed really ends. This puts it
    where the backgrounds stop, the box a print shop's imposition reads.
    """
    import pydyf

    for obj in pdf.objects:  # type: ignore[attr-defined]
        if isinstance(obj, pydyf.Dictionary) and obj.get("Type") == "/Page" and "TrimBox" in obj:
            left, bottom, right, top = (float(v) for v in obj["TrimBox"])
            obj["BleedBox"] = pydyf.Array([left - bleed, bottom - bleed, right + bleed, top + bleed])

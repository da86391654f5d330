"""The fonts a report brings (report.yaml `fonts:`): what a font file is, and the CSS that uses it.

Each file joins the styles' font stacks: `fallback` (the default) after the styles'
own faces in every stack, for the characters they lack; `serif` or `sans` first in that
stack, in place of the styles' face for every character it has. The @font-face rules
name each file by its real path's file: URL, so the engine fetches it through the
project's fetcher like every other font, and nothing else is read.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

from . import model
from .paths import PROJECT_ROOT, Refused, project_file

ROLES = ("fallback", "serif", "sans")
STACKS = {"serif": "--serif", "sans": "--sans"}  # the styles' variables (styles/tokens.css) a role joins


def font_info(path: Path) -> tuple[str, int, bool]:
    """A font file's family, weight and slant, from its name and OS/2 tables; ValueError if not a font."""
    from fontTools.ttLib import TTFont

    from .cssfonts import cmap

    cmap(path)  # a font fontTools can read, that maps characters (ValueError otherwise)
    try:
        with TTFont(io.BytesIO(path.read_bytes()), lazy=True, fontNumber=0) as font:
            family = font["name"].getBestFamilyName() if "name" in font else None
            os2 = font.get("OS/2")
            weight = int(os2.usWeightClass) if os2 is not None else 400
            italic = bool(os2.fsSelection & 1) if os2 is not None else False
            if "head" in font:
                italic = italic or bool(font["head"].macStyle & 2)
    except Exception as exc:  # fontTools raises many kinds for a damaged table: each is "not a font"
        raise ValueError(f"not a font file the build can read ({type(exc).__name__})") from exc
    return family or path.stem, min(900, max(100, round(weight / 100) * 100)), italic


def find_file(name: str, folder: Path, styles_fonts: Path) -> Path:
    """A file named in report.yaml: relative to the content folder, else to styles/fonts; Refused."""
    roots = (folder, styles_fonts)
    try:
        return project_file(name, folder, roots)
    except Refused as first:
        try:
            return project_file(name, styles_fonts, roots)
        except Refused:
            raise first from None


def family_name(font: model.ReportFont) -> str:
    return f"Report {font.role} {font.family}"


def css(fonts: tuple[model.ReportFont, ...], variables: dict[str, str]) -> str:
    """@font-face rules for the report's fonts, and the stacks they join (`variables`: the styles'
    --serif and --sans); empty when the report brings none."""
    from .render import css_string

    if not fonts:
        return ""
    rules = []
    for font in fonts:
        digest = hashlib.sha256(font.file.read_bytes()).hexdigest()[:16]  # a changed file is a changed HTML
        url = css_string(Path(os.path.realpath(font.file)).as_uri())
        rules.append(f"@font-face {{ font-family: {css_string(family_name(font))}; "
                     f"font-style: {'italic' if font.italic else 'normal'}; font-weight: {font.weight}; "
                     f"src: url({url}); }} /* {digest} */")
    fallbacks = list(dict.fromkeys(css_string(family_name(f)) for f in fonts if f.role == "fallback"))
    stacks = []
    for role, variable in STACKS.items():
        own = list(dict.fromkeys(css_string(family_name(f)) for f in fonts if f.role == role))
        base = variables.get(variable, "")
        stacks.append(f"{variable}: {', '.join(own + ([base] if base else []) + fallbacks)};")
    # html:root outweighs the styles' :root, which comes after this <style> in the HTML
    rules.append(f"html:root {{ {' '.join(stacks)} }}")
    return "\n".join(rules)


def styles_fonts() -> Path:
    return PROJECT_ROOT / "styles" / "fonts"

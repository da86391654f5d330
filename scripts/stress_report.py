#!/usr/bin/env python3
"""Write a generated stress report into a folder: `python scripts/stress_report.py DIR [--times N]`.

It covers what a real 600-page regional volume asked of folio (issue 13): more than 150
footnotes, some of several paragraphs and some long enough to be cut across pages, notes
called from table cells, captions, sources, definitions and key figures; 20-category charts
with negative values and gaps; 13-digit numbers; the same section titles in every chapter (no ids
written); four heading levels, sub-sections in the contents; http and https links; Latin
with accents, Vietnamese, Greek, Cyrillic and Khmer (the scripts the bundled fonts cover);
tables long enough to run over pages, with row headings, an empty corner heading, column
widths and notes; definition lists. 85 pages at the default size; `--times N` makes
N times as many chapters, `--chapters K` exactly K (a small one for the tests).

Deterministic: the same arguments write the same bytes. Nothing is fetched. Every note
starts "Field note F<k>.", with k unique, so that a test can find each in the PDF
(tests/test_stress.py); `notes_of(DIR)` returns them.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

CHAPTERS = 6  # at --times 1: 85 pages, 240 notes
SEED = 13

TEXT = ("the council noted that reports of the mission were received with care and the government replied "
        "in full detail to every question raised by its members while provincial offices kept records of "
        "rainfall harvests schools clinics roads and markets over the decade")
WORDS = TEXT.split(" ")
SYLLABLES = ("ka", "ro", "ma", "ti", "sen", "val", "dor", "ena", "lu", "pha", "ni", "ost", "bre", "za", "mir")
# Short samples in the scripts the bundled fonts cover (styles/fonts: Source Serif 4 and Source
# Sans 3 for Latin, Greek and Cyrillic; Noto Serif Khmer for Khmer).
SCRIPTS = {
    "Khmer": "ព្រះរាជាណាចក្រកម្ពុជា",
    "Greek": "Ελληνική Δημοκρατία",
    "Russian": "Российская Федерация",
    "Ukrainian": "Україна, Київ",
    "Vietnamese": "Cộng hòa Xã hội chủ nghĩa Việt Nam",
    "Polish": "Łódź, Kraków, Gdańsk",
    "Icelandic": "Þingvellir, Ísafjörður",
    "Turkish": "Şanlıurfa, İstanbul, Gaziantep",
    "Czech": "Dvůr Králové nad Labem, Říčany",
}
SECTIONS = ("Introduction", "Geography", "People and Society", "Economy", "Notes on Sources")

# Charts: bar, stacked-bar and line with plain values, 20 categories, negative values; a value
# of None is a gap in the data, written `null` (unquoted). Set GAPS to None to leave out a
# series with a gap (as a folio without gaps needed).


class Raw(str):
    """A scalar written as it is, unquoted (`null`)."""


GAPS: str | None = Raw("null")
KEYFIGURE_DIGITS = 10  # "1,407,181,209": 13 characters in a key-figures box
# Words in a long note. Notes of 90-160 words left the preflight (issue 13 time) with a few
# notes that took their calls over and loose lines it could not mend in a 6-chapter build:
# `--long-notes 90 160` writes those again.
LONG_NOTE = (60, 110)


# ---------------------------------------------------------------- YAML, written by hand

def _scalar(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def to_yaml(value: Any, indent: int = 0) -> str:
    """Block-style YAML, every scalar quoted: no value can be read as anything but text."""
    pad = " " * indent
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                out.append(f"{pad}{key}: {_scalar(item) if not isinstance(item, list) else '[]'}")
        return "\n".join(out)
    if isinstance(value, list):
        out = []
        for item in value:
            if isinstance(item, dict):
                body = to_yaml(item, indent + 2)
                out.append(f"{pad}- {body[indent + 2:]}")
            elif isinstance(item, list):
                out.append(f"{pad}- [{', '.join(_scalar(x) for x in item)}]")
            else:
                out.append(f"{pad}- {_scalar(item)}")
        return "\n".join(out)
    return pad + _scalar(value)


# ---------------------------------------------------------------- the text

class Writer:
    """One report's generator: random but seeded, and counting its notes."""

    def __init__(self, seed: int, long_note: tuple[int, int] = LONG_NOTE) -> None:
        self.rng = random.Random(seed)
        self.long_note = long_note
        self.note_count = 0
        self.notes: dict[str, str | list[str]] = {}  # the current chapter's

    def words(self, low: int, high: int) -> str:
        return " ".join(self.rng.choice(WORDS) for _ in range(self.rng.randint(low, high)))

    def name(self, parts: int = 3) -> str:
        return "".join(self.rng.choice(SYLLABLES) for _ in range(parts)).capitalize()

    def note(self, kind: str = "short") -> str:
        """A new note of this chapter; returns its call."""
        self.note_count += 1
        k = self.note_count
        lead = f"Field note F{k}."
        if kind == "long":  # long enough that some are cut across pages by the preflight
            text: str | list[str] = f"{lead} {self.words(*self.long_note).capitalize()}."
        elif kind == "paragraphs":
            text = [f"{lead} {self.words(20, 45).capitalize()}.",
                    f"{self.words(25, 60).capitalize()}, as the *second* paragraph records.",
                    f"See [the survey office](https://example.org/surveys/{k}) for {self.words(4, 9)}."]
        else:
            text = f"{lead} {self.words(6, 22).capitalize()}."
        self.notes[f"n{k}"] = text
        return f"[^n{k}]"

    def paragraph(self, notes: int = 1, extra: str = "") -> str:
        sentences = [f"{self.words(8, 24).capitalize()}." for _ in range(self.rng.randint(3, 7))]
        for _ in range(notes):
            i = self.rng.randrange(len(sentences))
            kind = self.rng.choice(("short", "short", "short", "long", "paragraphs"))
            sentences[i] = sentences[i][:-1] + "." + self.note(kind)
        if extra:
            sentences.insert(self.rng.randrange(len(sentences) + 1), extra)
        return " ".join(sentences)

    def big(self, digits: int) -> str:
        return f"{self.rng.randint(10 ** (digits - 1), 10 ** digits - 1):,}"


# ---------------------------------------------------------------- blocks

def keyfigures(w: Writer, region: str) -> dict[str, Any]:
    return {"keyfigures": [
        {"value": w.big(KEYFIGURE_DIGITS), "label": f"people, 2024 estimate{w.note()}"},
        {"value": f"{w.rng.randint(10, 999)},{w.rng.randint(100, 999)} sq km", "label": "land area"},
        {"value": f"{w.rng.uniform(-4, 9):.1f}%", "label": "growth of output, 2023"},
    ], "title": f"{region} in numbers{w.note()}"}


def definitions(w: Writer, region: str) -> dict[str, Any]:
    script, sample = w.rng.choice(sorted(SCRIPTS.items()))
    return {"definitions": [
        {"term": "Capital", "definition": f"{w.name()} (also written {sample}){w.note()}"},
        {"term": "Area", "definition": f"{w.big(6)} sq km (land {w.big(6)} sq km, water {w.big(4)} sq km)"},
        {"term": "Population", "definition": f"{w.big(10)} (2024 est.){w.note()}"},
        {"term": "Languages", "definition": f"{script} ({sample}) official; {w.name()}, {w.name()}"},
        {"term": "Gross domestic product, purchasing power parity",
         "definition": f"${w.big(13)} (2023 est.)"},
        {"Climate": f"{w.words(6, 14).capitalize()}; dry season from November to April"},
    ]}


def small_table(w: Writer, region: str, slug: str) -> dict[str, Any]:
    years = ["2019", "2021", "2023"]
    rows = [[f"{w.name(2)} province" + (w.note() if i == 1 else "")]
            + [f"{w.rng.uniform(10, 99):.1f}" for _ in years] for i in range(w.rng.randint(4, 9))]
    rows[0][2] = rows[0][2] + w.note()  # a note called from a number
    return {"table": f"Households within 30 minutes of safe water, per cent{w.note()}", "id": f"{slug}-water",
            "columns": ["", *years[:2], f"{years[2]}{w.note()}"], "row_headings": "true",
            "widths": ["46%", "18%", "18%", "18%"], "rows": rows,
            "notes": ["Figures are rounded to one decimal.", f"Provinces as of 2020.{w.note()}"],
            "source": f"Provincial household surveys, {region}.{w.note()}"}


def long_table(w: Writer, region: str) -> dict[str, Any]:
    rows = []
    for i in range(w.rng.randint(45, 60)):
        name = f"{w.name()} district"
        if i % 17 == 5:
            name += w.note("short")
        rows.append([name, w.big(w.rng.randint(4, 7)), w.big(13) if i % 9 == 0 else w.big(8),
                     f"{w.rng.uniform(-12, 30):.1f}"])
    return {"table": f"Districts of {region}: people, budget and change since 2019", "columns":
            ["District", "People", "Budget, riels", "Change, %"], "widths": [3, 2, 3, 2],
            "row_headings": "true", "rows": rows, "source": f"District registers.{w.note()}"}


def bar_chart(w: Writer, region: str) -> dict[str, Any]:
    labels = [w.name(2) for _ in range(20)]
    series = [{"name": "2019", "values": [round(w.rng.uniform(-40, 120)) for _ in labels]},
              {"name": "2023", "values": [round(w.rng.uniform(-40, 120)) for _ in labels]}]
    return chart("bar", labels, series, f"Change in enrolment by district, {region}",
                 alt=f"Bars for 20 districts of {region}, some below zero.", units="per cent", w=w)


def stacked_chart(w: Writer, region: str) -> dict[str, Any]:
    labels = [str(y) for y in range(2004, 2024)]
    series = [{"name": name, "values": [round(w.rng.uniform(-20, 80), 1) for _ in labels]}
              for name in ("Agriculture", "Industry", "Services")]
    series.append({"name": "Remittances", "values": [None if i in (3, 4, 11) else round(w.rng.uniform(0, 30), 1)
                                                     for i in range(len(labels))]})  # gaps in the record
    return chart("stacked-bar", labels, series, f"Output by sector, {region}",
                 alt="Stacked bars, 2004 to 2023, by sector; some years below zero.", units="billion riels", w=w)


def line_chart(w: Writer, region: str) -> dict[str, Any]:
    labels = [str(y) for y in range(2004, 2024)]
    level = w.rng.uniform(20, 60)
    values = []
    for _ in labels:
        level += w.rng.uniform(-9, 7)
        values.append(round(level, 1))
    series = [{"name": "Prices", "values": values},
              {"name": "Wages", "values": [None if i == 7 else round(v * .8 - 10, 1) for i, v in enumerate(values)]}]
    return chart("line", labels, series, f"Prices and wages, {region}, change on a year before",
                 alt="Two lines from 2004 to 2023 crossing zero.", units="per cent", w=w)


def chart(kind: str, labels: list[str], series: list[dict[str, Any]], caption: str, *, alt: str, units: str,
          w: Writer) -> dict[str, Any]:
    kept = []
    for s in series:
        if any(v is None for v in s["values"]):
            if GAPS is None:
                continue  # folio cannot draw a gap yet: the series is left out
            s = {**s, "values": [GAPS if v is None else v for v in s["values"]]}
        kept.append({"name": s["name"], "values": [v if isinstance(v, Raw) else str(v) for v in s["values"]]})
    return {"chart": kind, "labels": labels, "series": kept, "units": units, "alt": alt,
            "caption": caption + w.note(), "source": f"National accounts.{w.note()}", "table": "true"}


def box(w: Writer, region: str) -> dict[str, Any]:
    return {"box": f"How the surveys in {region} count a household{w.note()}", "blocks": [
        w.paragraph(0),
        {"subheading": f"Who is counted{w.note()}"},
        {"list": [w.words(6, 12).capitalize() + ".", w.words(6, 12).capitalize() + w.note() + "."]},
    ]}


def links(w: Writer, region: str) -> dict[str, Any]:
    slug = region.lower()
    http_ok = _http_links_allowed()
    sites = [f"[the {region} statistics office](https://stats.{slug}.example.org/)",
             f"[the provincial atlas]({'http' if http_ok else 'https'}://atlas.{slug}.example.net/maps)",
             f"[the archive of field notes]({'http' if http_ok else 'https'}://archive.example.com/{slug}?year=2023)",
             "[the open data portal](https://data.example.org/en/dataset/households-2019-2023)"]
    return {"list": [f"{site}: {w.words(5, 12)}." for site in sites]}


def _http_links_allowed() -> bool:
    """True once folio accepts http: links (issue 13, item 10); until then they would fail the build."""
    try:
        from folio.markup import ALLOWED_SCHEMES
    except ImportError:  # pragma: no cover
        return False
    return any(s.startswith("http:") for s in ALLOWED_SCHEMES)


# ---------------------------------------------------------------- chapters

def chapter(w: Writer, index: int, slugs: list[str]) -> dict[str, Any]:
    w.notes = {}
    region = w.name(3)
    slug = f"r{index}-{region.lower()}"
    slugs.append(slug)
    script, sample = sorted(SCRIPTS.items())[index % len(SCRIPTS)]
    see_other = f"See [](#{slugs[index - 1]}-water) for the neighbouring region." if index else ""
    top = [w.paragraph(1), keyfigures(w, region)]  # written first: notes numbered F1, F2... in reading order
    sections: list[dict[str, Any]] = [
        {"title": "Introduction", "blocks": [  # the same title in every chapter, no id: ids made unique
            w.paragraph(1, f"Its name is also written {sample} ({script})."),
            w.paragraph(1),
            {"subheading": "Profile at a glance"},
            definitions(w, region),
            w.paragraph(1, see_other),
        ]},
        {"title": "Geography", "blocks": [w.paragraph(1)], "subsections": [
            {"title": "Climate", "blocks": [w.paragraph(1), w.paragraph(0), small_table(w, region, slug)]},
            {"title": "Land use", "id": f"{slug}-land", "blocks": [
                w.paragraph(1), {"subheading": "Forests and wetlands"}, w.paragraph(1), w.paragraph(0)]},
        ]},
        {"title": "People and Society", "blocks": [
            w.paragraph(1), long_table(w, region), w.paragraph(1), bar_chart(w, region),
            {"quote": f"{w.words(12, 25).capitalize()}.", "source": f"{w.name()} {w.name(2)}, {sample}"},
            w.paragraph(1, f"Land use is set out in [](#{slug}-land)."), box(w, region)]},
        {"title": "Economy", "blocks": [w.paragraph(1)], "subsections": [
            {"title": "Trade", "blocks": [w.paragraph(1), stacked_chart(w, region), w.paragraph(0)]},
            {"title": "Public finance", "blocks": [w.paragraph(1), line_chart(w, region), w.paragraph(1),
                                                   {"numbered": [w.words(5, 10).capitalize() + "." for _ in range(4)]},
                                                   w.paragraph(0)]},
        ]},
        {"title": "Notes on Sources", "blocks": [
            w.paragraph(1), links(w, region),
            "Place names are given as the sources write them:",
            {"definitions": [{"term": name, "definition": text} for name, text in SCRIPTS.items()]},
            w.paragraph(1)]},
    ]
    return {"title": region, "blocks": top, "sections": sections,
            "notes": dict(w.notes)}


def write(folder: Path, chapters: int, seed: int = SEED, long_note: tuple[int, int] = LONG_NOTE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    w = Writer(seed, long_note)
    names, slugs = [], []
    for i in range(chapters):
        body = chapter(w, i, slugs)
        name = f"{10 * (i + 1):03d}-region.yaml"
        (folder / name).write_text(to_yaml(body) + "\n", encoding="utf-8")
        names.append(name)
    report = {"title": "Regional Profiles", "subtitle": "A generated stress report", "issuer": "folio",
              "issuer_native": SCRIPTS["Khmer"], "date": "2024-03-01", "edition": "I",
              "subject": "A generated report with the features of a long reference volume.",
              "lists": ["figures", "tables"], "contents_depth": "3", "chapters": names}
    (folder / "report.yaml").write_text(to_yaml(report) + "\n", encoding="utf-8")
    return folder


def notes_of(folder: Path) -> dict[str, str | list[str]]:
    """Every note of the report written in `folder`, by 'file:id' (for tests)."""
    from folio.errors import Problems
    from folio.validate import read_chapter

    out: dict[str, str | list[str]] = {}
    for path in sorted(folder.glob("*-region.yaml")):
        ch = read_chapter(path, Problems())
        assert ch is not None
        for ident, note in ch.notes.items():
            out[f"{path.name}:{ident}"] = [p.value for p in note.paragraphs]
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--times", type=int, default=1, help=f"{CHAPTERS} x N chapters (default 1: 85 pages)")
    p.add_argument("--chapters", type=int, default=0, help="exactly this many chapters (overrides --times)")
    p.add_argument("--long-notes", type=int, nargs=2, metavar=("MIN", "MAX"), default=LONG_NOTE,
                   help=f"words in a long note (default {LONG_NOTE[0]} {LONG_NOTE[1]})")
    args = p.parse_args()
    if args.times < 1 or args.chapters < 0:
        p.error("--times must be at least 1, --chapters at least 0")
    write(args.folder, args.chapters or CHAPTERS * args.times, long_note=tuple(args.long_notes))
    print(args.folder)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()

#!/usr/bin/env python3
"""Long footnotes, measured: `python benchmarks/long_notes.py [--seeds N] [--max-words W]`.

Makes N random two-chapter reports dense with footnotes of 5 to W words (emphasis
and a link in each), builds each cold (`--fresh`) in this process, and checks every
note in the PDF: its call and its first part on the same page, its words all there,
once and in order, on consecutive pages from its call's, and the notes numbered
1..n. Prints one line per report (notes, notes cut, layouts, problems) and a summary.
Nothing here is asserted in the test suite; tests/test_blocks_pdf.py pins the cases.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from folio.errors import BuildError  # noqa: E402
from folio.pipeline import BuildOptions, build  # noqa: E402
from tests.pdftools import page_texts  # noqa: E402

TEXT = ("the council noted that reports of the mission were received with care and the government "
        "replied in full detail to every question raised by its members")
WORDS = TEXT.split(" ")


def make(folder: Path, seed: int, sizes: list[int]) -> dict[int, int]:
    """A report whose note k is called as 'cm<k>x' and whose every fourth word is 'z<k>q<i>'."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.yaml").write_text("title: Notes\nissuer: Test\ndate: 2021-02-09\n"
                                        "chapters: [10-one.yaml, 20-two.yaml]\n", encoding="utf-8")
    k, expected = 0, {}
    for chapter in ("10-one.yaml", "20-two.yaml"):
        paragraphs, notes = [], []
        for _ in range(rng.randint(3, 9)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(20, 160))]
            for _ in range(rng.randint(0, 2)):
                k += 1
                n = rng.choice(sizes)
                words.insert(rng.randint(1, len(words) - 1), f"cm{k}x[^n{k}]")
                body = [f"z{k}q{i}" if i % 4 == 0 else rng.choice(WORDS) for i in range(n)]
                if n > 10:  # inline markup that a cut must keep balanced
                    body[3], body[5] = "*" + body[3], body[5] + "*"
                    body[8], body[10] = "[" + body[8], body[10] + "](https://example.org)"
                notes.append(f"  n{k}: nm{k}x " + " ".join(body))
                expected[k] = n
            paragraphs.append("      - " + " ".join(words))
        (folder / chapter).write_text(f"title: {chapter[3:6]}\nsections:\n  - title: S{chapter[:2]}\n"
                                      "    blocks:\n" + "\n".join(paragraphs)
                                      + ("\nnotes:\n" + "\n".join(notes) if notes else "") + "\n", encoding="utf-8")
    return expected


def check(pdf: Path, expected: dict[int, int]) -> list[str]:
    pages = page_texts(pdf)
    calls = {int(a): (i, int(b)) for i, t in enumerate(pages) for a, b in re.findall(r"\bcm(\d+)x\s*(\d+)", t)}
    marks = {int(b): (i, int(a)) for i, t in enumerate(pages) for a, b in re.findall(r"(\d+)\.\s+nm(\d+)x", t)}
    problems = []
    for k, n in expected.items():
        if k not in calls or k not in marks:
            problems.append(f"note {k} missing")
            continue
        if calls[k] != marks[k]:
            problems.append(f"note {k}: call {calls[k]}, first part {marks[k]} (page, number)")
        found = [(int(i), p) for p, t in enumerate(pages) for i in re.findall(rf"\bz{k}q(\d+)\b", t)]
        if [i for i, _ in found] != list(range(0, n, 4)):
            problems.append(f"note {k}: words lost or out of order")
        on = sorted({p for _, p in found})
        if on and (on[0] != calls[k][0] or on != list(range(on[0], on[-1] + 1))):
            problems.append(f"note {k}: on pages {on}, its call on {calls[k][0]}")
    if sorted(number for _, number in calls.values()) != list(range(1, len(expected) + 1)):
        problems.append("notes not numbered 1..n")
    return problems


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=20, help="how many random reports (default 20)")
    p.add_argument("--max-words", type=int, default=450, help="the longest notes, in words (default 450)")
    p.add_argument("--jobs", type=int, default=1, help="lay each report out in this many processes (chunks.py)")
    args = p.parse_args()
    sizes = [n for n in (5, 20, 60, 150, 300, 450, 900) if n <= args.max_words]
    built, layouts, failed, wrong = 0, [], [], []
    with tempfile.TemporaryDirectory(prefix="folio-notes-") as work:
        for seed in range(1, args.seeds + 1):
            folder = Path(work) / f"r{seed}"
            expected = make(folder, seed, sizes)
            try:
                result = build(folder, BuildOptions(output=folder / "r.pdf", fresh=True, jobs=args.jobs))
            except BuildError as exc:
                failed.append(seed)
                print(f"report {seed}: {len(expected)} notes; build failed: {str(exc).splitlines()[0][:120]}")
                continue
            built += 1
            checked = result.preflight
            assert checked is not None
            cut = sum(1 for cuts in checked.final_splits.values() if cuts)
            layouts.append(checked.layouts or len(checked.passes) + checked.relaid)
            problems = check(result.path, expected)
            wrong += [seed] if problems else []
            print(f"report {seed}: {len(expected)} notes, {cut} cut, {layouts[-1]} layout(s), "
                  f"{checked.galleys} galley(s); {'; '.join(problems) or 'every note in place'}")
    print(f"built {built} of {args.seeds}; every note in place in {built - len(wrong)}; layouts median "
          f"{statistics.median(layouts) if layouts else '-'}, most {max(layouts, default='-')}"
          + (f"; failed (the note named): reports {failed}" if failed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

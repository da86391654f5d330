#!/usr/bin/env python3
"""What charts cost: `python benchmarks/charts.py [--charts 40] [--plain] [--program DIR]`.

Writes a report of N charts (bar, stacked bar with negatives, line, 20-category bars;
missing values unless --plain, for a program that predates them) into a temporary folder,
then times, each as a process of its own: `--check`, a cold build (no chart cache, no mends
record), a repeat build (the cache and the record of the first), and prints the figures.
`--program` runs another checkout's build.py (e.g. an older commit, for "before").
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPORT = "title: Charts\nissuer: Benchmark\ndate: 2021-02-09\nchapters: [10-charts.yaml]\n"


def chart(i: int, plain: bool) -> str:
    gap = "0" if plain else "null"
    regions = ", ".join(f'"Region {j} of the river basin"' for j in range(20))
    kind = ("bar", "stacked-bar", "line", "bar")[i % 4]
    if i % 4 == 3:  # twenty categories
        values = ", ".join(str((j * 37 + i) % 23) for j in range(20))
        return (f"      - chart: bar\n        title: Chart {i}\n        labels: [{regions}]\n        series:\n"
                f"          - {{name: Share, values: [{values}]}}\n        alt: Twenty bars.\n")
    years = ", ".join(f'"{y}"' for y in range(2010, 2022))
    series = "".join(
        f"          - {{name: Series {s}, values: [{', '.join(gap if (y + s) % 7 == 0 else str((y * (s + 3) + i) % 19 - 4) for y in range(12))}]}}\n"  # noqa: E501
        for s in range(3))
    return (f"      - chart: {kind}\n        title: Chart {i}\n        units: cases\n        labels: [{years}]\n"
            f"        series:\n{series}        alt: A chart.\n        table: true\n")


def write(folder: Path, count: int, plain: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.yaml").write_text(REPORT, encoding="utf-8")
    blocks = "".join(f"      - Paragraph {i} before the chart.\n{chart(i, plain)}" for i in range(count))
    (folder / "10-charts.yaml").write_text(
        f"title: Charts\nsections:\n  - title: All\n    blocks:\n{blocks}", encoding="utf-8")


def timed(program: Path, *args: str) -> float:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(program / "build.py"), *args, "-q"], capture_output=True, text=True)
    if done.returncode:
        sys.exit(done.stderr)
    return time.perf_counter() - started


def forget_charts(program: Path, out: Path) -> None:
    """No chart cache: the project's (build/.chart-cache) and, for an older folio, the one beside the PDF."""
    for folder in (program / "build" / ".chart-cache", out.parent / ".chart-cache"):
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=int, default=40)
    parser.add_argument("--plain", action="store_true", help="no missing values (for an older folio)")
    parser.add_argument("--program", type=Path, default=ROOT, help="the checkout whose build.py to time")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="folio-charts-") as tmp:
        content, out = Path(tmp) / "content", Path(tmp) / "out" / "charts.pdf"
        write(content, args.charts, args.plain)
        check = timed(args.program, "--check", "--content", str(content))
        forget_charts(args.program, out)
        cold = timed(args.program, "--content", str(content), "-o", str(out))
        repeat = timed(args.program, "--content", str(content), "-o", str(out))
        forget_charts(args.program, out)
        no_cache = timed(args.program, "--content", str(content), "-o", str(out))
    print(f"{args.charts} charts: --check {check:.2f} s; cold build {cold:.2f} s; repeat build {repeat:.2f} s; "
          f"repeat without the chart cache {no_cache:.2f} s")


if __name__ == "__main__":
    main()

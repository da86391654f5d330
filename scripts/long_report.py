#!/usr/bin/env python3
"""Write a long report (the Situationer's chapters repeated, about 70 pages) into a folder.

`python scripts/long_report.py DIR [--times N]`: CI builds it after `make` alone, so that a
report laid out in parts is proven to build without the test extras.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.run import make_report


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--times", type=int, default=4, help="copies of the Situationer's chapters (default 4)")
    args = p.parse_args()
    make_report(args.times, args.folder)
    print(args.folder)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Build the report: `python build.py --help` lists the options."""

from folio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

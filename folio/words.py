"""The fixed words of the templates ("Contents", "page", month names), per language.

One YAML file per language in `folio/words/`; `en.yaml` lists every key, and
every other language must give all of them (checked in the tests).
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import yaml

WORDS_DIR = Path(__file__).parent / "words"


def available() -> list[str]:
    return sorted(p.stem for p in WORDS_DIR.glob("*.yaml"))


@cache
def words_for(language: str) -> dict[str, str]:
    """The words for a language code such as 'fr' or 'en-US' (its base language is used)."""
    base = language.split("-")[0].lower()
    path = WORDS_DIR / f"{base}.yaml"
    if not path.is_file():
        path = WORDS_DIR / "en.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def format_date(date: dt.date, language: str) -> str:
    """'9 February 2021' in the report's language."""
    w = words_for(language)
    month = w["months"].split()[date.month - 1]
    return w["date_format"].format(day=date.day, month=month, year=date.year)

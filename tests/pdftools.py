"""Reading built PDFs in tests: text per page, outline, metadata, fonts."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path


def page_texts(pdf: Path) -> list[str]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def normal_words(text: str) -> list[str]:
    """Words to compare: NFKC, quotes and dashes folded, hyphenation at line ends undone."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[\u00ad\ufffe\x02]\r?\n", "", text)
    text = re.sub(r"[\u00ad\ufffe\x02]", " ", text)  # a hyphen before a page's folio: halves apart
    text = re.sub(r"[\u2010-]\r?\n(?=[a-z])", "", text)
    text = re.sub(r"[\u2018\u2019\u201c\u201d\"'«»]", "", text)
    text = re.sub(r"[\u2010\u2011\-]", "", text)  # hyphenated compounds compare as one word
    text = re.sub(r"[\u2012-\u2015]", " ", text)
    return [w for w in re.findall(r"[\w%$]+", text.lower())]


def margin_texts(pdf: Path, band_mm: float = 22.0) -> list[str]:
    """The text of each page's top and bottom bands: running heads and folios."""
    import pypdfium2 as pdfium

    band = band_mm / 25.4 * 72
    doc = pdfium.PdfDocument(str(pdf))
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            width, height = page.get_size()
            text = page.get_textpage()
            top = text.get_text_bounded(0, height - band, width, height)
            bottom = text.get_text_bounded(0, 0, width, band)
            out.append(f"{top}\n{bottom}")
        return out
    finally:
        doc.close()

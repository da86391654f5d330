"""The first publication, built whole: pages, contents, outline, metadata, fonts, words."""

from __future__ import annotations

import re
from pathlib import Path

import pikepdf
import pytest

from folio.markup import make_parser, plain_text
from folio.model import Paragraph, Subheading
from folio.pipeline import load
from folio.resolve import roman

from .conftest import CONTENT
from .pdftools import margin_texts, normal_words, page_texts


@pytest.fixture(scope="module")
def report():
    return load(CONTENT)


@pytest.fixture(scope="module")
def pages(situationer_pdf: Path) -> list[str]:
    return page_texts(situationer_pdf)


def test_content_loads_into_the_model(report) -> None:
    assert report.full_title == "Cambodia Human Rights Situationer II"
    assert [c.title.value for c in report.chapters] == [
        "Executive Summary", "Introduction", "Engagements with the UN Human Rights Mechanisms",
        "Understanding Cambodia and its Contexts", "Cambodia's Responses to the Covid-19"]
    assert [c.numbered for c in report.chapters] == [False, True, True, True, True]
    assert [len(c.sections) for c in report.chapters] == [0, 0, 5, 7, 3]
    subheadings = [b for c in report.chapters for s in c.sections for b in s.blocks if isinstance(b, Subheading)]
    assert len(subheadings) == 16
    assert subheadings[1].text.value == "Application of Double Standards?"


def test_page_count_is_in_range(pages: list[str]) -> None:
    assert 14 <= len(pages) <= 20


def test_every_paragraph_is_in_the_pdf_in_order(report, pages: list[str]) -> None:
    md = make_parser(report.language)
    pdf_words = normal_words("\n".join(pages))
    position = 0
    for chapter in report.chapters:
        blocks = list(chapter.blocks) + [b for s in chapter.sections for b in s.blocks]
        for block in blocks:
            if not isinstance(block, Paragraph | Subheading):
                continue
            words = normal_words(plain_text(md, block.text))
            found = _find(pdf_words, words, position)
            assert found >= 0, f"not found in order: {block.text.value[:80]}"
            position = found + len(words)


def _find(haystack: list[str], needle: list[str], start: int) -> int:
    """Where `needle` starts in `haystack` at or after `start`, running heads allowed between its words."""
    for i in range(start, len(haystack)):
        if haystack[i] != needle[0]:
            continue
        j, k = i, 0
        skipped = 0
        while k < len(needle) and j < len(haystack) and skipped < 40:
            if haystack[j] == needle[k]:
                k += 1
            elif needle[k].startswith(haystack[j]) and (rest := _rest(haystack, j, needle[k])):
                k += 1  # a word broken across a page, running heads between its halves
                j = rest
            else:
                skipped += 1
            j += 1
        if k == len(needle):
            return i
    return -1


def _rest(haystack: list[str], j: int, word: str) -> int:
    for r in range(j + 1, min(j + 12, len(haystack))):
        if haystack[j] + haystack[r] == word:
            return r
    return 0


def _contents_entries(pages: list[str]) -> list[tuple[str, str]]:
    entries = []
    for line in pages[1].splitlines():
        match = re.match(r"^\s*(?P<title>\S.*?\S)[\s.]*?\.\s?\.[\s.]*(?P<page>[0-9ivx]+)\s*$", line)
        if match:
            entries.append((match["title"].rstrip(" ."), match["page"]))
    return entries


def test_contents_lists_every_chapter_and_section(pages: list[str]) -> None:
    entries = _contents_entries(pages)
    titles = [t for t, _ in entries]
    assert len(entries) == 20
    assert titles[0] == "Executive Summary"
    assert titles[1] == "I. Introduction"
    assert "3. Civil Society Freedom and Human Rights Defenders" in titles
    assert titles[-1] == "3. Rights of the Persons Deprived of Liberty"


def test_every_contents_entry_names_the_page_its_heading_is_on(situationer_pdf: Path, pages: list[str]) -> None:
    margins = margin_texts(situationer_pdf)
    searched_from = 2
    for title, folio in _contents_entries(pages):
        key = normal_words(title)
        where = next(i for i in range(searched_from, len(pages))
                     if _starts_a_line(pages[i], key))
        shown = re.findall(r"\b[0-9ivx]+\b", margins[where])
        assert folio in shown, f"{title}: on PDF page {where + 1}, whose folio is {shown}, not {folio}"
        searched_from = where


def _starts_a_line(page: str, key: list[str]) -> bool:
    lines = page.splitlines()
    return any(normal_words(" ".join(lines[i:i + 3]))[: len(key)] == key for i in range(len(lines)))


def test_outline_has_chapters_and_sections(situationer_pdf: Path) -> None:
    with pikepdf.open(situationer_pdf) as pdf, pdf.open_outline() as outline:
        top = [item.title for item in outline.root]
        assert top[0] == "Contents"
        assert top[1:] == ["Executive Summary", "I. Introduction",
                           "II. Engagements with the UN Human Rights Mechanisms",
                           "III. Understanding Cambodia and its Contexts",
                           "IV. Cambodia’s Responses to the Covid-19"]
        contexts = outline.root[4]
        assert next(c.title for c in contexts.children) == "1. Freedom of Expression and Press"
        assert len(contexts.children) == 7


def test_metadata(situationer_pdf: Path) -> None:
    with pikepdf.open(situationer_pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Cambodia Human Rights Situationer II"
        assert str(info["/Author"]).startswith("Permanent Mission of the Kingdom of Cambodia")
        assert "Covid-19" in str(info["/Subject"])
        assert "civil society" in str(info["/Keywords"])
        assert str(info["/CreationDate"]).startswith("D:20210209")
        assert str(pdf.Root.Lang) == "en"


def test_only_the_bundled_fonts_are_embedded_and_subset(situationer_pdf: Path) -> None:
    names = set()
    with pikepdf.open(situationer_pdf) as pdf:
        for page in pdf.pages:
            for font in page.Resources.get("/Font", {}).values():
                names.add(str(font.BaseFont))
                descendant = font.get("/DescendantFonts")
                descriptor = descendant[0].FontDescriptor if descendant else font.FontDescriptor
                file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
                assert file is not None, f"{font.BaseFont} is not embedded"
                assert len(file.read_bytes()) < 120_000, f"{font.BaseFont} does not look subset"
    families = {re.sub(r"^[A-Z]{6}\+", "", n.lstrip("/")).split("-")[1] for n in names}
    assert families <= {"Serif", "Sans"}, names
    assert {"Serif", "Sans"} <= families
    assert all(n.lstrip("/").split("+")[1].startswith("Report-") for n in names), names


def test_links_in_the_contents_point_into_the_report(situationer_pdf: Path) -> None:
    with pikepdf.open(situationer_pdf) as pdf:
        contents = pdf.pages[1]
        links = [a for a in contents.get("/Annots", []) if a.Subtype == "/Link"]
        assert len(links) >= 20


def test_roman_numerals() -> None:
    assert [roman(n) for n in (1, 2, 3, 4, 9, 14, 40)] == ["I", "II", "III", "IV", "IX", "XIV", "XL"]

"""Typography the author need not type, applied to the text of every string."""

from __future__ import annotations

from folio.markup import _typography


def test_a_spaced_hyphen_becomes_an_en_dash() -> None:
    assert _typography("September 2020 - February 2021") == "September 2020 \u2013 February 2021"
    assert _typography("well-known") == "well-known"


def test_non_breaking_spaces_after_titles_and_before_units() -> None:
    assert _typography("Mr. Sam Rainsy") == "Mr.\u00a0Sam Rainsy"
    assert _typography("7 million masks, USD 70 and 9 February") == (
        "7\u00a0million masks, USD\u00a070 and 9\u00a0February")


def test_a_term_joined_by_a_slash_is_kept_on_one_line() -> None:
    assert _typography("living with HIV/AIDS, and/or") == (
        'living with <span class="nobreak">HIV/AIDS</span>, <span class="nobreak">and/or</span>')
    assert _typography("https://example.org/a") == "https://example.org/a"  # not inside addresses


def _inline(text: str) -> str:
    from folio.markup import make_parser

    return make_parser("en").renderInline(text)


def test_only_quotes_dashes_and_ellipses_are_replaced() -> None:
    # markdown-it's own "replacements" turned these into ©, ®, ™, ±, "…", "?..", "!!!" and ","
    kept = "(c) (C) (r) (R) (tm) (TM) +- a..b end.... ?.... !!!!! ????? ,,,"
    assert _inline(kept) == kept
    assert _inline("wait... then -- and --- a--b") == "wait\u2026 then \u2013 and \u2014 a\u2013b"
    assert _inline("\"quoted\" and it's") == "\u201cquoted\u201d and it\u2019s"
    assert _inline("`a--b...`") == "<code>a--b...</code>"


def test_a_backslash_escapes_markup_characters() -> None:
    assert _inline(r"province\* and \*not emphasis\*") == "province* and *not emphasis*"
    assert _inline(r"\[not a link\](https://example.org)") == "[not a link](https://example.org)"
    assert _inline(r"snake\_case \_x\_ \`tick\` \\ back") == "snake_case _x_ `tick` \\ back"
    assert _inline(r"\[^n1] not a note") == "[^n1] not a note"
    assert _inline(r"wait\.\.\. a\-\-b") == "wait... a--b"  # an escaped dot or hyphen is left alone


def test_a_number_and_its_unit_of_one_or_more_words_stay_together() -> None:
    nb = "\u00a0"
    assert _typography("181,035 sq km") == f"181,035{nb}sq{nb}km"  # broke as "181,035 sq / km"
    assert _typography("60 per cent, 12 %, 3.5 km2, 40 °C and 7 kWh") == (
        f"60{nb}per{nb}cent, 12{nb}%, 3.5{nb}km2, 40{nb}°C and 7{nb}kWh")
    assert _typography("USD 1.2 billion, $ 5, US$ 5 and € 3") == f"USD{nb}1.2{nb}billion, ${nb}5, US${nb}5 and €{nb}3"
    assert _typography("Area, sq km") == f"Area, sq{nb}km"
    assert _typography("5 members, 3 mice and 2 kms") == "5 members, 3 mice and 2 kms"  # a unit is a whole word


def test_a_short_qualifier_in_parentheses_stays_whole() -> None:
    assert _typography("Population (2024 est.)") == 'Population <span class="nobreak">(2024 est.)</span>'
    assert _typography("GDP (in current USD)") == 'GDP <span class="nobreak">(in current USD)</span>'
    long = "(a remark of more words than a qualifier has)"
    assert _typography(long) == long

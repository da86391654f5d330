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

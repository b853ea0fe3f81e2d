"""Search keys of names: one function for what is stored and what is searched (R-PRO-2, R-MEM-3, R-ENR-15)."""

from __future__ import annotations

from app.domain.members import SearchInput, build_member_query
from app.domain.text import NAME_KEY_LENGTH, collapse_whitespace, name_key


def test_collapse_whitespace_keeps_case_and_single_spaces() -> None:
    assert collapse_whitespace("  Mary \t Ann\n") == "Mary Ann"
    assert collapse_whitespace("   ") == ""


def test_name_key_ignores_case_and_spacing() -> None:
    assert name_key("  Van   der BERG ") == "van der berg"
    assert name_key("O'Neil") == "o'neil"
    assert name_key("") == ""


def test_name_key_is_never_longer_than_the_key_column() -> None:
    assert name_key("x" * 150) == "x" * NAME_KEY_LENGTH
    assert len(name_key("İ" * NAME_KEY_LENGTH)) == NAME_KEY_LENGTH  # lower-casing can lengthen a name


def test_stored_keys_and_search_prefixes_agree() -> None:
    """A name stored with odd spacing is found by a search typed with other odd spacing."""
    stored = name_key("  De  La   Cruz ")
    query = build_member_query(SearchInput(last_name="de la"))
    assert query.last_name_prefix is not None and stored.startswith(query.last_name_prefix)
    assert query.last_name_prefix == name_key(" De   La")

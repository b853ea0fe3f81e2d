"""LIKE patterns from user text match it literally, on the dialects we run (SQLite here; PostgreSQL in the db tests)."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, ColumnElement, Engine, MetaData, String, Table, create_engine, select

from app.repositories.like import (
    LIKE_ESCAPE,
    contains_pattern,
    escape_like,
    like_bound,
    like_text,
    prefix_pattern,
)


def test_wildcards_and_the_escape_character_are_escaped() -> None:
    assert LIKE_ESCAPE == "/"
    assert escape_like("50%_off/now") == "50/%/_off//now"
    assert contains_pattern("a_b") == "%a/_b%"
    assert prefix_pattern("smi%") == "smi/%%"
    assert escape_like("plain") == "plain"


VALUES = ["gold 50% plan", "gold 500 plan", "a_b", "axb", "c/d", "c//d", "smith", "smiths", "blacksmith"]


@pytest.fixture
def names() -> tuple[Engine, Table]:
    engine = create_engine("sqlite://")
    table = Table("t", MetaData(), Column("v", String(50)))
    table.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"v": v} for v in VALUES])
    return engine, table


def _match(names: tuple[Engine, Table], where: ColumnElement[bool], **binds: str) -> list[str]:
    engine, table = names
    with engine.connect() as conn:
        return sorted(conn.execute(select(table.c.v).where(where), binds).scalars())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("50%", ["gold 50% plan"]),
        ("_", ["a_b"]),
        ("c/d", ["c/d"]),
        ("smith", ["blacksmith", "smith", "smiths"]),
    ],
)
def test_a_bound_contains_pattern_matches_the_text_literally(
    names: tuple[Engine, Table], text: str, expected: list[str]
) -> None:
    table = names[1]
    assert _match(names, like_bound(table.c.v, "p"), p=contains_pattern(text)) == expected
    assert _match(names, like_text(table.c.v, contains_pattern(text))) == expected


def test_a_prefix_pattern_matches_from_the_start_only(names: tuple[Engine, Table]) -> None:
    table = names[1]
    assert _match(names, like_bound(table.c.v, "p"), p=prefix_pattern("smith")) == ["smith", "smiths"]
    assert _match(names, like_text(table.c.v, prefix_pattern("a_"))) == ["a_b"]

"""LIKE patterns from what a user typed: the text matches literally (its `%`, `_` and the escape are escaped)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, bindparam

LIKE_ESCAPE = "/"


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character escaped by `LIKE_ESCAPE`."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def contains_pattern(text: str) -> str:
    """A pattern matching any value that contains `text`."""
    return f"%{escape_like(text)}%"


def prefix_pattern(text: str) -> str:
    """A pattern matching any value that starts with `text`."""
    return f"{escape_like(text)}%"


def like_bound(column: Any, name: str) -> ColumnElement[bool]:
    """`column LIKE :name ESCAPE '/'`: the pattern comes from `contains_pattern` / `prefix_pattern` at run time."""
    return column.like(bindparam(name, type_=String()), escape=LIKE_ESCAPE)


def like_text(column: Any, pattern: str) -> ColumnElement[bool]:
    """`column LIKE <pattern> ESCAPE '/'` for a pattern from `contains_pattern` / `prefix_pattern`."""
    return column.like(pattern, escape=LIKE_ESCAPE)

"""Text normalisation shared by the features: spacing, and the search keys names are stored and queried by."""

from __future__ import annotations

NAME_KEY_LENGTH = 100  # the `*_name_key` and `city_key` columns (VARCHAR(100), "C" collation on PostgreSQL)


def collapse_whitespace(value: str) -> str:
    """Runs of whitespace become one space; none at either end."""
    return " ".join(value.split())


def name_key(value: str) -> str:
    """Search key of a name or city (R-PRO-2, R-MEM-3): lower-cased, inner whitespace collapsed, column-sized.

    The one function for both sides: what is stored in a `*_key` column and the prefix a search compares with
    it, so "  Van   der BERG " finds "van der berg".
    """
    return collapse_whitespace(value).lower()[:NAME_KEY_LENGTH]

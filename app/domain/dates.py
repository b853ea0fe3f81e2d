"""Calendar rules shared by the features."""

from __future__ import annotations

from datetime import date

OPEN_END_DATE = date(9999, 12, 31)  # R-PCP-6: the term date of what has not ended (the current PCP assignment)


def age_on(born: date, on: date) -> int:
    """Age in whole years on `on` (a 29 February birthday is reached on 1 March in a common year)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

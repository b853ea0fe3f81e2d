"""ACA rating (R-QUO-2), pure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.domain.rating import Person, age_factor, premiums

EFFECTIVE = date(2027, 1, 1)


def test_r_quo_2_federal_default_age_curve() -> None:
    assert age_factor(3) == Decimal("0.765") and age_factor(21) == Decimal("1.000")
    assert (
        age_factor(40) == Decimal("1.278") and age_factor(64) == Decimal("3.000") and age_factor(80) == Decimal("3.000")
    )


def test_r_quo_2_tobacco_factor_applies_to_medical_only() -> None:
    smoker = [Person("primary", date(1987, 1, 1), tobacco_use=True)]  # 40 on the effective date
    med, total = premiums(
        base_rate=Decimal("400"),
        tobacco_factor=Decimal("1.5"),
        coverage="medical",
        people=smoker,
        effective_date=EFFECTIVE,
    )
    assert med[0].age == 40 and total == Decimal("766.80")  # 400 x 1.278 x 1.5
    _, dental = premiums(
        base_rate=Decimal("30"),
        tobacco_factor=Decimal("1.5"),
        coverage="dental",
        people=smoker,
        effective_date=EFFECTIVE,
    )
    assert dental == Decimal("38.34")  # 30 x 1.278


def test_r_quo_2_only_the_three_oldest_children_under_21_are_charged() -> None:
    kids = [Person("child", date(2027 - a, 1, 1)) for a in (5, 19, 12, 8, 22)]  # ages 5, 19, 12, 8, 22
    family = [Person("primary", date(1987, 1, 1)), *kids]
    rows, total = premiums(
        base_rate=Decimal("100"),
        tobacco_factor=Decimal("1"),
        coverage="medical",
        people=family,
        effective_date=EFFECTIVE,
    )
    charged = {(r.relationship, r.age): r.charged for r in rows}
    assert charged[("child", 22)] and charged[("child", 19)] and charged[("child", 12)] and charged[("child", 8)]
    assert charged[("child", 5)] is False  # the fourth child under 21
    assert rows[1].premium == Decimal("0.00")
    assert total == Decimal("127.80") + Decimal("94.10") + Decimal("76.50") + Decimal("76.50") + Decimal("100.00")


def test_r_quo_2_rating_age_is_the_age_on_the_effective_date() -> None:
    """A birthday after the effective date does not count: born 1987-05-01 is 39 on 2027-01-01, not 40."""
    couple = [Person("primary", date(1987, 1, 1)), Person("spouse", date(1987, 5, 1), tobacco_use=True)]
    rows, total = premiums(
        base_rate=Decimal("400"),
        tobacco_factor=Decimal("1.5"),
        coverage="medical",
        people=couple,
        effective_date=EFFECTIVE,
    )
    assert [r.age for r in rows] == [40, 39]  # the primary turns 40 on the effective date itself
    assert [r.premium for r in rows] == [Decimal("511.20"), Decimal("757.20")]  # 400 x 1.278; 400 x 1.262 x 1.5
    assert total == Decimal("1268.40")

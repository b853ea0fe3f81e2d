"""ACA premium rating (R-QUO-2): base rate per plan and rating area x federal default age curve x tobacco
factor (medical only); in a family only the three oldest children under 21 are charged. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.domain.dates import age_on

# CMS federal default standard age curve (45 CFR 147.102), ages 0-14 share one factor, 64+ is 3.000.
AGE_CURVE: dict[int, Decimal] = {age: Decimal("0.765") for age in range(0, 15)}
AGE_CURVE.update(
    {
        age: Decimal(f)
        for age, f in {
            15: "0.833",
            16: "0.859",
            17: "0.885",
            18: "0.913",
            19: "0.941",
            20: "0.970",
            21: "1.000",
            22: "1.000",
            23: "1.000",
            24: "1.000",
            25: "1.004",
            26: "1.024",
            27: "1.048",
            28: "1.087",
            29: "1.119",
            30: "1.135",
            31: "1.159",
            32: "1.183",
            33: "1.198",
            34: "1.214",
            35: "1.222",
            36: "1.230",
            37: "1.238",
            38: "1.246",
            39: "1.262",
            40: "1.278",
            41: "1.302",
            42: "1.325",
            43: "1.357",
            44: "1.397",
            45: "1.444",
            46: "1.500",
            47: "1.563",
            48: "1.635",
            49: "1.706",
            50: "1.786",
            51: "1.865",
            52: "1.952",
            53: "2.040",
            54: "2.135",
            55: "2.230",
            56: "2.333",
            57: "2.437",
            58: "2.548",
            59: "2.603",
            60: "2.714",
            61: "2.810",
            62: "2.873",
            63: "2.952",
            64: "3.000",
        }.items()
    }
)
CENT = Decimal("0.01")
MAX_CHARGED_CHILDREN_UNDER_21 = 3


def age_factor(age: int) -> Decimal:
    return AGE_CURVE[min(max(age, 0), 64)]


@dataclass(frozen=True)
class Person:
    relationship: str  # primary | spouse | child
    date_of_birth: date
    tobacco_use: bool = False


@dataclass(frozen=True)
class MemberPremium:
    relationship: str
    age: int
    premium: Decimal
    charged: bool


def premiums(
    *, base_rate: Decimal, tobacco_factor: Decimal, coverage: str, people: list[Person], effective_date: date
) -> tuple[list[MemberPremium], Decimal]:
    """Per-member premiums in input order and the monthly total, rounded to cents."""
    ages = [age_on(p.date_of_birth, effective_date) for p in people]
    young_children = sorted(
        (i for i, p in enumerate(people) if p.relationship == "child" and ages[i] < 21), key=lambda i: (-ages[i], i)
    )
    free = set(young_children[MAX_CHARGED_CHILDREN_UNDER_21:])
    out: list[MemberPremium] = []
    for i, person in enumerate(people):
        if i in free:
            out.append(MemberPremium(person.relationship, ages[i], Decimal("0.00"), False))
            continue
        amount = base_rate * age_factor(ages[i])
        if coverage == "medical" and person.tobacco_use:
            amount *= tobacco_factor
        out.append(MemberPremium(person.relationship, ages[i], amount.quantize(CENT, ROUND_HALF_UP), True))
    return out, sum((m.premium for m in out), Decimal("0.00"))

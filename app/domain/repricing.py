"""Re-pricing an application when its effective date changes (R-ENR-5, R-ENR-10; issue 14).

A new effective date can take the chosen plans out of the offer (another plan year) or change their premium
(ages are rated as of the effective date, R-QUO-2). The change is never silent: the plans section carries a
review listing what changed until the producer saves the plans section again, and submit refuses it meanwhile.
Pure: the service prices the plans under both dates and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

PLANS_STALE = "enrollment.plans_stale"


class PlanChangeKind(StrEnum):
    not_offered = "not_offered"
    premium_changed = "premium_changed"


@dataclass(frozen=True)
class PlanPrice:
    """One chosen plan as priced for one effective date."""

    coverage: str  # medical | dental
    plan_id: str
    plan_name: str
    offered: bool  # offered in the applicant's rating area for the effective date's plan year
    premium: Decimal | None  # monthly premium for the household, None when it cannot be rated


@dataclass(frozen=True)
class PlanChange:
    coverage: str
    plan_id: str
    plan_name: str
    change: PlanChangeKind
    previous_premium: Decimal | None
    new_premium: Decimal | None
    message: str


@dataclass(frozen=True)
class PlansReview:
    """The plans section is stale: chosen for `previous_effective_date`, the application now starts on
    `effective_date`, and `changes` say what that changed."""

    previous_effective_date: date | None
    effective_date: date
    changes: tuple[PlanChange, ...]
    section: str = "plans"
    code: str = PLANS_STALE

    @property
    def message(self) -> str:
        was = f" from {self.previous_effective_date:%m/%d/%Y}" if self.previous_effective_date else ""
        listed = " ".join(c.message for c in self.changes)
        return (
            f"The effective date changed{was} to {self.effective_date:%m/%d/%Y}. {listed} "
            "Review the plans section and save it again."
        )

    def to_json(self) -> dict[str, Any]:
        """Stored form (a JSON column)."""
        return {
            "previous_effective_date": self.previous_effective_date.isoformat()
            if self.previous_effective_date
            else None,
            "effective_date": self.effective_date.isoformat(),
            "changes": [
                {
                    "coverage": c.coverage,
                    "plan_id": c.plan_id,
                    "plan_name": c.plan_name,
                    "change": c.change.value,
                    "previous_premium": None if c.previous_premium is None else str(c.previous_premium),
                    "new_premium": None if c.new_premium is None else str(c.new_premium),
                    "message": c.message,
                }
                for c in self.changes
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> PlansReview | None:
        if not data:
            return None
        prev = data.get("previous_effective_date")
        return cls(
            previous_effective_date=date.fromisoformat(prev) if prev else None,
            effective_date=date.fromisoformat(data["effective_date"]),
            changes=tuple(
                PlanChange(
                    coverage=c["coverage"],
                    plan_id=c["plan_id"],
                    plan_name=c["plan_name"],
                    change=PlanChangeKind(c["change"]),
                    previous_premium=None if c["previous_premium"] is None else Decimal(c["previous_premium"]),
                    new_premium=None if c["new_premium"] is None else Decimal(c["new_premium"]),
                    message=c["message"],
                )
                for c in data.get("changes") or []
            ),
        )


def _money(d: Decimal | None) -> str:
    return "unknown" if d is None else f"${d:,.2f}"


def review_plans(
    *,
    before: list[PlanPrice],
    after: list[PlanPrice],
    previous_effective_date: date | None,
    effective_date: date,
) -> PlansReview | None:
    """What a change of effective date does to the chosen plans, or None when nothing changed.

    A plan not offered for the new date is listed; so is an offered plan whose premium differs from the one
    priced for the previous date. Without a previous date the premium shown was only an estimate (rated as of
    today), so only plans no longer offered are listed.
    """
    if previous_effective_date == effective_date:
        return None
    priced_before = {p.coverage: p for p in before}
    changes: list[PlanChange] = []
    for now in after:
        was = priced_before.get(now.coverage)
        previous_premium = was.premium if was and was.plan_id == now.plan_id else None
        label = f"{now.coverage.capitalize()} plan {now.plan_name} ({now.plan_id})"
        if not now.offered:
            changes.append(
                PlanChange(
                    now.coverage,
                    now.plan_id,
                    now.plan_name,
                    PlanChangeKind.not_offered,
                    previous_premium,
                    None,
                    f"{label} is not offered for the effective date {effective_date:%m/%d/%Y}; choose a plan "
                    f"offered for {effective_date.year}.",
                )
            )
        elif previous_effective_date is not None and previous_premium != now.premium:
            changes.append(
                PlanChange(
                    now.coverage,
                    now.plan_id,
                    now.plan_name,
                    PlanChangeKind.premium_changed,
                    previous_premium,
                    now.premium,
                    f"{label}: the monthly premium changed from {_money(previous_premium)} to {_money(now.premium)}.",
                )
            )
    if not changes:
        return None
    return PlansReview(previous_effective_date, effective_date, tuple(changes))

"""ID card rules (R-ID-1 .. R-ID-5). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.dates import local_time
from app.domain.errors import ErrorCollector, ValidationFailed

CARRIERS = {
    "IL": "Blue Cross and Blue Shield of Illinois",
    "MT": "Blue Cross and Blue Shield of Montana",
    "NM": "Blue Cross and Blue Shield of New Mexico",
    "OK": "Blue Cross and Blue Shield of Oklahoma",
    "TX": "Blue Cross and Blue Shield of Texas",
}
ON_EXCHANGE_WAIT = timedelta(hours=24)


@dataclass(frozen=True)
class CardPolicy:
    status: str
    exchange: str
    requires_pcp: bool
    application_submitted_at: datetime | None


@dataclass(frozen=True)
class CardLine:
    member_id: int
    quantity: int


def plan_cards(
    *,
    kind: str,
    policy: CardPolicy,
    member_ids: list[int],
    quantity: int | None,
    covered_member_ids: set[int],
    primary_member_id: int,
    now: datetime,
    max_copies: int,
    time_zone: str = "America/Chicago",
) -> list[CardLine]:
    """Decide the cards of a request, or raise with every problem at once."""
    errors = ErrorCollector()
    if policy.status == "Termed":  # R-ID-4
        raise ValidationFailed(
            "This policy is terminated: ID cards cannot be ordered for it.",
            code="id_card.policy_termed",
            field="policy_id",
        )
    if policy.exchange == "on":  # R-ID-4: Marketplace policies wait 24 hours after submission
        ready_at = (policy.application_submitted_at or now) + ON_EXCHANGE_WAIT
        if policy.application_submitted_at is None or now < ready_at:
            raise ValidationFailed(
                f"Marketplace (on-exchange) ID cards are available 24 hours after the application was submitted: "
                f"from {local_time(ready_at, time_zone)}.",
                code="id_card.too_soon",
                field="policy_id",
                extra={"available_at": ready_at.isoformat()},
            )
    if policy.requires_pcp:  # R-ID-2: one card per chosen member, each with their own PCP
        if not member_ids:
            errors.add(
                "member_ids",
                "id_card.members_required",
                "This plan uses a PCP: choose the members who need a card (each gets their own).",
            )
        if len(set(member_ids)) != len(member_ids):
            errors.add("member_ids", "id_card.member_repeated", "Each member can be chosen once.")
        for i, mid in enumerate(member_ids):
            if mid not in covered_member_ids:
                errors.add(
                    f"member_ids.{i}",
                    "id_card.member_not_on_policy",
                    "This member is not covered by the selected policy.",
                )
        if quantity not in (None, 1):  # R-ID-3: one card per family member
            errors.add(
                "quantity",
                "id_card.one_per_member",
                "Plans with a PCP get one card per family member; choose the members instead.",
            )
        errors.raise_if_any()
        return [CardLine(mid, 1) for mid in member_ids]
    if member_ids:  # R-ID-2: no member choice; the card carries the primary insured's name
        errors.add(
            "member_ids",
            "id_card.no_member_choice",
            "This plan has no PCP: its cards carry the primary insured's name, so members are not chosen.",
        )
    copies = 1 if quantity is None else quantity
    if kind == "permanent" and not (1 <= copies <= max_copies):  # R-ID-3
        errors.add("quantity", "id_card.quantity_range", f"Order 1 to {max_copies} cards at once.")
    if kind == "temporary" and copies != 1:
        errors.add(
            "quantity", "id_card.temporary_quantity", "A temporary card is one page; print it as often as needed."
        )
    errors.raise_if_any()
    return [CardLine(primary_member_id, copies)]


def carrier_for(state: str) -> str:
    return CARRIERS.get(state, "Blue Cross and Blue Shield")

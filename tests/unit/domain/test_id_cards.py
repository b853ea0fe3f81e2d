"""ID card rules, pure (R-ID-2 .. R-ID-4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import ValidationFailed
from app.domain.id_cards import CardPolicy, carrier_for, plan_cards

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
HMO = CardPolicy("Active", "off", True, None)
PPO = CardPolicy("Active", "off", False, None)


def cards(
    policy: CardPolicy, kind: str = "permanent", member_ids: list[int] | None = None, quantity: int | None = None
):  # type: ignore[no-untyped-def]
    return plan_cards(
        kind=kind,
        policy=policy,
        member_ids=member_ids or [],
        quantity=quantity,
        covered_member_ids={1, 2, 3},
        primary_member_id=1,
        now=NOW,
        max_copies=5,
    )


def test_r_id_2_pcp_plans_one_card_per_chosen_member() -> None:
    assert [(c.member_id, c.quantity) for c in cards(HMO, member_ids=[2, 3])] == [(2, 1), (3, 1)]
    with pytest.raises(ValidationFailed):
        cards(HMO)


def test_r_id_2_plans_without_pcp_carry_the_primary_only() -> None:
    assert [(c.member_id, c.quantity) for c in cards(PPO, quantity=3)] == [(1, 3)]
    with pytest.raises(ValidationFailed):
        cards(PPO, member_ids=[2])


def test_r_id_3_quantities() -> None:
    with pytest.raises(ValidationFailed):
        cards(HMO, member_ids=[2], quantity=2)
    with pytest.raises(ValidationFailed):
        cards(PPO, quantity=6)
    with pytest.raises(ValidationFailed):
        cards(PPO, kind="temporary", quantity=2)


def test_r_id_4_termed_and_on_exchange_wait() -> None:
    with pytest.raises(ValidationFailed) as e:
        cards(CardPolicy("Termed", "off", False, None))
    assert e.value.code == "id_card.policy_termed"
    recent = CardPolicy("Active", "on", False, NOW - timedelta(hours=23, minutes=59))
    with pytest.raises(ValidationFailed) as e:
        cards(recent)
    assert e.value.code == "id_card.too_soon"
    assert e.value.message.endswith("from 11/22/2026 06:01 AM CST.")  # issue 15: the producer's time zone
    with pytest.raises(ValidationFailed) as e:
        plan_cards(
            kind="temporary",
            policy=recent,
            member_ids=[],
            quantity=1,
            covered_member_ids={1},
            primary_member_id=1,
            now=NOW,
            max_copies=5,
            time_zone="America/Denver",
        )
    assert e.value.message.endswith("from 11/22/2026 05:01 AM MST.")
    assert cards(CardPolicy("Active", "on", False, NOW - timedelta(hours=24)))


def test_r_id_5_carrier_by_state() -> None:
    assert carrier_for("TX") == "Blue Cross and Blue Shield of Texas"

"""Issue 14: a change of effective date re-prices the application (R-ENR-5, R-ENR-10, R-ENR-15), through the API.

Quote for 2027-01-01 with 2027 plans -> application -> SEP marriage -> effective date 2026-12-01: the 2027 plans
and premiums do not silently remain; the plans section lists them, submit refuses it until the plans are chosen
again for 2026."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.repositories.orm import Application, AuditEvent, Plan, PlanRate
from tests.api.test_enrollments import (
    HOUSEHOLD,
    OTHER,
    PLANS,
    SIGNATURES,
    URL,
    applicant,
    general,
    put,
    reference,  # noqa: F401  (fixture)
    settings,  # noqa: F401  (fixture)
    start_from_family_quote,
)
from tests.helpers import assert_problem

MARRIAGE = [{"event_type": "marriage", "event_date": "2026-11-10"}]


async def _add_2026_plans(app: Any) -> None:
    async with app.state.ctx.uow() as uow:
        for pid, name, cov, nt, pcp in (
            ("E-HMO-26", "Enroll Test Silver HMO 301 (2026)", "medical", "HMO", True),
            ("E-DEN-26", "Enroll Test Dental 1A (2026)", "dental", "PPO", False),
        ):
            uow.session.add(
                Plan(
                    plan_id=pid,
                    name=name,
                    coverage=cov,
                    metal_level=None if cov == "dental" else "silver",
                    network_type=nt,
                    requires_pcp=pcp,
                    exchange="off",
                    state="IL",
                    network_code="T-HMO" if nt == "HMO" else "T-PPO",
                    plan_year=2026,
                    group_number="EG0001",
                    tobacco_factor=Decimal("1.50"),
                    customer_service_phone="8005551212",
                )
            )
        await uow.flush()
        uow.session.add(PlanRate(plan_id="E-HMO-26", state="IL", rating_area=9, base_rate=Decimal("380.00")))
        uow.session.add(PlanRate(plan_id="E-DEN-26", state="IL", rating_area=9, base_rate=Decimal("28.00")))
        await uow.commit()


async def _stored(app: Any, app_id: int) -> Application:
    async with app.state.ctx.uow() as uow:
        row = await uow.session.get(Application, app_id)
        assert row is not None
        return row


async def _application_from_2027_quote(client: Any, producer: dict[str, str]) -> int:
    app_id = await start_from_family_quote(client, producer)
    for section, body in (
        ("general", general(is_sep=True, life_events=MARRIAGE)),
        ("applicant", applicant()),
        ("household", HOUSEHOLD),
        ("other-coverage", OTHER),
        ("signatures", SIGNATURES),
    ):  # the plans section stays as prefilled from the quote (2027 plans)
        r = await put(client, producer, app_id, section, body)
        assert r.status_code == 200, (section, r.text)
    assert r.json()["effective_date"] == "2027-01-01" and r.json()["warnings"] == []
    return app_id


@pytest.mark.usefixtures("reference")
async def test_issue_14_new_effective_date_flags_plans_no_longer_offered_and_submit_refuses(
    client,
    producer,
    app,
) -> None:  # type: ignore[no-untyped-def]
    """R-ENR-5, R-ENR-10: 1/1 -> 12/1 takes the 2027 plans out of the offer; they are listed, never kept silently."""
    app_id = await _application_from_2027_quote(client, producer)
    eff = await client.post(f"{URL}/{app_id}/effective-date", headers=producer)
    assert eff.status_code == 200, eff.text
    body = eff.json()
    assert body["effective_date"] == "2026-12-01"  # marriage: first of the month after selection (11-22)
    [warning] = body["warnings"]
    assert (warning["section"], warning["code"]) == ("plans", "enrollment.plans_stale")
    assert (warning["previous_effective_date"], warning["effective_date"]) == ("2027-01-01", "2026-12-01")
    assert [
        (c["coverage"], c["plan_id"], c["change"], c["previous_premium"], c["new_premium"]) for c in warning["changes"]
    ] == [
        ("medical", "E-HMO", "not_offered", "1574.40", None),
        ("dental", "E-DEN", "not_offered", "99.15", None),
    ]  # the premiums quoted for 2027-01-01 (see test_enrollments' end-to-end walk)
    assert warning["message"].startswith("The effective date changed from 01/01/2027 to 12/01/2026.")
    assert "Enroll Test Silver HMO 301 (E-HMO) is not offered for the effective date 12/01/2026" in warning["message"]
    assert warning["message"].endswith("Review the plans section and save it again.")

    details = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert details["effective_date"] == "2026-12-01" and details["warnings"] == [warning]
    row = await _stored(app, app_id)
    assert row.effective_date.isoformat() == "2026-12-01"
    assert [c["plan_id"] for c in row.plans_review["changes"]] == ["E-HMO", "E-DEN"]
    async with app.state.ctx.uow() as uow:
        [event] = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(
                        AuditEvent.action == "enrollment.effective_date_calculated", AuditEvent.target_id == str(app_id)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert event.details["previous_effective_date"] == "2027-01-01"
    assert event.details["plans_stale"] == ["E-HMO", "E-DEN"]

    refused = assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=producer), 422)
    stale = [e for e in refused["errors"] if e["code"] == "enrollment.plans_stale"]
    assert len(stale) == 1 and stale[0]["field"] == "plans" and stale[0]["message"] == warning["message"]
    assert (await _stored(app, app_id)).status == "incomplete"

    # choosing plans offered for 2026 clears the warning; submit then goes through with 2026 premiums
    await _add_2026_plans(app)
    saved = await put(
        client, producer, app_id, "plans", {**PLANS, "medical_plan_id": "E-HMO-26", "dental_plan_id": "E-DEN-26"}
    )
    assert saved.status_code == 200, saved.text
    assert saved.json()["warnings"] == []
    # rated as of 2026-12-01: Riley and Sam 39 (1.262), Kelly 11 (0.765); tobacco x 1.5 on medical for Sam
    #   medical 380: 380 x 1.262 + 380 x 1.262 x 1.5 + 380 x 0.765 = 479.56 + 719.34 + 290.70 = 1489.60
    #   dental   28:  28 x 1.262 +  28 x 1.262       +  28 x 0.765 =  35.34 +  35.34 +  21.42 =   92.10
    assert saved.json()["premiums"] == {
        "medical_premium": "1489.60",
        "dental_premium": "92.10",
        "total_monthly_premium": "1581.70",
    }
    assert (await _stored(app, app_id)).plans_review is None
    sub = await client.post(f"{URL}/{app_id}/submit", headers=producer)
    assert sub.status_code == 200, sub.text
    assert sub.json()["status"] == "submitted"
    row = await _stored(app, app_id)
    assert row.monthly_premium == Decimal("1581.70") and row.effective_date.isoformat() == "2026-12-01"


@pytest.mark.usefixtures("reference")
async def test_issue_14_moving_the_date_back_clears_the_warning(
    client,
    producer,
    app,
) -> None:  # type: ignore[no-untyped-def]
    """R-ENR-5: the review compares with the date the plans were chosen for; back to it, nothing is stale."""
    app_id = await _application_from_2027_quote(client, producer)
    assert (await client.post(f"{URL}/{app_id}/effective-date", headers=producer)).json()["warnings"]
    r = await put(client, producer, app_id, "general", general(is_sep=False))  # open enrollment: 2027-01-01
    assert r.status_code == 200, r.text
    assert r.json()["warnings"][0]["effective_date"] == "2026-12-01"  # still stale until recalculated
    eff = (await client.post(f"{URL}/{app_id}/effective-date", headers=producer)).json()
    assert eff == {"effective_date": "2027-01-01", "warnings": []}
    assert (await _stored(app, app_id)).plans_review is None
    details = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert details["warnings"] == [] and details["premiums"]["total_monthly_premium"] == "1673.55"

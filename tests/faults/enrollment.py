"""An application ready to submit, built through the API (as tests/api/test_enrollments.py does), for any "today":
a special-enrollment application (a marriage ten days ago), with reference plans for the year it takes effect."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.repositories.orm import County, Plan, PlanRate
from app.repositories.uow import SqlUnitOfWork
from tests.api.test_enrollments import HOUSEHOLD, OTHER, PLANS, SIGNATURES, applicant, general
from tests.factories import ensure_reference

URL = "/api/v1/enrollments"
CARD = {
    "method": "card",
    "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2035, "cvc": "123", "name": "Riley Enroller"},
    "terms_accepted": True,
    "autopay": False,
}


async def add_reference(engine: AsyncEngine, year: int) -> None:
    """County 60699 (Testcook, IL), the HMO and dental plans of tests/api/test_enrollments.py for `year`."""
    async with SqlUnitOfWork(async_sessionmaker(engine, expire_on_commit=False)) as uow:
        await ensure_reference(uow)
        uow.session.add(County(zip_code="60699", fips="17999", name="Testcook", state="IL", rating_area=9))
        for pid, name, cov, nt, pcp, net in (
            ("E-HMO", "Enroll Test Silver HMO 301", "medical", "HMO", True, "T-HMO"),
            ("E-DEN", "Enroll Test Dental 1A", "dental", "PPO", False, "T-PPO"),
        ):
            uow.session.add(
                Plan(
                    plan_id=pid,
                    name=name,
                    coverage=cov,
                    network_type=nt,
                    requires_pcp=pcp,
                    metal_level=None if cov == "dental" else "silver",
                    exchange="off",
                    state="IL",
                    network_code=net,
                    plan_year=year,
                    group_number="EG0001",
                    tobacco_factor=Decimal("1.50"),
                    customer_service_phone="8005551212",
                )
            )
        await uow.flush()
        for pid, rate in (("E-HMO", "400.00"), ("E-DEN", "30.00")):
            uow.session.add(PlanRate(plan_id=pid, state="IL", rating_area=9, base_rate=Decimal(rate)))
        await uow.commit()


async def ready_application(
    client: httpx.AsyncClient, headers: dict[str, str], engine: AsyncEngine, today: date, *, with_reference: bool = True
) -> dict[str, Any]:
    """Start an application, fill every section, calculate its effective date; returns the application as read."""
    r = await client.post(URL, headers=headers)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    sep = general(
        is_sep=True, life_events=[{"event_type": "marriage", "event_date": (today - timedelta(days=10)).isoformat()}]
    )
    r = await client.put(f"{URL}/{app_id}/general", json=sep, headers=headers)
    assert r.status_code == 200, r.text
    r = await client.post(f"{URL}/{app_id}/effective-date", headers=headers)
    assert r.status_code == 200, r.text
    if with_reference:
        await add_reference(engine, date.fromisoformat(r.json()["effective_date"]).year)
    for section, body in (
        ("applicant", applicant()),
        ("household", HOUSEHOLD),
        ("plans", PLANS),
        ("other-coverage", OTHER),
        ("signatures", SIGNATURES),
    ):
        r = await client.put(f"{URL}/{app_id}/{section}", json=body, headers=headers)
        assert r.status_code == 200, (section, r.text)
    r = await client.post(f"{URL}/{app_id}/effective-date", headers=headers)
    assert r.status_code == 200, r.text
    r = await client.get(f"{URL}/{app_id}", headers=headers)
    assert r.status_code == 200, r.text
    ready: dict[str, Any] = r.json()
    assert ready["status"] == "incomplete" and ready["premiums"]["total_monthly_premium"], ready
    return ready

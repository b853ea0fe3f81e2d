"""Applications and payments through the HTTP API (R-ENR-1..18, R-PAY-1..5), with a fixed clock
(2026-11-22, inside open enrollment) and reference data built here so premiums are exact."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader

from app.repositories.orm import Application, County, Payment, Plan, PlanRate
from tests.factories import ensure_reference
from tests.helpers import assert_problem, bearer

URL = "/api/v1/enrollments"


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"access_token_minutes": 60 * 24 * 200, "refresh_token_days": 400})


@pytest.fixture
async def reference(app, demo):  # type: ignore[no-untyped-def]
    """County 60699 (Testcook, IL, rating area 9); an HMO, an on-exchange PPO and a dental plan for 2027."""
    async with app.state.ctx.uow() as uow:
        await ensure_reference(uow)
        uow.session.add(County(zip_code="60699", fips="17999", name="Testcook", state="IL", rating_area=9))
        uow.session.add(County(zip_code="75299", fips="48999", name="Testdallas", state="TX", rating_area=9))
        for pid, name, cov, nt, pcp, ex, net, st in (
            ("E-HMO", "Enroll Test Silver HMO 301", "medical", "HMO", True, "off", "T-HMO", "IL"),
            ("E-PPO-ON", "Enroll Test Bronze PPO 302", "medical", "PPO", False, "on", "T-PPO", "IL"),
            ("E-DEN", "Enroll Test Dental 1A", "dental", "PPO", False, "off", "T-PPO", "IL"),
            ("E-TX-HMO", "Blue Advantage Gold HMO 207", "medical", "HMO", True, "off", "T-HMO", "TX"),
            ("E-TX-PPO", "Enroll Test Gold PPO 303", "medical", "PPO", False, "off", "T-PPO", "TX"),
        ):
            uow.session.add(
                Plan(
                    plan_id=pid,
                    name=name,
                    coverage=cov,
                    metal_level=None if cov == "dental" else "silver",
                    network_type=nt,
                    requires_pcp=pcp,
                    exchange=ex,
                    state=st,
                    network_code=net,
                    plan_year=2027,
                    group_number="EG0001",
                    tobacco_factor=Decimal("1.50"),
                    customer_service_phone="8005551212",
                )
            )
        await uow.flush()
        for pid, rate, st in (
            ("E-HMO", "400.00", "IL"),
            ("E-PPO-ON", "300.00", "IL"),
            ("E-DEN", "30.00", "IL"),
            ("E-TX-HMO", "500.00", "TX"),
            ("E-TX-PPO", "450.00", "TX"),
        ):
            uow.session.add(PlanRate(plan_id=pid, state=st, rating_area=9, base_rate=Decimal(rate)))
        await uow.commit()


def general(**kw: Any) -> dict[str, Any]:
    return {"producer_number": "220002580", "is_sep": False, "life_events": [], **kw}


def applicant(**kw: Any) -> dict[str, Any]:
    base = {
        "form_type": "medical_dental",
        "authorization": "in_person",
        "terms_accepted": True,
        "applicant": {
            "first_name": "Riley",
            "middle_initial": None,
            "last_name": "Enroller",
            "date_of_birth": "1987-01-01",
            "ssn": "123456789",
            "sex": "female",
            "tobacco_use": False,
            "tobacco_last_used": None,
        },
        "home_address": {
            "address1": "1 Main St",
            "address2": None,
            "city": "Chicago",
            "state": "IL",
            "zip_code": "60699",
            "county": "Testcook",
        },
        "mailing_address": None,
        "contact": {"primary_phone": "3125550100", "phone_type": "mobile", "email": "riley@example.com"},
    }
    base.update(kw)
    return base


# The enroll-test family of the quote -> application walks (this file, test_carrier.py, test_enrollment_repricing.py)
FAMILY_QUOTE: dict[str, Any] = {
    "prospect_id": None,
    "zip_code": "60699",
    "county": "Testcook",
    "effective_date": "2027-01-01",
    "coverage": "medical_dental",
    "applicant": {
        "first_name": "Riley",
        "last_name": "Enroller",
        "date_of_birth": "1987-01-01",
        "sex": "female",
        "tobacco_use": False,
    },
    "spouse": {"date_of_birth": "1987-05-01", "sex": "male", "tobacco_use": True},
    "dependents": [{"date_of_birth": "2015-03-03", "sex": "female"}],
}


HOUSEHOLD = {
    "hra": None,
    "language_ethnicity": None,
    "spouse": {
        "first_name": "Sam",
        "last_name": "Enroller",
        "date_of_birth": "1987-05-01",
        "sex": "male",
        "ssn": "987654321",
        "tobacco_use": True,
    },
    "dependents": [
        {"first_name": "Kelly", "last_name": "Enroller", "date_of_birth": "2015-03-03", "sex": "female", "ssn": None}
    ],
}
PLANS = {
    "medical_plan_id": "E-HMO",
    "dental_plan_id": "E-DEN",
    "pediatric_dental_attested": False,
    "pcp": [{"applicant": "primary", "pcp_number": "T124"}],
    "use_same_pcp_number_for_all": None,
}
OTHER = {
    "coverage_replacement": {"replacing": False, "entries": []},
    "other_coverage": {"has_other": False, "entries": []},
    "proxy_agreed": False,
}
SIGNATURES = {
    "authorized_representative": None,
    "parent_guardian": None,
    "consumer_choice_disclosure_accepted": False,
    "payment_option": "pay_now",
}


async def put(client, headers, app_id, section, body, **kw):  # type: ignore[no-untyped-def]
    return await client.put(f"{URL}/{app_id}/{section}", json=body, headers=headers, **kw)


async def start_from_family_quote(client: Any, producer: dict[str, str]) -> int:
    """FAMILY_QUOTE with the E-HMO and E-DEN plans chosen, then an application started from it: its id."""
    quote = await client.post("/api/v1/quotes", headers=producer, json=FAMILY_QUOTE)
    assert quote.status_code == 201, quote.text
    qid = quote.json()["id"]
    sel = await client.put(
        f"/api/v1/quotes/{qid}/selection",
        headers=producer,
        json={"medical_plan_id": "E-HMO", "dental_plan_id": "E-DEN"},
    )
    assert sel.status_code == 200, sel.text
    started = await client.post(f"/api/v1/quotes/{qid}/enrollments", headers=producer, json={})
    assert started.status_code == 201, started.text
    return int(started.json()["application_id"])


async def save_sections(client: Any, producer: dict[str, str], app_id: int, *sections: tuple[str, Any]) -> None:
    for section, body in sections:
        r = await put(client, producer, app_id, section, body)
        assert r.status_code == 200, (section, r.text)


async def complete_application(
    client,
    headers,
    *,
    gen=None,
    app_=None,
    house=HOUSEHOLD,
    plans=PLANS,  # type: ignore[no-untyped-def]
    sigs=SIGNATURES,
) -> int:
    r = await client.post(URL, headers=headers)
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    for section, body in (
        ("general", gen or general()),
        ("applicant", app_ or applicant()),
        ("household", house),
        ("plans", plans),
        ("other-coverage", OTHER),
        ("signatures", sigs),
    ):
        resp = await put(client, headers, app_id, section, body)
        assert resp.status_code == 200, (section, resp.text)
    r = await client.post(f"{URL}/{app_id}/effective-date", headers=headers)
    assert r.status_code == 200, r.text
    return int(app_id)


async def test_whole_enrollment_end_to_end_quote_application_submit_pay_pdf(client, producer, reference, app) -> None:
    """Quote -> application -> sections -> effective date -> submit -> pay -> PDF, through the API."""
    quote = await client.post("/api/v1/quotes", headers=producer, json=FAMILY_QUOTE)
    assert quote.status_code == 201, quote.text
    qid = quote.json()["id"]
    sel = await client.put(
        f"/api/v1/quotes/{qid}/selection",
        headers=producer,
        json={"medical_plan_id": "E-HMO", "dental_plan_id": "E-DEN"},
    )
    assert sel.status_code == 200, sel.text
    # R-QUO-2, rating ages as of the effective date 2027-01-01: Riley (born 1987-01-01) is 40 -> 1.278;
    # Sam (born 1987-05-01) is still 39 -> 1.262, tobacco x 1.5 on medical only; Kelly (2015-03-03) is 11 -> 0.765,
    # the only child under 21, so charged.
    #   medical E-HMO 400: 400 x 1.278 + 400 x 1.262 x 1.5 + 400 x 0.765 = 511.20 + 757.20 + 306.00 = 1574.40
    #   dental  E-DEN  30:  30 x 1.278 +  30 x 1.262       +  30 x 0.765 =  38.34 +  37.86 +  22.95 =   99.15
    #   total 1574.40 + 99.15 = 1673.55
    # (An earlier expectation, 1084.20 / 99.63 / 1183.83, rated Sam at 40 and mis-added the medical sum.)
    expected = {"medical_premium": "1574.40", "dental_premium": "99.15", "total_monthly_premium": "1673.55"}
    assert {k: sel.json()[k] for k in expected} == expected
    started = await client.post(f"/api/v1/quotes/{qid}/enrollments", headers=producer, json={})
    assert started.status_code == 201, started.text
    app_id = started.json()["application_id"]
    prefilled = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert prefilled["status"] == "incomplete" and prefilled["quote_id"] == qid
    assert prefilled["sections"]["plans"]["medical_plan_id"] == "E-HMO"
    assert prefilled["sections"]["prefill"]["applicant"]["first_name"] == "Riley"
    assert prefilled["effective_date"] == "2027-01-01" and prefilled["producer_number"] == "220002580"
    assert prefilled["premiums"] == expected  # R-ENR-1: the prefilled household is rated, as on the quote
    for section, body in (
        ("general", general()),
        ("applicant", applicant()),
        ("household", HOUSEHOLD),
        ("plans", PLANS),
        ("other-coverage", OTHER),
        ("signatures", SIGNATURES),
    ):
        r = await put(client, producer, app_id, section, body)
        assert r.status_code == 200, (section, r.text)
    # R-ENR-10: recomputed from the saved sections, the same household as the quote, so the same premiums
    assert r.json()["premiums"] == expected
    eff = await client.post(f"{URL}/{app_id}/effective-date", headers=producer)
    assert eff.json() == {"effective_date": "2027-01-01", "warnings": []}  # open enrollment, chosen by Dec 15
    sub = await client.post(f"{URL}/{app_id}/submit", headers={**producer, "Idempotency-Key": "sub-1"})
    assert sub.status_code == 200, sub.text
    s = sub.json()
    assert s["status"] == "submitted" and re.fullmatch(r"\d{10}", s["record_number"])
    assert s["client_app_id"] and s["payment_status"] == "Pending" and s["failure_reason"] is None
    found = (
        await client.get(
            "/api/v1/members", params={"last_name": "enroll", "date_of_birth": "01/01/1987"}, headers=producer
        )
    ).json()  # R-ENR-15: record type "Application" in member search
    [row] = found["items"]
    assert (row["record_type"], row["e_app_number"], row["client_app_id"], row["member_count"]) == (
        "Application",
        s["record_number"],
        s["client_app_id"],
        3,
    )
    assert row["status"] == "Submitted" and row["coverage_effective_date"] == "2027-01-01"
    pay = await client.post(
        f"{URL}/{app_id}/payments",
        headers=producer,
        json={
            "method": "card",
            "card": {
                "number": "4242424242424242",
                "exp_month": 12,
                "exp_year": 2030,
                "cvc": "123",
                "name": "Riley Enroller",
            },
            "payment_date": "2026-12-01",
            "terms_accepted": True,
            "autopay": False,
        },
    )
    assert pay.status_code == 201, pay.text
    p = pay.json()
    assert p["status"] == "Pending" and Decimal(p["amount"]) == Decimal("1673.55") and p["last4"] == "4242"
    done = await client.post(f"/api/v1/payments/{p['id']}/submit", headers=producer, json={"agreement": True})
    assert done.status_code == 200 and done.json()["status"] == "Successful"
    details = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert details["payment_status"] == "Successful" and details["status"] == "submitted"
    assert details["product_names"] == ["Enroll Test Dental 1A", "Enroll Test Silver HMO 301"] or sorted(
        details["product_names"]
    ) == ["Enroll Test Dental 1A", "Enroll Test Silver HMO 301"]
    assert details["applicant_name"] == "Riley Enroller" and details["producer_name"] == "Dana Demo"
    pdf = await client.get(f"{URL}/{app_id}/pdf", headers=producer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf.content)).pages)
    assert s["record_number"] in text and "Riley" in text and "Enroller" in text and "01/01/2027" in text
    assert "***-**-6789" in text and "123456789" not in text and "987654321" not in text  # R-MEM-7
    assert "$1,673.55" in text and "Successful" in text
    # the plans section names the plans (with their ids), not just the ids
    assert "Enroll Test Silver HMO 301 (E-HMO)" in text and "Enroll Test Dental 1A (E-DEN)" in text
    async with app.state.ctx.uow() as uow:
        row = await uow.session.get(Application, app_id)
        pay_row = await uow.session.get(Payment, p["id"])
    stored = str(row.sections)
    assert "123456789" not in stored and row.sections["applicant"]["applicant"]["ssn_last4"] == "6789"
    assert app.state.ctx.cipher.decrypt(row.sections["applicant"]["applicant"]["ssn_encrypted"]) == "123456789"
    assert "4242424242424242" not in str(pay_row.__dict__) and pay_row.last4 == "4242"  # R-PAY-5


async def test_r_enr_15_submit_reports_every_missing_field_at_once(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    await put(client, producer, app_id, "general", general())
    body = assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=producer), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"applicant", "household", "plans", "other-coverage", "signatures", "effective_date"} <= fields


async def test_r_enr_15_duplicate_active_coverage_fails_and_can_be_reopened(client, producer, reference, app) -> None:
    from tests.factories import make_family, producer_id

    async with app.state.ctx.uow() as uow:  # someone who already has active coverage with us (any producer's book)
        await make_family(
            uow,
            await producer_id(uow, "otheragent"),
            first_name="Dana",
            last_name="Duplicate",
            dob=date(1979, 9, 9),
            spouse=False,
            plan_id="T-PPO-1",
        )
        await uow.commit()
    jt = applicant()
    jt["applicant"] = {**jt["applicant"], "first_name": "Dana", "last_name": "Duplicate", "date_of_birth": "1979-09-09"}
    app_id = await complete_application(
        client,
        producer,
        app_=jt,
        house={"hra": None, "language_ethnicity": None, "spouse": None, "dependents": []},
        plans={**PLANS, "pcp": []},
    )
    r = await client.post(f"{URL}/{app_id}/submit", headers=producer)
    assert r.status_code == 200 and r.json()["status"] == "failed"
    assert "already has active coverage" in r.json()["failure_reason"]
    failed = (await client.get(URL, params={"status": "failed"}, headers=producer)).json()
    assert [i["id"] for i in failed["items"]] == [app_id] and failed["items"][0]["failure_reason"]
    # reopened by saving a section
    assert (await put(client, producer, app_id, "other-coverage", OTHER)).json()["status"] == "incomplete"


async def test_r_enr_18_retried_submission_makes_one_application(client, producer, reference, app) -> None:
    app_id = await complete_application(client, producer)
    headers = {**producer, "Idempotency-Key": "double-click-1"}
    first = await client.post(f"{URL}/{app_id}/submit", headers=headers)
    second = await client.post(f"{URL}/{app_id}/submit", headers=headers)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=producer), 409, "enrollment.submitted")
    completed = (await client.get(URL, params={"status": "completed"}, headers=producer)).json()
    assert completed["total"] == 1 and completed["items"][0]["record_number"] == first.json()["record_number"]


async def test_r_enr_15_a_submitted_applicant_is_found_by_the_member_search_name_key(
    client, producer, reference
) -> None:
    """The stored applicant key is the member search's name key: spacing and case do not matter."""
    person = {**applicant()["applicant"], "last_name": "Van   Der  Enroller"}
    app_id = await complete_application(client, producer, app_=applicant(applicant=person))
    sub = await client.post(f"{URL}/{app_id}/submit", headers={**producer, "Idempotency-Key": "name-key-1"})
    assert sub.status_code == 200, sub.text
    found = (
        await client.get(
            "/api/v1/members", params={"last_name": " van der  ENR", "date_of_birth": "1987-01-01"}, headers=producer
        )
    ).json()
    assert [(r["record_type"], r["e_app_number"]) for r in found["items"]] == [
        ("Application", sub.json()["record_number"])
    ]


async def test_optimistic_concurrency_stale_version_gets_412(client, producer, reference) -> None:
    """A stale `If-Match` is a failed precondition: 412 (RFC 9110; 409 before issue 16), same code and members."""
    r = await client.post(URL, headers=producer)
    app_id, etag = r.json()["id"], r.headers["etag"]
    ok = await client.put(f"{URL}/{app_id}/general", json=general(), headers={**producer, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
    stale = await client.put(
        f"{URL}/{app_id}/general", json=general(producer_number="220002581"), headers={**producer, "If-Match": etag}
    )
    body = assert_problem(stale, 412, "enrollment.stale_version")
    assert body["current_version"] == 2
    assert (await client.get(f"{URL}/{app_id}", headers=producer)).json()["producer_number"] == "220002580"


async def test_r_enr_3_producer_number_must_be_yours_and_match_the_home_state(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    assert_problem(
        await put(client, producer, app_id, "general", general(producer_number="330003690")),
        422,
        "validation_failed" if False else "enrollment.producer_number_unknown",
    )
    app_id = await complete_application(client, producer, gen=general(producer_number="220002581"))  # TX number
    body = assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=producer), 422)
    assert "enrollment.state_mismatch" in {e["code"] for e in body["errors"]}


async def test_r_enr_4_sep_life_events_rules(client, producer, reference, clock) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    body = assert_problem(await put(client, producer, app_id, "general", general(is_sep=True)), 422)
    assert body["errors"][0]["code"] == "enrollment.life_event_required"
    events = [
        {"event_type": "marriage", "event_date": "2026-11-10"},
        {"event_type": "move", "event_date": "2026-12-20"},
    ]
    assert (await put(client, producer, app_id, "general", general(is_sep=True, life_events=events))).status_code == 200
    one = [events[0]]
    assert (await put(client, producer, app_id, "general", general(is_sep=True, life_events=one))).status_code == 200
    assert_problem(
        await put(client, producer, app_id, "general", general(is_sep=True, life_events=[])),
        422,
        "enrollment.last_life_event",
    )
    eff = await client.post(f"{URL}/{app_id}/effective-date", headers=producer)
    # marriage: first of the month after selection
    assert eff.json() == {"effective_date": "2026-12-01", "warnings": []}
    clock.set(clock.now().replace(year=2027, month=3, day=1))  # outside open enrollment: SEP cannot be turned off
    later = (await client.post(URL, headers=producer)).json()["id"]
    body = assert_problem(await put(client, producer, later, "general", general(is_sep=False)), 422)
    assert "enrollment.sep_required" in {e["code"] for e in body["errors"]}


async def test_r_enr_6_in_person_needs_terms_and_r_enr_7_tobacco_date(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    bad = applicant(terms_accepted=False)
    bad["applicant"] = {**bad["applicant"], "tobacco_use": True}
    body = assert_problem(await put(client, producer, app_id, "applicant", bad), 422)
    assert {e["field"] for e in body["errors"]} == {"terms_accepted", "applicant.tobacco_last_used"}
    paper = applicant(authorization="paper_application", terms_accepted=False)
    assert (await put(client, producer, app_id, "applicant", paper)).status_code == 200


async def test_r_enr_9_at_most_19_dependents_spouse_included(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    kid = {"first_name": "K", "last_name": "E", "date_of_birth": "2010-01-01", "sex": "male", "ssn": None}
    house = {"hra": None, "language_ethnicity": None, "spouse": HOUSEHOLD["spouse"], "dependents": [kid] * 18}
    assert (await put(client, producer, app_id, "household", house)).status_code == 200
    body = assert_problem(await put(client, producer, app_id, "household", {**house, "dependents": [kid] * 19}), 422)
    assert body["errors"][0]["code"] == "enrollment.too_many_dependents"


async def test_r_enr_10_11_plans_pediatric_dental_and_pcp_rules(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    await put(client, producer, app_id, "applicant", applicant())
    await put(client, producer, app_id, "household", HOUSEHOLD)
    no_dental = {**PLANS, "dental_plan_id": None}
    body = assert_problem(await put(client, producer, app_id, "plans", no_dental), 422)
    assert body["errors"][0]["code"] == "enrollment.pediatric_dental"
    ok = await put(client, producer, app_id, "plans", {**no_dental, "pediatric_dental_attested": True})
    assert ok.status_code == 200 and ok.json()["premiums"]["dental_premium"] is None
    on = assert_problem(
        await put(client, producer, app_id, "plans", {**PLANS, "medical_plan_id": "E-PPO-ON", "pcp": []}), 422
    )
    assert on["errors"][0]["code"] == "enrollment.plan_on_exchange"
    bad_pcp = assert_problem(
        await put(
            client, producer, app_id, "plans", {**PLANS, "pcp": [{"applicant": "dependent:0", "pcp_number": "T126"}]}
        ),
        422,
    )  # T126 is out of network
    assert bad_pcp["errors"][0]["code"] == "enrollment.pcp_out_of_network"
    same = await put(client, producer, app_id, "plans", {**PLANS, "pcp": [], "use_same_pcp_number_for_all": "T124"})
    assert same.status_code == 200


async def test_r_enr_12_coverage_replacement_needs_details(client, producer, reference) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    body = assert_problem(
        await put(
            client,
            producer,
            app_id,
            "other-coverage",
            {**OTHER, "coverage_replacement": {"replacing": True, "entries": []}},
        ),
        422,
    )
    assert body["errors"][0]["field"] == "coverage_replacement.entries"
    entry = {
        "covered_person": "Riley",
        "insurance_company": "Other Co",
        "policy_number": "X1",
        "termination_date": "2026-12-31",
    }
    r = await put(
        client,
        producer,
        app_id,
        "other-coverage",
        {**OTHER, "coverage_replacement": {"replacing": True, "entries": [entry]}},
    )
    assert r.status_code == 200


async def test_r_enr_13_child_only_guardian_and_texas_disclosure(client, producer, reference) -> None:
    child = applicant()
    child["applicant"] = {**child["applicant"], "date_of_birth": "2012-06-01"}
    app_id = await complete_application(
        client,
        producer,
        app_=child,
        house={"hra": None, "language_ethnicity": None, "spouse": None, "dependents": []},
        plans={**PLANS, "pcp": []},
        sigs={**SIGNATURES, "parent_guardian": {"first_name": "Pat", "last_name": "E", "relationship": "Mother"}},
    )
    no_guardian = assert_problem(await put(client, producer, app_id, "signatures", SIGNATURES), 422)
    assert no_guardian["errors"][0]["code"] == "enrollment.guardian_required"
    tx = applicant(
        home_address={
            "address1": "1 Elm",
            "address2": None,
            "city": "Dallas",
            "state": "TX",
            "zip_code": "75299",
            "county": "Testdallas",
        }
    )
    tx_plans = {
        "medical_plan_id": "E-TX-PPO",
        "dental_plan_id": None,
        "pediatric_dental_attested": True,
        "pcp": [],
        "use_same_pcp_number_for_all": None,
    }
    tx_id = await complete_application(
        client,
        producer,
        gen=general(producer_number="220002581"),
        app_=tx,
        plans=tx_plans,
        sigs={**SIGNATURES, "consumer_choice_disclosure_accepted": True},
    )
    assert_problem(await put(client, producer, tx_id, "signatures", SIGNATURES), 422)
    exempt = {**tx_plans, "medical_plan_id": "E-TX-HMO"}
    assert (await put(client, producer, tx_id, "plans", exempt)).status_code == 200
    assert (await put(client, producer, tx_id, "signatures", SIGNATURES)).status_code == 200  # exempt plan


async def test_r_enr_14_payment_choice_required_before_submit(client, producer, reference) -> None:
    app_id = await complete_application(client, producer, sigs={**SIGNATURES, "payment_option": None})
    body = assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=producer), 422)
    assert [e["field"] for e in body["errors"]] == ["signatures.payment_option"]


async def test_r_enr_16_incomplete_applications_expire_after_90_days(client, producer, reference, clock) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    clock.advance(days=89)
    assert (await client.get(f"{URL}/{app_id}", headers=producer)).status_code == 200
    clock.advance(days=1, seconds=1)
    assert_problem(await client.get(f"{URL}/{app_id}", headers=producer), 404, "enrollment.expired")
    assert (await client.get(URL, params={"status": "incomplete"}, headers=producer)).json()["total"] == 0


async def test_r_pay_2_autopay_only_with_a_bank_account_and_declines(client, producer, reference) -> None:
    app_id = await complete_application(client, producer)
    await client.post(f"{URL}/{app_id}/submit", headers=producer)
    card = {"number": "4000000000000002", "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "R E"}
    body = assert_problem(
        await client.post(
            f"{URL}/{app_id}/payments",
            headers=producer,
            json={
                "method": "card",
                "card": card,
                "payment_date": "2026-12-01",
                "terms_accepted": False,
                "autopay": True,
            },
        ),
        422,
    )
    assert {e["code"] for e in body["errors"]} == {"payment.autopay_bank_only", "payment.terms_required"}
    p = (
        await client.post(
            f"{URL}/{app_id}/payments",
            headers=producer,
            json={"method": "card", "card": card, "payment_date": "2026-12-01", "terms_accepted": True},
        )
    ).json()
    assert_problem(
        await client.post(f"/api/v1/payments/{p['id']}/submit", headers=producer, json={"agreement": False}),
        422,
        "payment.agreement_required",
    )
    declined = (
        await client.post(f"/api/v1/payments/{p['id']}/submit", headers=producer, json={"agreement": True})
    ).json()
    assert declined["status"] == "Declined"
    assert (await client.get(f"{URL}/{app_id}", headers=producer)).json()["payment_status"] == "Declined"
    bank = await client.post(
        f"{URL}/{app_id}/payments",
        headers=producer,
        json={
            "method": "bank_account",
            "bank_account": {"routing_number": "011000015", "account_number": "12345678", "account_type": "checking"},
            "payment_date": "2026-12-01",
            "terms_accepted": True,
            "autopay": True,
        },
    )
    assert bank.status_code == 201, bank.text
    assert bank.json()["autopay"] is True and bank.json()["last4"] == "5678"
    assert (bank.json()["autopay_last4"], bank.json()["autopay_account_type"]) == ("5678", "checking")


async def test_r_pay_2_card_binder_payment_with_bank_account_autopay(client, producer, reference, app) -> None:
    """The enrollment guide: "pay the initial binder payment with a Credit Card and add Bank details to setup
    Autopay" (issue 15)."""
    app_id = await complete_application(client, producer)
    await client.post(f"{URL}/{app_id}/submit", headers=producer)
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123", "name": "R E"}
    bank = {"routing_number": "011000015", "account_number": "99887766", "account_type": "savings"}
    base = {"method": "card", "card": card, "payment_date": "2026-12-01", "terms_accepted": True, "autopay": True}
    bad_routing = {**bank, "routing_number": "123456789"}
    problem = assert_problem(
        await client.post(f"{URL}/{app_id}/payments", headers=producer, json={**base, "bank_account": bad_routing}),
        422,
        "payment.routing_invalid",
    )
    assert problem["errors"][0]["field"] == "bank_account.routing_number"
    r = await client.post(f"{URL}/{app_id}/payments", headers=producer, json={**base, "bank_account": bank})
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["method"], body["last4"], body["account_type"]) == ("card", "4242", None)
    assert (body["autopay"], body["autopay_last4"], body["autopay_account_type"]) == (True, "7766", "savings")
    async with app.state.ctx.uow() as uow:
        row = await uow.session.get(Payment, body["id"])
    assert row is not None and row.autopay_token and row.autopay_token != row.processor_token
    assert "99887766" not in (row.autopay_token or "")  # R-PAY-5: only a token and the last 4
    paid = await client.post(f"/api/v1/payments/{body['id']}/submit", headers=producer, json={"agreement": True})
    assert paid.json()["status"] == "Successful" and paid.json()["autopay_last4"] == "7766"


async def test_r_pay_3_cancel_bills_later_and_keeps_the_application(client, producer, reference) -> None:
    app_id = await complete_application(client, producer)
    await client.post(f"{URL}/{app_id}/submit", headers=producer)
    p = (
        await client.post(
            f"{URL}/{app_id}/payments",
            headers=producer,
            json={
                "method": "card",
                "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2031, "cvc": "999", "name": "R E"},
                "payment_date": "2026-12-01",
                "terms_accepted": True,
            },
        )
    ).json()
    c = await client.post(f"/api/v1/payments/{p['id']}/cancel", headers=producer)
    assert c.status_code == 200 and c.json()["status"] == "Cancelled"
    d = (await client.get(f"{URL}/{app_id}", headers=producer)).json()
    assert d["status"] == "submitted" and d["payment_status"] == "Cancelled"
    assert_problem(
        await client.post(f"/api/v1/payments/{p['id']}/submit", headers=producer, json={"agreement": True}),
        409,
        "payment.not_pending",
    )


async def test_applications_of_another_producer_are_404(client, producer, reference, demo) -> None:
    app_id = (await client.post(URL, headers=producer)).json()["id"]
    other = await bearer(client, "otheragent", "Other123")
    assert_problem(await client.get(f"{URL}/{app_id}", headers=other), 404)
    assert_problem(await put(client, other, app_id, "general", general()), 404)
    assert_problem(await client.post(f"{URL}/{app_id}/submit", headers=other), 404)

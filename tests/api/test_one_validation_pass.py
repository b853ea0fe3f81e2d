"""Issue 16, one validation pass: a body the request schema refuses is told the domain's field errors too, in the
same 422 `validation_failed` (schema errors first, then the domain's for other fields, one vocabulary)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.repositories.orm import EQuestion, Prospect, Quote, Registration, User
from tests.api.test_delegates import delegate_payload
from tests.api.test_e_questions import member_specific
from tests.api.test_enrollments import HOUSEHOLD, OTHER, URL, applicant, general, put
from tests.api.test_members import SEARCH
from tests.api.test_members import book as book  # the fixture
from tests.api.test_pcp_changes import URL as PCP_URL
from tests.api.test_pcp_changes import change
from tests.api.test_pcp_changes import fam as fam  # the fixture
from tests.api.test_prospects import payload as prospect_payload
from tests.api.test_quotes import quote_body
from tests.helpers import assert_problem, registration, state_registration


def pairs(body: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["field"], e["code"]) for e in body["errors"]]


async def count(app, model) -> int:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        return int((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())


def assert_people_messages(body: dict[str, Any]) -> None:
    for e in body["errors"]:
        assert e["message"] and "/api/" not in e["message"] and "R-" not in e["message"], e


async def test_prospect_create_reports_schema_and_r_pro_1_errors_at_once(client, app, producer) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, Prospect)
    r = await client.post(
        "/api/v1/prospects",
        json=prospect_payload(first_name=123, zip_code="6060", phone="555-01", middle_initial="1"),
        headers=producer,
    )
    body = assert_problem(r, 422, "validation_failed")
    assert pairs(body) == [
        ("first_name", "invalid_type"),
        ("zip_code", "prospect.zip_code_invalid"),
        ("middle_initial", "prospect.middle_initial_invalid"),
        ("phone", "prospect.phone_invalid"),
    ]
    assert body["detail"] == "4 fields are missing or invalid."
    assert_people_messages(body)
    assert await count(app, Prospect) == before


async def test_prospect_create_missing_field_is_reported_once_beside_r_pro_1(client, producer) -> None:  # type: ignore[no-untyped-def]
    data = prospect_payload(state="XX")
    del data["last_name"]
    body = assert_problem(await client.post("/api/v1/prospects", json=data, headers=producer), 422, "validation_failed")
    # The schema's `required`, not also the domain's `prospect.required`, for the field never sent.
    assert pairs(body) == [("last_name", "required"), ("state", "prospect.state_invalid")]


async def test_prospect_create_domain_errors_alone_answer_as_before(client, producer) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/prospects", json=prospect_payload(zip_code="6060", state="XX"), headers=producer)
    body = assert_problem(r, 422, "validation_failed")
    assert body["detail"] == "Some prospect fields are missing or invalid"
    assert pairs(body) == [("state", "prospect.state_invalid"), ("zip_code", "prospect.zip_code_invalid")]
    r = await client.post("/api/v1/prospects", json=prospect_payload(zip_code="6060"), headers=producer)
    body = assert_problem(r, 422, "prospect.zip_code_invalid")
    assert body["detail"] == "Enter a 5-digit zip code."


async def test_proposal_quote_errors_come_with_the_prospect_errors(client, app, producer) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, Prospect), await count(app, Quote)
    quote = {
        "county": "Cook",
        "effective_date": "2027-01-15",
        "coverage": "medical",
        "applicant": {"date_of_birth": "1988-02-10", "sex": "female"},
    }
    data = prospect_payload(create_proposal="yes", zip_code="606", quote=quote)
    body = assert_problem(await client.post("/api/v1/prospects", json=data, headers=producer), 422)
    assert pairs(body) == [
        ("create_proposal", "invalid_type"),
        ("zip_code", "prospect.zip_code_invalid"),
        ("quote.effective_date", "quote.effective_date_not_first"),
    ]
    assert (await count(app, Prospect), await count(app, Quote)) == before


async def test_prospect_update_reports_schema_and_r_pro_1_errors_at_once(client, producer) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/prospects", json=prospect_payload(), headers=producer)
    assert r.status_code == 201, r.text
    created = r.json()
    url = f"/api/v1/prospects/{created['id']}"
    r = await client.patch(url, json={"city": ["Chicago"], "state": "ZZ", "first_name": None}, headers=producer)
    body = assert_problem(r, 422, "validation_failed")
    # Fields not sent are not judged (they keep their stored values); null clears, so a required one is refused.
    assert pairs(body) == [
        ("city", "invalid_type"),
        ("first_name", "prospect.required"),
        ("state", "prospect.state_invalid"),
    ]
    after = (await client.get(url, headers=producer)).json()
    assert (after["state"], after["first_name"], after["city"]) == (created["state"], created["first_name"], None)
    # Only domain errors: as before, the whole prospect is checked by R-PRO-1.
    r = await client.patch(url, json={"state": "ZZ"}, headers=producer)
    body = assert_problem(r, 422, "prospect.state_invalid")
    assert pairs(body) == [("state", "prospect.state_invalid")]


async def test_quote_create_reports_schema_and_r_quo_1_errors_at_once(client, app, producer) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, Quote)
    data = quote_body(
        coverage="dental_only",
        zip_code="6060",
        effective_date="2027-01-15",
        spouse={"date_of_birth": "2027-03-01", "sex": "male"},
    )
    body = assert_problem(await client.post("/api/v1/quotes", json=data, headers=producer), 422, "validation_failed")
    assert pairs(body) == [
        ("coverage", "invalid_choice"),
        ("zip_code", "quote.zip_invalid"),
        ("effective_date", "quote.effective_date_not_first"),
        ("spouse.date_of_birth", "quote.born_after_effective_date"),
    ]
    assert_people_messages(body)
    assert await count(app, Quote) == before


async def test_quote_create_effective_date_in_the_past_by_the_app_clock(client, producer) -> None:  # type: ignore[no-untyped-def]
    # The clock is frozen at 2026-11-22: the first of November is past, whatever the day the suite runs.
    data = quote_body(effective_date="2026-11-01")
    del data["applicant"]["sex"]
    body = assert_problem(await client.post("/api/v1/quotes", json=data, headers=producer), 422, "validation_failed")
    assert pairs(body) == [("applicant.sex", "required"), ("effective_date", "quote.effective_date_past")]


async def test_quote_for_a_prospect_is_not_told_its_names_are_missing(client, producer) -> None:  # type: ignore[no-untyped-def]
    data = quote_body(prospect_id=1, county="", dependents="none")
    data["applicant"] = {"date_of_birth": "1988-02-10", "sex": "female"}
    body = assert_problem(await client.post("/api/v1/quotes", json=data, headers=producer), 422, "validation_failed")
    assert pairs(body) == [("dependents", "invalid_type"), ("county", "quote.county_required")]


async def test_quote_create_domain_errors_alone_answer_as_before(client, producer) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/quotes", json=quote_body(zip_code="6060"), headers=producer)
    body = assert_problem(r, 422, "quote.zip_invalid")
    assert pairs(body) == [("zip_code", "quote.zip_invalid")]


async def test_e_question_reports_schema_and_r_eq_1_errors_at_once(client, app, producer) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, EQuestion)
    data = member_specific(subject=42, client_id=None, client_last_name="")
    body = assert_problem(await client.post("/api/v1/e-questions", json=data, headers=producer), 422)
    assert body["code"] == "validation_failed"
    assert pairs(body) == [
        ("subject", "invalid_type"),
        ("client_last_name", "e_question.client_required"),
        ("client_id", "e_question.client_required"),
    ]
    assert_people_messages(body)
    assert await count(app, EQuestion) == before


async def test_e_question_without_a_readable_kind_is_not_judged_on_client_fields(client, producer) -> None:  # type: ignore[no-untyped-def]
    data = member_specific(kind="member", client_id=None, question="")
    body = assert_problem(await client.post("/api/v1/e-questions", json=data, headers=producer), 422)
    assert pairs(body) == [("kind", "invalid_choice"), ("question", "too_short")]


async def test_e_question_domain_errors_alone_answer_as_before(client, producer) -> None:  # type: ignore[no-untyped-def]
    data = member_specific(client_id=None)
    body = assert_problem(await client.post("/api/v1/e-questions", json=data, headers=producer), 422)
    assert body["code"] == "e_question.client_required"
    assert pairs(body) == [("client_id", "e_question.client_required")]


async def test_delegate_create_reports_schema_and_r_del_1_errors_at_once(client, app, producer) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, User)
    data = delegate_payload(username="abc", mobile_number="555-0177", email="not-an-address")
    body = assert_problem(await client.post("/api/v1/delegates", json=data, headers=producer), 422, "validation_failed")
    assert pairs(body) == [
        ("email", "invalid"),
        ("username", "delegate.username_invalid"),
        ("mobile_number", "delegate.mobile_invalid"),
    ]
    assert_people_messages(body)
    assert await count(app, User) == before


async def test_delegate_create_domain_errors_alone(client, producer) -> None:  # type: ignore[no-untyped-def]
    r = await client.post("/api/v1/delegates", json=delegate_payload(mobile_number="555-0177"), headers=producer)
    body = assert_problem(r, 422, "delegate.mobile_invalid")
    assert body["detail"] == "Enter a 10-digit mobile number."
    # Both R-DEL-1 fields wrong: both told at once now (the username alone was told before).
    r = await client.post(
        "/api/v1/delegates", json=delegate_payload(username="abc", mobile_number="555-0177"), headers=producer
    )
    body = assert_problem(r, 422, "validation_failed")
    assert pairs(body) == [("username", "delegate.username_invalid"), ("mobile_number", "delegate.mobile_invalid")]


async def new_application(client, producer) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = await client.post(URL, headers=producer)
    assert r.status_code == 201, r.text
    return r.json()["id"], r.json()["sections"]


async def test_applicant_section_reports_schema_and_r_enr_6_7_errors_at_once(client, producer) -> None:  # type: ignore[no-untyped-def]
    app_id, before = await new_application(client, producer)
    body = applicant(terms_accepted=False, contact={"primary_phone": "555-0100", "phone_type": "pager"})
    body["applicant"] = {**body["applicant"], "sex": "f", "ssn": "12345", "date_of_birth": "2027-01-01"}
    body["home_address"] = {**body["home_address"], "zip_code": "6069x", "county": None}
    problem = assert_problem(await put(client, producer, app_id, "applicant", body), 422, "validation_failed")
    assert problem["detail"] == "The applicant section has missing or invalid fields."
    assert pairs(problem) == [
        ("applicant.sex", "invalid_choice"),
        ("contact.phone_type", "invalid_choice"),
        ("terms_accepted", "enrollment.terms_required"),
        ("applicant.date_of_birth", "enrollment.birth_in_future"),
        ("applicant.ssn", "enrollment.ssn_invalid"),
        ("home_address.zip_code", "enrollment.zip_invalid"),
        ("home_address.county", "enrollment.county_required"),
        ("contact.primary_phone", "enrollment.phone_invalid"),
    ]
    assert_people_messages(problem)
    after = (await client.get(f"{URL}/{app_id}", headers=producer)).json()["sections"]
    assert after == before  # nothing saved


async def test_applicant_section_domain_errors_alone_answer_as_before(client, producer) -> None:  # type: ignore[no-untyped-def]
    app_id, _ = await new_application(client, producer)
    body = applicant()
    body["applicant"] = {**body["applicant"], "ssn": "12345"}
    body["home_address"] = {**body["home_address"], "zip_code": "60601", "county": "Cook"}  # a demo zip code
    problem = assert_problem(await put(client, producer, app_id, "applicant", body), 422, "enrollment.ssn_invalid")
    assert pairs(problem) == [("applicant.ssn", "enrollment.ssn_invalid")]


async def test_household_section_reports_schema_and_r_enr_9_errors_at_once(client, producer) -> None:  # type: ignore[no-untyped-def]
    app_id, _ = await new_application(client, producer)
    kid = HOUSEHOLD["dependents"][0]
    house = {
        **HOUSEHOLD,
        "spouse": {**HOUSEHOLD["spouse"], "date_of_birth": "2026-12-01"},
        "dependents": [{**kid, "sex": "girl"}, {**kid, "ssn": "1"}],
        "language_ethnicity": {"primary": {"spoken_language": "klingon"}},
    }
    problem = assert_problem(await put(client, producer, app_id, "household", house), 422, "validation_failed")
    assert pairs(problem) == [
        ("dependents.0.sex", "invalid_choice"),
        ("language_ethnicity.primary.spoken_language", "enrollment.option_invalid"),
        ("spouse.date_of_birth", "enrollment.birth_in_future"),
        ("dependents.1.ssn", "enrollment.ssn_invalid"),
    ]


async def test_other_coverage_section_reports_schema_and_r_enr_12_errors_at_once(client, producer) -> None:  # type: ignore[no-untyped-def]
    app_id, _ = await new_application(client, producer)
    other = {**OTHER, "proxy_agreed": "maybe", "coverage_replacement": {"replacing": True, "entries": []}}
    problem = assert_problem(await put(client, producer, app_id, "other-coverage", other), 422, "validation_failed")
    assert pairs(problem) == [
        ("proxy_agreed", "invalid_type"),
        ("coverage_replacement.entries", "enrollment.entries_required"),
    ]


async def test_general_section_reports_schema_and_r_enr_4_errors_at_once(client, producer) -> None:  # type: ignore[no-untyped-def]
    app_id, _ = await new_application(client, producer)
    # The clock is frozen at 2026-11-22: a marriage on 2026-12-20 is in the future.
    data = general(is_sep=True, life_events=[{"event_type": "marriage", "event_date": "2026-12-20"}])
    del data["producer_number"]
    problem = assert_problem(await put(client, producer, app_id, "general", data), 422, "validation_failed")
    assert pairs(problem) == [
        ("producer_number", "required"),
        ("life_events.0.event_date", "enrollment.life_event_in_future"),
    ]


async def test_pcp_change_reports_schema_and_r_pcp_3_6_errors_at_once(client, producer, fam) -> None:  # type: ignore[no-untyped-def]
    body = change(fam, [("primary", "Bored"), ("spouse", "Retired")], provider="T127", term_date="2027-06-30")
    body["members"][1]["member_id"] = "spouse"
    body["effective_date"] = "2026-11-01"  # before the frozen clock's 2026-11-22
    problem = assert_problem(await client.post(PCP_URL, headers=producer, json=body), 422, "validation_failed")
    assert pairs(problem) == [
        ("members.1.member_id", "invalid_format"),
        ("term_date", "pcp.term_date_fixed"),
        ("effective_date", "pcp.effective_date_past"),
        ("members.0.reason", "pcp.reason_invalid"),
    ]
    assert_people_messages(problem)


async def test_pcp_change_domain_errors_alone_answer_as_before(client, producer, fam) -> None:  # type: ignore[no-untyped-def]
    body = change(fam, [("primary", "Retired")], provider="T127", term_date="2027-06-30")
    r = await client.post(PCP_URL, headers=producer, json=body)
    assert r.status_code == 200, r.text  # a dry run answers its errors in the result, as before
    assert (r.json()["valid"], [e["code"] for e in r.json()["errors"]]) == (False, ["pcp.term_date_fixed"])


async def test_registration_reports_schema_and_r_auth_1_2_errors_at_once(client, app) -> None:  # type: ignore[no-untyped-def]
    before = await count(app, Registration)
    second = state_registration(state="ZZ", zip_code="6060x", email="nobody")
    data = registration(
        first_name=7, password="ab", password_confirmation="abc", state_registrations=[state_registration(), second]
    )
    problem = assert_problem(await client.post("/api/v1/registrations", json=data), 422, "validation_failed")
    assert [(f, c) for f, c in pairs(problem) if c != "password.policy"] == [
        ("first_name", "invalid_type"),
        ("state_registrations.1.email", "invalid"),
        ("password_confirmation", "password.mismatch"),
        ("state_registrations.1.state", "registration.state_not_offered"),
        ("state_registrations.1.zip_code", "registration.zip_code_invalid"),
    ]
    assert "password" in {e["field"] for e in problem["errors"] if e["code"] == "password.policy"}
    assert_people_messages(problem)
    assert await count(app, Registration) == before


async def test_registration_domain_errors_alone_answer_as_before(client) -> None:  # type: ignore[no-untyped-def]
    data = registration(state_registrations=[state_registration(zip_code="6060x")])
    problem = assert_problem(
        await client.post("/api/v1/registrations", json=data), 422, "registration.zip_code_invalid"
    )
    assert pairs(problem) == [("state_registrations.0.zip_code", "registration.zip_code_invalid")]


async def test_contact_change_reports_schema_and_r_cic_2_errors_at_once(client, producer, book) -> None:  # type: ignore[no-untyped-def]
    url = f"{SEARCH}/{book['jt'].account_number}/contact-info-changes"
    phones = [
        {"type": "home", "number": "312555", "send_text": "often"},
        {"type": "work", "number": "3125550100", "send_text": True},
        {"type": "pager", "number": "3125550101"},
    ]
    problem = assert_problem(await client.post(url, headers=producer, json={"phones": phones, "email": "x"}), 422)
    assert problem["code"] == "validation_failed"
    assert pairs(problem) == [
        ("phones.0.send_text", "invalid_type"),
        ("email", "invalid"),
        ("phones.0.number", "cic.phone_invalid"),
        ("phones.1.send_text", "cic.send_text_cell_only"),
        ("phones.2.type", "cic.phone_type_invalid"),
    ]
    assert_people_messages(problem)
    detail = (await client.get(f"{SEARCH}/{book['jt'].account_number}", headers=producer)).json()
    assert detail["pending_contact_changes"] == []


async def test_contact_change_domain_errors_alone_answer_as_before(client, producer, book) -> None:  # type: ignore[no-untyped-def]
    url = f"{SEARCH}/{book['jt'].account_number}/contact-info-changes"
    phones = [{"type": "home", "number": "312555"}]
    problem = assert_problem(
        await client.post(url, headers=producer, json={"phones": phones}), 422, "cic.phone_invalid"
    )
    assert pairs(problem) == [("phones.0.number", "cic.phone_invalid")]


async def test_a_field_check_that_fails_leaves_the_schema_errors_not_a_500(client, producer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The extra pass is a courtesy: if it breaks on some body, the schema's own 422 still answers."""
    from app.schemas import field_checks

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a field check that failed")

    monkeypatch.setattr(field_checks, "domain_field_errors", broken)
    r = await client.post("/api/v1/prospects", json=prospect_payload(first_name=123, zip_code="6060"), headers=producer)
    body = assert_problem(r, 422, "validation_failed")
    assert pairs(body) == [("first_name", "invalid_type")]

"""Issue 14: the application PDF is the complete signed record, and an application can start from a client of the
book. Both databases; the clock is frozen (tests/conftest.py START = 2026-11-22 15:00 UTC = 09:00 AM CST)."""

from __future__ import annotations

import re
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.domain import application_wording as wording
from app.repositories.orm import Application, AuditEvent
from tests.api.test_enrollments import PLANS, SIGNATURES, URL, applicant, general, put, reference
from tests.factories import make_family, producer_id
from tests.helpers import assert_problem

__all__ = ["reference"]  # the fixture, used by name


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"access_token_minutes": 60 * 24})


FULL_APPLICANT = applicant(
    authorization="in_person",
    terms_accepted=True,
    mailing_address={
        "address1": "PO Box 77",
        "address2": None,
        "city": "Chicago",
        "state": "IL",
        "zip_code": "60690",
        "county": None,
    },
)
FULL_HOUSEHOLD = {
    "hra": {
        "type": "ICHRA",
        "start_date": "2026-12-01",
        "employer_name": "Acme Widgets",
        "monthly_contribution": "250",
    },
    "language_ethnicity": {
        "primary": {"spoken_language": "spa", "written_language": "eng", "ethnicity": ["mexican"], "race": ["white"]}
    },
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
FULL_PLANS = {
    **PLANS,
    "pcp": [{"applicant": "primary", "pcp_number": "T124"}, {"applicant": "spouse", "pcp_number": "T127"}],
}
FULL_OTHER = {
    "coverage_replacement": {
        "replacing": True,
        "entries": [
            {
                "covered_person": "Sam Enroller",
                "insurance_company": "Acme Health",
                "policy_number": "AH-5511",
                "termination_date": "2026-12-31",
            }
        ],
    },
    "other_coverage": {
        "has_other": True,
        "entries": [
            {
                "applicant_name": "Kelly Enroller",
                "name_on_other_policy": None,
                "member_number": "M-77",
                "group_id": "G-9",
            }
        ],
    },
    "proxy_agreed": True,
}
FULL_SIGNATURES = {
    **SIGNATURES,
    "authorized_representative": {
        "first_name": "Pat",
        "middle_initial": None,
        "last_name": "Helper",
        "relationship": "Attorney",
    },
    "payment_option": "pay_later",
}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


async def _submitted_full_application(client, producer, clock) -> tuple[int, dict[str, Any]]:  # type: ignore[no-untyped-def]
    r = await client.post(URL, headers=producer, json={})
    assert r.status_code == 201, r.text
    app_id = r.json()["id"]
    for section, body in (
        ("general", general(is_sep=False, life_events=[{"event_type": "marriage", "event_date": "2026-11-10"}])),
        ("applicant", FULL_APPLICANT),
        ("household", FULL_HOUSEHOLD),
        ("plans", FULL_PLANS),
        ("other-coverage", FULL_OTHER),
        ("signatures", FULL_SIGNATURES),
    ):
        resp = await put(client, producer, app_id, section, body)
        assert resp.status_code == 200, (section, resp.text)
        clock.advance(minutes=5)  # each section saved 5 minutes after the one before
    assert (await client.post(f"{URL}/{app_id}/effective-date", headers=producer)).status_code == 200
    s = await client.post(f"{URL}/{app_id}/submit", headers=producer)
    assert s.status_code == 200 and s.json()["status"] == "submitted", s.text
    return app_id, s.json()


async def test_r_enr_17_issue_14_the_application_pdf_is_the_complete_signed_record(
    client, producer, reference, clock, app
) -> None:  # type: ignore[no-untyped-def]
    app_id, submitted = await _submitted_full_application(client, producer, clock)
    pdf = await client.get(f"{URL}/{app_id}/pdf", headers=producer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    pages = [p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages]
    n = len(pages)
    assert n >= 2
    footer = f"Application {submitted['record_number']} | Producer Dana Demo (220002580), Demo Insurance Agency"
    for i, page in enumerate(pages, start=1):  # page numbers, producer and agency on every page
        assert _flat(page).strip().endswith(f"{footer} Page {i} of {n}"), page[-200:]
    text = _flat(" ".join(_flat(p).replace(footer, "").rsplit(" Page ", 1)[0] for p in pages))
    # application details, producer, SEP with the life event's label
    assert submitted["record_number"] in text and f"Client App ID {submitted['client_app_id']}" in text
    assert "Date Submitted 11/22/2026 09:30 AM CST" in text  # 15:30 UTC in America/Chicago
    assert "Writing Producer Number 220002580" in text and "Agency Demo Insurance Agency" in text
    assert "Special Enrollment (SEP) No" in text and "Life Events Marriage on 11/10/2026" in text
    # form, authorization and the attestation text the producer agreed to
    assert "Application Form Medical/Dental Application" in text
    assert "Authorization Assisting the client in person" in text
    assert _flat(wording.AUTHORIZATION["in_person"]) in text
    # applicant: labels, masked SSN, mailing address, phone and type
    assert "Name Riley Enroller" in text and "Date of Birth 01/01/1987" in text and "SSN ***-**-6789" in text
    assert "Sex Female" in text and "Tobacco Use No" in text
    assert "Home Address 1 Main St, Chicago, IL 60699 (Testcook County)" in text
    assert "Mailing Address PO Box 77, Chicago, IL 60690" in text
    assert "Primary Phone (312) 555-0100 (Mobile)" in text and "Email riley@example.com" in text
    # household: HRA, language/ethnicity, spouse tobacco use, dependents
    assert "HRA Type Individual Coverage HRA (ICHRA)" in text and "Employer Name Acme Widgets" in text
    assert "Monthly Contribution $250.00" in text and "Start Date 12/01/2026" in text
    assert (
        "Primary Applicant (Riley Enroller) Spoken language: Spanish; Written language: English; Ethnicity: Mexican; "
        "Race: White"
    ) in text
    assert "Spouse Sam Enroller 05/01/1987 Male ***-**-4321 Yes" in text  # spouse tobacco use: Yes
    assert "Dependent 1 Kelly Enroller 03/03/2015 Female Not given No" in text
    # plans and PCP per member
    assert (
        "Medical Plan Enroll Test Silver HMO 301 (E-HMO)" in text
        and "Dental Plan Enroll Test Dental 1A (E-DEN)" in text
    )
    assert "Primary Applicant: Riley Enroller T124 Group T124 (Dr Test)" in text
    assert "Spouse: Sam Enroller T127 Group T127 (Dr Test)" in text
    assert "Dependent 1: Kelly Enroller Assigned by the carrier" in text
    # replacement, other coverage, proxy
    assert "Replacing Coverage Yes" in text and "Sam Enroller Acme Health AH-5511 12/31/2026" in text
    assert "Other Coverage Yes" in text and "Kelly Enroller Same M-77 G-9" in text
    assert f"Proxy Statement {wording.PROXY_STATEMENT}" in text
    # signatures step, acknowledgments word for word
    assert (
        "Authorized Representative Pat Helper (Attorney)." in text and "Payment Option Pay Later (bill by mail)" in text
    )
    for ack in wording.ACKNOWLEDGMENTS:
        assert _flat(ack) in text, ack
    assert _flat(wording.TERMS_AND_AGREEMENTS) in text and _flat(wording.FRAUD_WARNING) in text
    # each signature with its date and time (CST): sections saved 09:00, 09:05, ... 09:25; submitted 09:30
    sigs = text[text.rindex("Signed by Statement Date and Time") :]
    assert "Dana Demo (producer 220002580) Authorization: I confirm/attest that I am assisting" in sigs
    assert sigs.count("11/22/2026 09:05 AM CST") == 2  # the attestation and the client's terms (applicant section)
    assert f"{wording.PROXY_STATEMENT} 11/22/2026 09:20 AM CST" in sigs
    assert f"Pat Helper (Attorney) {wording.AUTHORIZED_REPRESENTATIVE} 11/22/2026 09:25 AM CST" in sigs
    assert "Application submitted electronically (producer's signature) 11/22/2026 09:30 AM CST" in sigs
    # no raw codes, no whole SSNs
    for raw in ("medical_dental", "female", "pay_later", "pay later", "marriage", "in_person", "ICHRA ", "dependent:0"):
        assert raw not in text, raw
    assert "123456789" not in text and "987654321" not in text
    async with app.state.ctx.uow() as uow:  # the read is audited (R-MEM-6)
        rows = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(
                        AuditEvent.action == "member.application_pdf", AuditEvent.target_id == str(app_id)
                    )
                )
            )
            .scalars()
            .all()
        )
    assert len(rows) == 1 and rows[0].actor_username == "demoagent"


async def test_r_enr_17_signature_times_follow_portal_display_time_zone(
    app, client, producer, reference, clock, settings
) -> None:  # type: ignore[no-untyped-def]
    app.state.ctx.settings = settings.model_copy(update={"display_time_zone": "America/New_York"})
    try:
        app_id, _ = await _submitted_full_application(client, producer, clock)
        pdf = await client.get(f"{URL}/{app_id}/pdf", headers=producer)
    finally:
        app.state.ctx.settings = settings
    text = _flat("\n".join(p.extract_text() for p in PdfReader(BytesIO(pdf.content)).pages))
    assert "Date Submitted 11/22/2026 10:30 AM EST" in text and "CST" not in text


# --- start from an existing client ---------------------------------------------------------------------------------


async def test_issue_14_r_enr_7_an_application_starts_from_a_client_of_the_book(
    app, client, producer, reference
) -> None:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        pid = await producer_id(uow, "demoagent")
        fam = await make_family(uow, pid, first_name="Nora", last_name="Prefill", children=[date(2016, 4, 4)])
        await uow.commit()
    r = await client.post(URL, headers=producer, json={"account_number": fam.account_number})
    assert r.status_code == 201, r.text
    body = r.json()
    prefill = body["sections"]["prefill"]
    assert prefill["source"] == "account" and prefill["account_number"] == fam.account_number
    assert prefill["applicant"] == {
        "first_name": "Nora",
        "middle_initial": None,
        "last_name": "Prefill",
        "date_of_birth": "1988-02-10",
        "sex": "female",
        "ssn_last4": "1234",
    }
    assert prefill["home"] == {
        "address1": "1 Main St",
        "address2": None,
        "city": "Chicago",
        "state": "IL",
        "zip_code": "60601",
        "county": "Cook",
    }
    assert prefill["contact"] == {
        "primary_phone": "3125550100",
        "phone_type": "landline",
        "email": "jessica@example.com",
    }
    assert prefill["spouse"]["first_name"] == "Sam" and prefill["spouse"]["date_of_birth"] == "1987-05-01"
    assert [d["first_name"] for d in prefill["dependents"]] == ["Kid0"]
    assert body["sections"]["general"] == {"producer_number": "220002580", "is_sep": True, "life_events": []}
    assert body["status"] == "incomplete" and body["applicant_name"] == "Nora Prefill"
    assert body["producer_number"] == "220002580" and body["state"] == "IL" and body["quote_id"] is None
    assert "applicant" not in body["sections"] and "household" not in body["sections"]  # the producer saves them
    async with app.state.ctx.uow() as uow:
        row = await uow.session.get(Application, body["id"])
        events = (
            (
                await uow.session.execute(
                    select(AuditEvent).where(AuditEvent.action.in_(("member.enrollment_prefill", "enrollment.started")))
                )
            )
            .scalars()
            .all()
        )
    assert row.sections["prefill"]["account_number"] == fam.account_number and row.status == "incomplete"
    assert row.applicant_last_name_key == "prefill" and str(row.applicant_date_of_birth) == "1988-02-10"
    read = [e for e in events if e.action == "member.enrollment_prefill"]
    assert len(read) == 1 and read[0].target_type == "account" and read[0].target_id == fam.account_number
    assert read[0].details == {"application_id": body["id"]}
    started = [e for e in events if e.action == "enrollment.started"]
    assert len(started) == 1 and started[0].details == {"account_number": fam.account_number}
    # R-ENR rules still apply when the producer saves the prefilled applicant: the phone and county are checked
    saved = await put(
        client,
        producer,
        body["id"],
        "applicant",
        applicant(
            applicant={**FULL_APPLICANT["applicant"], "first_name": "Nora", "last_name": "Prefill"},
            home_address={**prefill["home"], "county": None},
        ),
    )
    assert_problem(saved, 422, "enrollment.county_required")
    assert [e["field"] for e in saved.json()["errors"]] == ["home_address.county"]


async def test_issue_14_another_producers_client_is_404_and_nothing_is_started(
    app, client, producer, other, reference
) -> None:  # type: ignore[no-untyped-def]
    async with app.state.ctx.uow() as uow:
        theirs = await make_family(uow, await producer_id(uow, "otheragent"), first_name="Tina", last_name="Elsewhere")
        await uow.commit()
    r = await client.post(URL, headers=producer, json={"account_number": theirs.account_number})
    assert_problem(r, 404, "not_found")
    assert theirs.account_number in r.json()["detail"] and "your book" in r.json()["detail"]
    missing = await client.post(URL, headers=producer, json={"account_number": "12"})
    assert_problem(missing, 422, "validation_failed")
    async with app.state.ctx.uow() as uow:
        apps = (await uow.session.execute(select(Application))).scalars().all()
        prefill_reads = (
            (await uow.session.execute(select(AuditEvent).where(AuditEvent.action == "member.enrollment_prefill")))
            .scalars()
            .all()
        )
    assert apps == [] and prefill_reads == []
    # the owner can
    mine = await client.post(URL, headers=other, json={"account_number": theirs.account_number})
    assert mine.status_code == 201 and mine.json()["sections"]["prefill"]["applicant"]["first_name"] == "Tina"

"""Issue 14: one table of labels for the application's closed values; the prefill from a client (R-ENR-7, R-ENR-3)."""

from __future__ import annotations

import typing
from datetime import date

import pytest

from app.domain.client_prefill import ClientFacts, ClientPerson, prefill_sections, primary_phone, writing_number
from app.domain.effective_dates import LifeEvent
from app.domain.labels import LABELS, applicant_label, label, yes_no
from app.schemas import enrollments as schemas

KINDS = {
    (schemas.ApplicantSection, "form_type"): "form_type",
    (schemas.ApplicantSection, "authorization"): "authorization",
    (schemas.Person, "sex"): "sex",
    (schemas.Contact, "phone_type"): "phone_type",
    (schemas.Hra, "type"): "hra_type",
    (schemas.SignaturesSection, "payment_option"): "payment_option",
}


@pytest.mark.parametrize(("field", "kind"), [((m.__name__, f), k) for (m, f), k in KINDS.items()])
def test_issue_14_every_closed_value_of_the_sections_has_a_label(field: tuple[str, str], kind: str) -> None:
    model = getattr(schemas, field[0])
    codes = {a for a in typing.get_args(model.model_fields[field[1]].annotation) if isinstance(a, str)}
    codes |= {a for arg in typing.get_args(model.model_fields[field[1]].annotation) for a in typing.get_args(arg)}
    assert codes and codes <= set(LABELS[kind]), codes - set(LABELS[kind])
    for code in codes:
        assert label(kind, code) and "_" not in label(kind, code)


def test_issue_14_life_events_sex_and_answers_read_as_words() -> None:
    assert {e.value for e in LifeEvent} == set(LABELS["life_event"])
    assert label("life_event", "marriage") == "Marriage" and label("sex", "female") == "Female"
    assert label("form_type", "medical_dental") == "Medical/Dental Application"
    assert label("payment_option", "pay_now") == "Pay Now" and label("sex", None) == ""
    assert yes_no(True) == "Yes" and yes_no(None) == "No"
    assert applicant_label("dependent:0", {"dependent:0": "Kelly T"}) == "Dependent 1 (Kelly T)"
    with pytest.raises(KeyError):
        label("sex", "other")


def _client(**kw: object) -> ClientFacts:
    base: dict[str, object] = dict(
        account_number="730088210",
        primary=ClientPerson("primary", "Jessica", None, "Tester", date(1988, 2, 10), "female", "1234"),
        address1="1 Main St",
        address2="Apt 2",
        city="Chicago",
        state="IL",
        zip_code="60601",
        county="Cook",
        email="j@example.com",
        phone_cell=None,
        phone_home="3125550100",
        phone_work="3125550199",
        members=[
            ClientPerson("spouse", "Sam", None, "Tester", date(1987, 5, 1), "male", None),
            ClientPerson("child", "Kelly", None, "Tester", date(2015, 3, 3), "female", "9999"),
        ],
    )
    base.update(kw)
    return ClientFacts(**base)  # type: ignore[arg-type]


def test_r_enr_7_a_client_prefills_applicant_address_contact_and_household() -> None:
    sections = prefill_sections(_client(), {"220002580": "IL", "110000001": "TX"})
    pre = sections["prefill"]
    assert pre["applicant"]["first_name"] == "Jessica" and pre["applicant"]["date_of_birth"] == "1988-02-10"
    assert pre["home"]["address2"] == "Apt 2" and pre["home"]["county"] == "Cook"
    assert pre["contact"] == {"primary_phone": "3125550100", "phone_type": "landline", "email": "j@example.com"}
    assert pre["spouse"]["first_name"] == "Sam" and [d["first_name"] for d in pre["dependents"]] == ["Kelly"]
    assert sections["general"] == {"producer_number": "220002580", "is_sep": True, "life_events": []}


def test_r_enr_3_no_general_section_without_a_writing_number_in_the_clients_state() -> None:
    assert "general" not in prefill_sections(_client(state="TX"), {"220002580": "IL"})
    assert writing_number({"2": "IL", "1": "IL"}, "IL") == "1"


def test_r_enr_7_the_cell_phone_is_the_mobile_primary_phone() -> None:
    assert primary_phone(_client(phone_cell="3125550111")) == ("3125550111", "mobile")
    assert primary_phone(_client(phone_home=None)) == ("3125550199", "landline")
    assert primary_phone(_client(phone_home=None, phone_work=None)) is None

"""Member search and contact-change rules, pure."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.domain.errors import ValidationFailed
from app.domain.members import (
    NO_CHANGE,
    ContactSnapshot,
    PhoneInput,
    SearchFilters,
    SearchInput,
    build_member_query,
    contact_change_effective_at,
    minor_uses_primary_contact,
    parse_sort,
    plan_contact_change,
    prefix_upper_bound,
)

CURRENT = ContactSnapshot(
    phones={"home": "3125550100", "cell": None, "work": None, "spouse_cell": None, "fax": None}, email="a@example.com"
)


def test_r_mem_3_inputs_are_normalised() -> None:
    q = build_member_query(
        SearchInput(
            last_name="  Van  Der Berg ",
            phone="(312) 555-0100",
            email="A@B.COM",
            date_of_birth="02/10/1988",
            client_app_id="pp97127",
            zip_code="60601-1234",
        )
    )
    assert q.last_name_prefix == "van der berg" and q.phone == "3125550100" and q.email == "a@b.com"
    assert q.date_of_birth == date(1988, 2, 10) and q.client_app_id == "PP97127" and q.zip_code == "60601"


def test_r_mem_3_needs_a_criterion_and_reports_all_bad_values() -> None:
    with pytest.raises(ValidationFailed) as e:
        build_member_query(SearchInput(first_name="", last_name=None))
    assert e.value.code == "search.criteria_required"
    with pytest.raises(ValidationFailed) as e:
        build_member_query(SearchInput(ssn_last4="12345", producer_number="12", date_of_birth="1988-13-01"))
    assert {x.field for x in e.value.errors} == {"ssn_last4", "producer_number", "date_of_birth"}


def test_r_mem_3_prefix_is_a_range() -> None:
    bound = prefix_upper_bound("smi")
    assert "smi" <= "smith" < bound and not ("smj" < bound)


def test_r_mem_4_sort_whitelist() -> None:
    assert parse_sort("last_name,-paid_to_date") == (("last_name", False), ("paid_to_date", True))
    with pytest.raises(ValidationFailed):
        parse_sort("ssn_last4")


def test_r_cic_1_only_primary() -> None:
    with pytest.raises(ValidationFailed) as e:
        plan_contact_change(CURRENT, [], "b@example.com", is_primary=False)
    assert e.value.code == "cic.not_primary"


def test_r_cic_2_phone_needs_a_type() -> None:
    with pytest.raises(ValidationFailed) as e:
        plan_contact_change(CURRENT, [PhoneInput(type=None, number="3125550199")], None, is_primary=True)
    assert e.value.errors[0].code == "cic.phone_type_required"


def test_r_cic_3_no_change_is_refused() -> None:
    with pytest.raises(ValidationFailed) as e:
        plan_contact_change(CURRENT, [PhoneInput(type="home", number="312.555.0100")], "A@example.com", is_primary=True)
    assert e.value.message == NO_CHANGE


def test_r_cic_2_types_map_to_slots_and_texts_only_to_cells() -> None:
    updated = plan_contact_change(
        CURRENT, [PhoneInput(type="cellular", number="3125550199", send_text=True)], None, is_primary=True
    )
    assert updated.phones["cell"] == "3125550199" and updated.details["cell"]["send_text"] is True
    with pytest.raises(ValidationFailed):
        plan_contact_change(
            CURRENT, [PhoneInput(type="home", number="3125550199", send_text=True)], None, is_primary=True
        )


def test_r_cic_4_effective_after_the_delay() -> None:
    now = datetime(2026, 11, 22, 15, 0, tzinfo=UTC)
    assert contact_change_effective_at(now, 240) == datetime(2026, 11, 22, 19, 0, tzinfo=UTC)


def test_r_cic_5_minors_use_the_primarys_contact() -> None:
    today = date(2026, 11, 22)
    assert minor_uses_primary_contact("child", date(2008, 11, 23), today)
    assert not minor_uses_primary_contact("child", date(2008, 11, 22), today)
    assert not minor_uses_primary_contact("spouse", date(2010, 1, 1), today)


def test_r_mem_7_field_cipher_round_trip_and_rotation() -> None:
    from app.adapters.crypto import FieldCipher

    old = FieldCipher("old-key")
    token = old.encrypt("123456789")
    assert "123456789" not in token and old.decrypt(token) == "123456789"
    rotated = FieldCipher("new-key,old-key")
    assert rotated.decrypt(token) == "123456789"
    assert rotated.decrypt(rotated.encrypt("987654321")) == "987654321"
    with pytest.raises(ValueError):
        FieldCipher("other-key").decrypt(token)


def test_r_enr_15_applications_answer_only_applicant_criteria() -> None:
    from app.domain.members import MemberQuery, applications_can_match

    assert applications_can_match(MemberQuery(last_name_prefix="smi", ssn_last4="1234"))
    assert applications_can_match(MemberQuery(e_app_number="123", filters=SearchFilters(status="Submitted")))
    # an application has no account, phones, email or zip yet
    assert not applications_can_match(MemberQuery(account_number="730010001"))
    assert not applications_can_match(MemberQuery(last_name_prefix="smi", phone="3125550100"))
    # column filters only an application could never pass
    assert not applications_can_match(MemberQuery(last_name_prefix="smi", filters=SearchFilters(status="active")))
    assert not applications_can_match(MemberQuery(last_name_prefix="smi", filters=SearchFilters(record_type="policy")))
    assert not applications_can_match(
        MemberQuery(last_name_prefix="smi", filters=SearchFilters(product_type="on-exchange"))
    )
    assert not applications_can_match(MemberQuery(last_name_prefix="smi", filters=SearchFilters(group_number="G1")))


def test_r_mem_4_record_type_filter_keeps_policies_unless_it_asks_for_applications() -> None:
    from app.domain.members import MemberQuery, policies_can_match

    assert policies_can_match(MemberQuery(last_name_prefix="smi"))
    assert policies_can_match(MemberQuery(last_name_prefix="smi", filters=SearchFilters(record_type="Policy")))
    assert not policies_can_match(MemberQuery(last_name_prefix="smi", filters=SearchFilters(record_type="Application")))

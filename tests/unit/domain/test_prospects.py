"""Prospect rules, pure: fields and normalisation, PATCH merges, search criteria, prefix ranges, sorting, ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.errors import ValidationFailed
from app.domain.prospects import (
    DEFAULT_SORT,
    EXPORT_COLUMNS,
    EXPORT_WIDTHS,
    PRINT_WIDTHS,
    ProspectData,
    ProspectQuery,
    ProspectRecord,
    build_prospect_query,
    check_assigned_agent,
    format_phone,
    merge_update,
    parse_ids,
    parse_sort,
    prefix_bounds,
    validate_prospect,
)
from app.domain.text import name_key

REQUIRED = {"first_name": "Jessica", "last_name": "Tester", "state": "IL", "zip_code": "60601"}


def errors_of(exc: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {e.field: e.code for e in exc.value.errors}


# --- R-PRO-1 ---------------------------------------------------------------------------------------------------


def test_r_pro_1_required_fields_alone_make_a_prospect() -> None:
    data = validate_prospect(REQUIRED)
    assert data == ProspectData(first_name="Jessica", last_name="Tester", state="IL", zip_code="60601")
    assert data.keys() == {"first_name_key": "jessica", "last_name_key": "tester", "city_key": None, "email_key": None}


def test_r_pro_1_values_are_normalised() -> None:
    data = validate_prospect(
        {
            **REQUIRED,
            "first_name": "  Mary  Ann ",
            "last_name": "O'Neil",
            "state": "tx",
            "middle_initial": "q",
            "city": " Fort  Worth ",
            "phone": "(312) 555-0100",
            "cell_phone": "1-312-555-0177",
            "email": " Mary@Example.COM ",
            "address2": "  ",
        }
    )
    assert (data.first_name, data.state, data.middle_initial, data.phone, data.cell_phone, data.address2) == (
        "Mary  Ann",
        "TX",
        "Q",
        "3125550100",
        "3125550177",
        None,
    )
    assert data.email == "Mary@Example.COM"
    assert data.keys() == {
        "first_name_key": "mary ann",
        "last_name_key": "o'neil",
        "city_key": "fort worth",
        "email_key": "mary@example.com",
    }


def test_r_pro_1_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_prospect(
            {
                "first_name": " ",
                "state": "XX",
                "zip_code": "606011",
                "middle_initial": "AB",
                "phone": "555",
                "cell_phone": "31255501001",
                "email": "nobody",
                "assigned_agent_number": "22000258A",
                "city": "x" * 101,
            }
        )
    assert errors_of(exc) == {
        "first_name": "prospect.required",
        "last_name": "prospect.required",
        "state": "prospect.state_invalid",
        "zip_code": "prospect.zip_code_invalid",
        "middle_initial": "prospect.middle_initial_invalid",
        "phone": "prospect.phone_invalid",
        "cell_phone": "prospect.phone_invalid",
        "email": "prospect.email_invalid",
        "assigned_agent_number": "prospect.agent_number_invalid",
        "city": "prospect.too_long",
    }
    assert exc.value.code == "validation_failed"
    assert all(e.message for e in exc.value.errors)


@pytest.mark.parametrize("zip_code", ["6060", "60601-1234", "6060A", "606 01"])
def test_r_pro_1_zip_code_is_five_digits(zip_code: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_prospect({**REQUIRED, "zip_code": zip_code})
    assert errors_of(exc) == {"zip_code": "prospect.zip_code_invalid"}
    assert exc.value.code == "prospect.zip_code_invalid"  # a single problem keeps its own code


@pytest.mark.parametrize(
    "number,ok", [("220002580", True), ("22000258", False), ("2200025801", False), ("22000258O", False)]
)
def test_r_pro_1_assigned_agent_is_a_nine_digit_producer_number(number: str, ok: bool) -> None:
    if ok:
        assert validate_prospect({**REQUIRED, "assigned_agent_number": number}).assigned_agent_number == number
    else:
        with pytest.raises(ValidationFailed):
            validate_prospect({**REQUIRED, "assigned_agent_number": number})


def test_r_pro_1_control_characters_are_refused() -> None:
    with pytest.raises(ValidationFailed) as exc:
        validate_prospect({**REQUIRED, "first_name": "Jess\x00ica", "city": "Chi\x1bcago"})
    assert errors_of(exc) == {"first_name": "prospect.invalid_characters", "city": "prospect.invalid_characters"}


def test_r_pro_1_patch_merges_changes_and_names_what_changed() -> None:
    current = validate_prospect({**REQUIRED, "city": "Chicago", "phone": "3125550100"})
    updated, changed = merge_update(current, {"last_name": "Smith", "phone": None, "city": "Chicago"})
    assert (updated.last_name, updated.phone, updated.city, updated.first_name) == ("Smith", None, "Chicago", "Jessica")
    assert changed == ["last_name", "phone"]
    assert merge_update(current, {}) == (current, [])


def test_r_pro_1_patch_cannot_clear_required_fields() -> None:
    current = validate_prospect(REQUIRED)
    with pytest.raises(ValidationFailed) as exc:
        merge_update(current, {"last_name": None, "state": ""})
    assert errors_of(exc) == {"last_name": "prospect.required", "state": "prospect.required"}


def test_r_pro_1_patch_refuses_fields_that_are_not_editable() -> None:
    with pytest.raises(ValidationFailed) as exc:
        merge_update(validate_prospect(REQUIRED), {"producer_id": 3})
    assert exc.value.code == "prospect.field_not_editable"


# --- R-PRO-2 ---------------------------------------------------------------------------------------------------


def test_r_pro_2_no_criteria_means_show_all() -> None:
    assert build_prospect_query({}).is_show_all
    assert build_prospect_query({"last_name": " ", "email": "", "state": None}).is_show_all


def test_r_pro_2_criteria_are_normalised() -> None:
    query = build_prospect_query(
        {
            "first_name": " JO ",
            "last_name": "Mc  Don",
            "city": "CHIC",
            "state": "il",
            "zip_code": "60601",
            "phone": "(312) 555-0100",
            "email": " Bob@Example.COM",
        }
    )
    assert query == ProspectQuery(
        first_name_prefix="jo",
        last_name_prefix="mc don",
        city_prefix="chic",
        state="IL",
        zip_code="60601",
        phone="3125550100",
        email="bob@example.com",
    )
    assert not query.is_show_all


def test_r_pro_2_invalid_criteria_are_reported_together() -> None:
    with pytest.raises(ValidationFailed) as exc:
        build_prospect_query({"state": "Illinois", "zip_code": "606", "phone": "555-0100", "last_name": "a\x00"})
    assert errors_of(exc) == {
        "state": "prospect.state_invalid",
        "zip_code": "prospect.zip_code_invalid",
        "phone": "prospect.phone_invalid",
        "last_name": "prospect.invalid_characters",
    }


@pytest.mark.parametrize(
    "prefix,bounds",
    [
        ("smi", ("smi", "smj")),
        ("a", ("a", "b")),
        ("o'", ("o'", "o(")),
        ("z", ("z", "{")),
        ("ång", ("ång", "ånh")),
        ("ab\U0010ffff", ("ab\U0010ffff", "ac")),
        ("\U0010ffff", ("\U0010ffff", None)),
        ("a\ud7ff", ("a\ud7ff", "a\ue000")),
    ],
)
def test_r_pro_2_a_prefix_is_a_half_open_range(prefix: str, bounds: tuple[str, str | None]) -> None:
    assert prefix_bounds(prefix) == bounds


@pytest.mark.parametrize(
    "key,inside",
    [
        ("smi", True),
        ("smith", True),
        ("smi\U0010ffff", True),
        ("smj", False),
        ("sm", False),
        ("smh~", False),
        ("sn", False),
    ],
)
def test_r_pro_2_the_range_holds_exactly_the_keys_with_the_prefix(key: str, inside: bool) -> None:
    lower, upper = prefix_bounds("smi")
    assert upper is not None
    assert (lower <= key < upper) is inside is key.startswith("smi")


def test_r_pro_2_name_keys_ignore_case_and_spacing() -> None:
    assert name_key("  Van   der BERG ") == "van der berg"
    assert name_key("x" * 150) == "x" * 100  # never longer than the key column


def test_r_pro_2_sort_is_a_whitelist_with_descending_fields() -> None:
    assert parse_sort(None) == parse_sort("") == DEFAULT_SORT == (("last_name", False), ("first_name", False))
    assert parse_sort("last_name,-created_at") == (("last_name", False), ("created_at", True))
    assert parse_sort(" -city , zip_code,city") == (("city", True), ("zip_code", False))
    with pytest.raises(ValidationFailed) as exc:
        parse_sort("last_name,producer_id")
    assert exc.value.code == "prospect.sort_invalid" and exc.value.field == "sort"
    assert "producer_id" in exc.value.message and "created_at" in exc.value.message


# --- R-PRO-3 ---------------------------------------------------------------------------------------------------


def test_r_pro_3_ids_repeated_or_comma_separated() -> None:
    assert parse_ids(None, limit=10) is None
    assert parse_ids(["", " , "], limit=10) is None
    assert parse_ids(["3", "1,2", " 4 , 3 "], limit=10) == [3, 1, 2, 4]
    for bad in (["1,x"], ["0"], ["-1"], ["1" * 19], ["١٢"]):
        with pytest.raises(ValidationFailed) as exc:
            parse_ids(bad, limit=10)
        assert exc.value.code == "prospect.ids_invalid"
    with pytest.raises(ValidationFailed) as exc:
        parse_ids([",".join(str(i) for i in range(1, 12))], limit=10)
    assert exc.value.code == "prospect.too_many_ids"


def test_r_pro_3_export_columns_are_the_screens_with_formatted_values() -> None:
    assert [h for h, _ in EXPORT_COLUMNS] == [
        "First Name",
        "MI",
        "Last Name",
        "Address 1",
        "Address 2",
        "City",
        "State",
        "Zip Code",
        "Phone Number",
        "Cell Phone",
        "Email Address",
        "Created",
    ]
    assert len(EXPORT_WIDTHS) == len(PRINT_WIDTHS) == len(EXPORT_COLUMNS)
    record = ProspectRecord(
        id=1,
        first_name="Jess",
        middle_initial="K",
        last_name="Tester",
        address1="1 Main",
        address2=None,
        city="Chicago",
        state="IL",
        zip_code="60601",
        phone="3125550100",
        cell_phone=None,
        email="j@example.com",
        assigned_agent_number=None,
        created_at=datetime(2026, 1, 2, 23, 30, tzinfo=UTC),
        updated_at=datetime(2026, 1, 3, tzinfo=UTC),
    )
    values = [value(record) for _, value in EXPORT_COLUMNS]
    assert values[:11] == [
        "Jess",
        "K",
        "Tester",
        "1 Main",
        None,
        "Chicago",
        "IL",
        "60601",
        "(312) 555-0100",
        None,
        "j@example.com",
    ]
    assert values[11] == datetime(2026, 1, 2).date()


def test_r_pro_3_phone_format() -> None:
    assert format_phone("3125550100") == "(312) 555-0100"
    assert format_phone(None) is None and format_phone("") is None
    assert format_phone("555") == "555"


def test_r_pro_1_prospect_is_assigned_only_to_the_producers_own_numbers() -> None:
    own = {"220002580": "IL", "220002581": "TX"}
    check_assigned_agent("220002581", own)
    check_assigned_agent(None, own)
    with pytest.raises(ValidationFailed) as err:
        check_assigned_agent("330003690", own)
    assert err.value.code == "prospect.agent_number_not_yours" and err.value.field == "assigned_agent_number"
    assert "220002580, 220002581" in err.value.message and "R-" not in err.value.message

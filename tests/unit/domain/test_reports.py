"""Report rules as pure functions (R-REP-1 .. R-REP-3): date semantics, validation, columns, sorting, cursors."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.errors import ErrorCollector, NotFound, ValidationFailed
from app.domain.reports import (
    MAX_RANGE_DAYS,
    REPORT_TYPES,
    ReportDefinition,
    ReportFilters,
    ReportType,
    anniversary,
    births_turning,
    build_definition,
    build_run,
    check_saved_name,
    columns_for,
    decode_cursor,
    default_sort,
    display_value,
    encode_cursor,
    parse_report_type,
    run_for,
    turns_in_range,
)

NOV = (date(2026, 11, 1), date(2026, 11, 30))


# --- R-REP-1: birthdays -----------------------------------------------------------------------------------------


def test_r_rep_1_the_65th_birthday_is_the_same_day_65_years_later() -> None:
    assert anniversary(date(1961, 11, 1), 65) == date(2026, 11, 1)
    assert anniversary(date(2000, 12, 31), 26) == date(2026, 12, 31)


def test_r_rep_1_february_29_births_turn_65_on_february_28_in_common_years() -> None:
    assert anniversary(date(1964, 2, 29), 65) == date(2029, 2, 28)  # 2029 is a common year
    assert anniversary(date(1963, 2, 28), 65) == date(2028, 2, 28)
    assert anniversary(date(1960, 2, 29), 64) == date(2024, 2, 29)  # a leap year keeps the 29th
    assert anniversary(date(2000, 2, 29), 26) == date(2026, 2, 28)


def test_r_rep_1_births_turning_65_in_a_month_are_that_month_65_years_earlier() -> None:
    assert births_turning(65, *NOV) == (date(1961, 11, 1), date(1961, 11, 30))
    assert births_turning(26, *NOV) == (date(2000, 11, 1), date(2000, 11, 30))


def test_r_rep_1_a_range_ending_on_february_28_of_a_common_year_includes_february_29_births() -> None:
    assert births_turning(65, date(2029, 2, 1), date(2029, 2, 28)) == (date(1964, 2, 1), date(1964, 2, 29))
    assert births_turning(65, date(2029, 3, 1), date(2029, 3, 31)) == (date(1964, 3, 1), date(1964, 3, 31))
    # February 29 of a leap year: nobody born in a common year turns 65 that day
    lo, hi = births_turning(65, date(2028, 2, 29), date(2028, 2, 29))
    assert lo > hi  # an empty range


@pytest.mark.parametrize("age", [26, 65])
def test_r_rep_1_birth_ranges_match_a_day_by_day_check(age: int) -> None:
    """Every range starting or ending around February in leap and common years, against brute force."""
    starts = [date(2026, 1, 1) + timedelta(days=d) for d in range(0, 1200, 7)]
    starts += [
        date(y, m, d)
        for y in (2027, 2028, 2029)
        for m, d in ((2, 27), (2, 28), (2, 29), (3, 1))
        if not (m == 2 and d == 29 and y % 4)
    ]
    for start in starts:
        for length in (0, 1, 2, 29, 30, 365):
            end = start + timedelta(days=length)
            lo, hi = births_turning(age, start, end)
            for offset in range(-3, length + 4):
                day = start + timedelta(days=offset)
                born = anniversary(day, -age) if offset % 5 else date(day.year - age, day.month, 1)
                for b in (born, born + timedelta(days=1), born - timedelta(days=1)):
                    assert (lo <= b <= hi) == turns_in_range(b, age, start, end), (age, start, end, b)


# --- R-REP-1/2: definitions ---------------------------------------------------------------------------------------


def test_r_rep_1_report_types_are_the_eight_of_the_screen() -> None:
    assert REPORT_TYPES == (
        "eapp_start_date",
        "app_signature_date",
        "coverage_effective_date",
        "policy_term_date",
        "current_paid_to_date",
        "initial_payment_not_received",
        "members_approaching_65",
        "members_approaching_26",
        "policy_status",  # issue 15: the Grace Period / Termed check, no date range
    )
    with pytest.raises(NotFound) as exc:
        parse_report_type("members_approaching_70")
    assert exc.value.code == "report.unknown_type" and exc.value.extra["report_types"] == list(REPORT_TYPES)


def test_r_rep_2_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        build_definition(
            "coverage_effective_date",
            "2026-12-01",
            "2026-11-01",
            {"policy_status": "lapsed", "coverage": "vision", "producer_number": "12345", "favourite_color": "blue"},
        )
    assert {(e.field, e.code) for e in exc.value.errors} == {
        ("date_to", "report.range_reversed"),
        ("policy_status", "report.filter_invalid"),
        ("coverage", "report.filter_invalid"),
        ("producer_number", "report.producer_number_invalid"),
        ("favourite_color", "report.filter_unknown"),
    }


def test_r_rep_2_the_range_is_inclusive_and_at_most_366_days() -> None:
    assert MAX_RANGE_DAYS == 366
    leap_year = build_definition("eapp_start_date", "2028-01-01", "2028-12-31")
    assert (leap_year.date_to - leap_year.date_from).days + 1 == 366
    assert build_definition("eapp_start_date", "2026-11-01", "2026-11-01").date_to == date(2026, 11, 1)
    with pytest.raises(ValidationFailed) as exc:
        build_definition("eapp_start_date", "2027-01-01", "2028-01-02")  # 367 days
    assert exc.value.code == "report.range_too_long"


@pytest.mark.parametrize("value", ["11/01/2026", "2026-13-01", "20261101", "2026-W44-1", "", None, "1899-12-31"])
def test_r_rep_2_dates_are_iso_and_bounded(value: str | None) -> None:
    with pytest.raises(ValidationFailed) as exc:
        build_definition("eapp_start_date", value, "2026-11-30")
    assert exc.value.errors[0].field == "date_from"


def test_r_rep_2_filters_normalise_and_defaults_narrow_nothing() -> None:
    d = build_definition(
        "coverage_effective_date",
        "2026-11-01",
        "2026-11-30",
        {
            "policy_status": "grace_period",
            "grandfathered": True,
            "temporary_plan": False,
            "product_name": "  PPO ",
            "exchange": "",
            "coverage": None,
        },
    )
    assert d.filters == ReportFilters(
        policy_status="grace_period", grandfathered="true", temporary_plan="false", product_name="PPO"
    )
    assert d.filters.as_dict() == {
        "policy_status": "grace_period",
        "grandfathered": "true",
        "temporary_plan": "false",
        "product_name": "PPO",
    }
    assert d.filters.policy_status_value() == "Grace Period" and d.filters.grandfathered_value() is True
    assert ReportFilters().as_dict() == {} and ReportFilters().coverage_value() is None


def test_r_rep_2_producer_name_filters_match_the_producer_of_record_in_any_case() -> None:
    assert ReportFilters(producer_first_name="RITA", producer_last_name=" reporter").producer_matches(
        "Rita", "Reporter"
    )
    assert not ReportFilters(producer_last_name="Other").producer_matches("Rita", "Reporter")
    assert ReportFilters().producer_matches("Rita", "Reporter")


def test_r_rep_1_member_reports_count_primaries_and_spouses_for_65_and_children_for_26() -> None:
    d65 = ReportDefinition(ReportType.members_approaching_65, *NOV)
    d26 = ReportDefinition(ReportType.members_approaching_26, *NOV)
    assert d65.relationships == ("primary", "spouse") and d26.relationships == ("child",)
    assert d65.birth_range() == (date(1961, 11, 1), date(1961, 11, 30)) and d65.range_column == "birthday"
    policy = ReportDefinition(ReportType.policy_term_date, *NOV)
    assert policy.range_column == "termed_date" and policy.turning_age is None and not policy.is_member_report


def test_r_rep_3_file_names_carry_the_type_and_range() -> None:
    d = ReportDefinition(ReportType.coverage_effective_date, *NOV)
    assert d.file_name("csv") == "coverage_effective_date-20261101-20261130.csv"


def test_r_rep_3_saved_report_names_are_1_to_100_characters() -> None:
    errors = ErrorCollector()
    assert check_saved_name("  My   report ", errors) == "My report"
    assert check_saved_name("   ", errors) is None and check_saved_name("x" * 101, errors) is None
    assert check_saved_name("bad\x00name", errors) is None
    assert [e.code for e in errors.errors] == [
        "saved_report.name_required",
        "saved_report.name_too_long",
        "saved_report.name_invalid",
    ]
    assert check_saved_name("x" * 100, ErrorCollector()) == "x" * 100


# --- columns ---------------------------------------------------------------------------------------------------


def test_r_rep_2_all_shows_the_status_column_and_a_single_status_does_not() -> None:
    every = columns_for(ReportDefinition(ReportType.coverage_effective_date, *NOV))
    active = columns_for(
        ReportDefinition(ReportType.coverage_effective_date, *NOV, ReportFilters(policy_status="active"))
    )
    assert "Status" in [c.header for c in every] and "Status" not in [c.header for c in active]
    assert [c.header for c in every][:4] == ["Account Number", "Last Name", "First Name", "Coverage Effective Date"]
    assert [c.header for c in every][-2:] == ["Producer Name", "Nine Digit Producer Number"]


def test_r_rep_1_member_report_columns_show_the_member_and_the_birthday() -> None:
    headers = [c.header for c in columns_for(ReportDefinition(ReportType.members_approaching_26, *NOV))]
    assert headers[3:8] == ["Member Last Name", "Member First Name", "Relationship", "Date of Birth", "Turns 26 On"]


def test_r_rep_3_file_cells_use_screen_labels() -> None:
    assert display_value("coverage", "dental") == "Dental"
    assert display_value("relationship", "child") == "Child/Dependent"
    assert display_value("grandfathered", True) == "Yes" and display_value("temporary_plan", False) == "No"
    assert display_value("paid_to_date", date(2026, 11, 1)) == date(2026, 11, 1)  # the writer formats dates
    assert display_value("e_app_number", None) is None


# --- sorting and cursors -----------------------------------------------------------------------------------------


def test_r_rep_3_default_order_is_the_reports_date_then_names() -> None:
    assert default_sort(ReportType.current_paid_to_date)[0] == ("paid_to_date", False)
    assert default_sort(ReportType.members_approaching_65)[0] == ("birthday", False)


def test_r_rep_3_sorting_is_over_a_whitelist() -> None:
    run = build_run(
        "coverage_effective_date", "2026-11-01", "2026-11-30", {}, sort="-paid_to_date, last_name,last_name"
    )
    assert run.sort == (("paid_to_date", True), ("last_name", False))
    with pytest.raises(ValidationFailed) as exc:
        build_run("coverage_effective_date", "2026-11-01", "2026-11-30", {}, sort="birthday")  # member-only key
    assert exc.value.code == "report.sort_invalid"
    with pytest.raises(ValidationFailed) as both:  # a bad sort and a bad date together
        build_run("coverage_effective_date", "2026-11-01", "nope", {}, sort="ssn")
    assert {e.field for e in both.value.errors} == {"date_to", "sort"}


def test_r_rep_3_a_cursor_round_trips_and_is_bound_to_its_report() -> None:
    run = build_run("members_approaching_26", "2026-11-01", "2026-11-30", {"coverage": "medical"})
    token = encode_cursor(run.definition, run.sort, [date(2000, 11, 3), "smith", "kid"], [12, 34])
    again = run_for(run.definition, after=token)
    assert again.cursor is not None
    assert again.cursor.values == (date(2000, 11, 3), "smith", "kid") and again.cursor.ids == (12, 34)
    other = build_run("members_approaching_26", "2026-11-01", "2026-11-30", {"coverage": "dental"})
    for bad in (token[:-3], "!!", "e30", token + "AAAA"):
        with pytest.raises(ValidationFailed) as exc:
            run_for(other.definition if bad == token else run.definition, after=bad)
        assert exc.value.code == "report.cursor_invalid"
    with pytest.raises(ValidationFailed):
        run_for(other.definition, after=token)
    errors = ErrorCollector()
    assert decode_cursor(run.definition, (("last_name", False),), token, errors) is None and errors.errors


# --- issue 15 ------------------------------------------------------------------------------------------------------


def test_r_rep_3_saved_date_window_resolves_against_the_day_the_report_runs() -> None:
    window = {"days_before": 0, "days_after": 365}
    today = date(2026, 11, 22)
    d = build_definition("members_approaching_65", None, None, {}, date_window=window, today=today)
    assert (d.date_from, d.date_to) == (today, date(2027, 11, 22))
    assert d.window is not None and (d.window.days_before, d.window.days_after) == (0, 365)
    later = build_definition("members_approaching_65", None, None, {}, date_window=window, today=date(2027, 3, 1))
    assert (later.date_from, later.date_to) == (date(2027, 3, 1), date(2028, 2, 29))
    past = build_definition(
        "policy_term_date", None, None, {}, date_window={"days_before": 30, "days_after": 0}, today=today
    )
    assert (past.date_from, past.date_to) == (date(2026, 10, 23), today)


@pytest.mark.parametrize(
    ("dates", "window", "code"),
    [
        (("2026-11-01", "2026-11-30"), {"days_before": 0, "days_after": 10}, "report.date_forms"),
        ((None, None), {"days_before": -1, "days_after": 10}, "report.window_invalid"),
        ((None, None), {"days_before": True, "days_after": 10}, "report.window_invalid"),
        ((None, None), {"days_before": 0, "days_after": "10"}, "report.window_invalid"),
        ((None, None), {"days_before": 0, "days_after": 10, "weeks": 1}, "report.window_invalid"),
        ((None, None), {"days_before": 1, "days_after": MAX_RANGE_DAYS - 1}, "report.range_too_long"),
        ((None, None), None, "report.date_required"),
    ],
)
def test_r_rep_3_a_saved_report_takes_dates_or_a_window_exactly_one(dates, window, code) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed) as e:
        build_definition("coverage_effective_date", *dates, {}, date_window=window, today=date(2026, 11, 22))
    assert code in {err.code for err in e.value.errors}


def test_r_rep_1_policy_status_report_has_no_date_range() -> None:
    """Issue 15: the Grace Period / Termed check covers the whole book; dates or a window are refused."""
    d = build_definition("policy_status", None, None, {"policy_status": "grace_period"})
    assert (d.date_from, d.date_to, d.range_column, d.is_dated) == (None, None, None, False)
    assert d.file_name("csv") == "policy_status-grace_period.csv"
    assert default_sort(ReportType.policy_status)[0] == ("paid_to_date", False)
    for dates, window in ((("2026-11-01", "2026-11-30"), None), ((None, None), {"days_before": 0, "days_after": 1})):
        with pytest.raises(ValidationFailed) as e:
            build_definition("policy_status", *dates, {}, date_window=window)
        assert {err.code for err in e.value.errors} == {"report.dates_not_allowed"}


def test_r_rep_2_both_medical_and_dental_is_a_filter_and_all_is_the_default() -> None:
    assert ReportFilters().coverage == "all" and ReportFilters().coverage_value() is None
    assert ReportFilters(coverage="both").coverage_value() == "both"
    assert ReportFilters(coverage="both").as_dict() == {"coverage": "both"}


@pytest.mark.parametrize("kind", list(ReportType))
def test_r_rep_1_term_grace_and_payment_reports_show_the_primarys_phone_and_email(kind: ReportType) -> None:
    dates = (None, None) if kind is ReportType.policy_status else ("2026-11-01", "2026-11-30")
    keys = [c.key for c in columns_for(build_definition(kind, *dates, {}))]
    follow_up = {"policy_term_date", "policy_status", "current_paid_to_date", "initial_payment_not_received"}
    assert ("phone" in keys and "email" in keys) == (kind.value in follow_up)

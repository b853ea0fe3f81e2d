"""Ages and the open-ended date, shared by rating, enrollment, members and PCP changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from app.domain.dates import OPEN_END_DATE, age_on, local_date, local_time


def test_age_counts_whole_years_reached_on_the_day() -> None:
    born = date(1990, 6, 15)
    assert age_on(born, date(2026, 6, 14)) == 35
    assert age_on(born, date(2026, 6, 15)) == 36
    assert age_on(born, born) == 0


def test_a_leap_day_birthday_is_reached_on_1_march_in_a_common_year() -> None:
    born = date(2008, 2, 29)
    assert age_on(born, date(2026, 2, 28)) == 17
    assert age_on(born, date(2026, 3, 1)) == 18
    assert age_on(born, date(2028, 2, 29)) == 20


def test_r_pcp_6_the_open_end_is_31_december_9999() -> None:
    assert OPEN_END_DATE == date(9999, 12, 31) == date.max


def test_times_shown_to_people_are_in_the_producers_time_zone_with_its_abbreviation() -> None:
    winter = datetime(2026, 11, 30, 21, 48, tzinfo=UTC)
    assert local_time(winter, "America/Chicago") == "11/30/2026 03:48 PM CST"
    assert local_time(datetime(2026, 7, 1, 3, 5, tzinfo=UTC), "America/Chicago") == "06/30/2026 10:05 PM CDT"
    assert local_date(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "America/Chicago") == date(2026, 11, 30)

"""R-ENR-5: the effective-date table of effective-dates.md, row by row, with fixed selection dates."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.effective_dates import (
    Event,
    LifeEvent,
    OpenEnrollment,
    calculate_effective_date,
    check_life_events,
    first_of_month_after,
    sep_choice_allowed,
)
from app.domain.errors import ValidationFailed

OE = OpenEnrollment()


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (date(2026, 11, 1), date(2027, 1, 1)),
        (date(2026, 12, 15), date(2027, 1, 1)),
        (date(2026, 12, 16), date(2027, 2, 1)),
        (date(2026, 12, 31), date(2027, 2, 1)),
        (date(2027, 1, 1), date(2027, 2, 1)),
        (date(2027, 1, 15), date(2027, 2, 1)),
    ],
)
def test_r_enr_5_open_enrollment_table(selection: date, expected: date) -> None:
    assert calculate_effective_date(is_sep=False, events=[], selection=selection, open_enrollment=OE) == expected


@pytest.mark.parametrize("selection", [date(2026, 10, 31), date(2027, 1, 16), date(2027, 6, 1)])
def test_r_enr_5_outside_open_enrollment_needs_sep(selection: date) -> None:
    with pytest.raises(ValidationFailed) as e:
        calculate_effective_date(is_sep=False, events=[], selection=selection, open_enrollment=OE)
    assert e.value.code == "enrollment.outside_open_enrollment"
    with pytest.raises(ValidationFailed):
        sep_choice_allowed(requested_is_sep=False, selection=selection, open_enrollment=OE)


def test_r_enr_4_sep_can_be_turned_off_only_in_open_enrollment() -> None:
    sep_choice_allowed(requested_is_sep=False, selection=date(2026, 11, 22), open_enrollment=OE)
    sep_choice_allowed(requested_is_sep=True, selection=date(2027, 6, 1), open_enrollment=OE)


@pytest.mark.parametrize("event", [LifeEvent.birth, LifeEvent.adoption, LifeEvent.foster_care, LifeEvent.court_order])
def test_r_enr_5_birth_family_takes_the_event_date(event: LifeEvent) -> None:
    ev = Event(event, date(2026, 3, 10))
    assert calculate_effective_date(is_sep=True, events=[ev], selection=date(2026, 5, 9), open_enrollment=OE) == date(
        2026, 3, 10
    )  # day 60
    with pytest.raises(ValidationFailed) as e:
        calculate_effective_date(is_sep=True, events=[ev], selection=date(2026, 5, 10), open_enrollment=OE)
    assert e.value.errors[0].code == "enrollment.life_event_outside_window"


def test_r_enr_5_loss_of_coverage_before_and_after() -> None:
    loss = Event(LifeEvent.loss_of_coverage, date(2026, 4, 30))
    # chosen before the loss: first of the month after the loss date
    assert calculate_effective_date(is_sep=True, events=[loss], selection=date(2026, 3, 1), open_enrollment=OE) == date(
        2026, 5, 1
    )
    assert calculate_effective_date(
        is_sep=True, events=[loss], selection=date(2026, 4, 30), open_enrollment=OE
    ) == date(2026, 5, 1)  # same day: first of the month after selection
    assert calculate_effective_date(
        is_sep=True, events=[loss], selection=date(2026, 5, 15), open_enrollment=OE
    ) == date(2026, 6, 1)
    with pytest.raises(ValidationFailed):  # 61 days before
        calculate_effective_date(is_sep=True, events=[loss], selection=date(2026, 2, 28), open_enrollment=OE)
    with pytest.raises(ValidationFailed):  # 61 days after
        calculate_effective_date(is_sep=True, events=[loss], selection=date(2026, 6, 30), open_enrollment=OE)


@pytest.mark.parametrize(
    "event",
    [
        LifeEvent.marriage,
        LifeEvent.death,
        LifeEvent.divorce,
        LifeEvent.income_change,
        LifeEvent.release_from_incarceration,
        LifeEvent.citizenship,
    ],
)
def test_r_enr_5_first_of_month_after_selection_events(event: LifeEvent) -> None:
    ev = Event(event, date(2026, 1, 20))
    assert calculate_effective_date(is_sep=True, events=[ev], selection=date(2026, 1, 31), open_enrollment=OE) == date(
        2026, 2, 1
    )
    assert calculate_effective_date(is_sep=True, events=[ev], selection=date(2026, 3, 21), open_enrollment=OE) == date(
        2026, 4, 1
    )  # day 60
    with pytest.raises(ValidationFailed):
        calculate_effective_date(is_sep=True, events=[ev], selection=date(2026, 3, 22), open_enrollment=OE)
    with pytest.raises(ValidationFailed):
        check_life_events([Event(event, date(2026, 2, 1))], date(2026, 1, 31))  # no future dates


def test_r_enr_5_move_may_be_chosen_60_days_ahead() -> None:
    move = Event(LifeEvent.move, date(2026, 3, 1))
    check_life_events([move], date(2026, 1, 15))
    assert calculate_effective_date(
        is_sep=True, events=[move], selection=date(2026, 1, 15), open_enrollment=OE
    ) == date(2026, 2, 1)


def test_r_enr_5_several_events_earliest_wins_and_bad_ones_are_named() -> None:
    events = [Event(LifeEvent.marriage, date(2026, 5, 1)), Event(LifeEvent.birth, date(2026, 5, 3))]
    assert calculate_effective_date(
        is_sep=True, events=events, selection=date(2026, 5, 20), open_enrollment=OE
    ) == date(2026, 5, 3)
    with pytest.raises(ValidationFailed) as e:
        calculate_effective_date(
            is_sep=True,
            events=[Event(LifeEvent.marriage, date(2025, 1, 1))],
            selection=date(2026, 5, 20),
            open_enrollment=OE,
        )
    assert e.value.errors[0].field == "life_events.0" and "Marriage" in e.value.errors[0].message


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 1, 10), date(2026, 2, 1)),
        (date(2026, 1, 31), date(2026, 2, 1)),
        (date(2026, 2, 1), date(2026, 3, 1)),
        (date(2026, 12, 31), date(2027, 1, 1)),
        (date(2028, 2, 29), date(2028, 3, 1)),
        (date(2028, 2, 28), date(2028, 3, 1)),
    ],
)
def test_r_enr_5_first_of_the_month_after_including_month_ends_and_leap_years(d: date, expected: date) -> None:
    assert first_of_month_after(d) == expected


def test_r_enr_5_leap_day_birth_60_day_window() -> None:
    ev = Event(LifeEvent.birth, date(2028, 2, 29))
    assert calculate_effective_date(is_sep=True, events=[ev], selection=date(2028, 4, 29), open_enrollment=OE) == date(
        2028, 2, 29
    )
    with pytest.raises(ValidationFailed):
        calculate_effective_date(is_sep=True, events=[ev], selection=date(2028, 4, 30), open_enrollment=OE)


def test_r_enr_4_sep_needs_a_life_event() -> None:
    with pytest.raises(ValidationFailed) as e:
        calculate_effective_date(is_sep=True, events=[], selection=date(2026, 5, 1), open_enrollment=OE)
    assert e.value.code == "enrollment.life_event_required"

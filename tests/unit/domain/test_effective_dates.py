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


def test_r_enr_5_move_may_be_chosen_60_days_ahead_and_starts_after_the_move() -> None:
    """R-ENR-5, 45 CFR 155.420(b)(2)(iv): chosen before the move, coverage starts the month after the move."""
    move = Event(LifeEvent.move, date(2026, 3, 1))
    check_life_events([move], date(2026, 1, 15))
    assert calculate_effective_date(
        is_sep=True, events=[move], selection=date(2026, 1, 15), open_enrollment=OE
    ) == date(2026, 4, 1)


@pytest.mark.parametrize(
    ("move_on", "selection", "expected"),
    [
        # issue 14: a move on Dec 20 chosen on Nov 30 gives Jan 1, not Dec 1 (coverage before the move)
        (date(2026, 12, 20), date(2026, 11, 30), date(2027, 1, 1)),
        (date(2026, 12, 20), date(2026, 10, 21), date(2027, 1, 1)),  # day 60 before the move
        (date(2026, 12, 20), date(2026, 12, 20), date(2027, 1, 1)),  # chosen on the day of the move
        (date(2026, 12, 31), date(2026, 12, 1), date(2027, 1, 1)),  # move on a month end
        (date(2026, 12, 1), date(2026, 11, 30), date(2027, 1, 1)),  # move on the first: still the month after
        (date(2026, 12, 20), date(2026, 12, 21), date(2027, 1, 1)),  # chosen after: month after selection
        (date(2026, 12, 20), date(2027, 1, 5), date(2027, 2, 1)),
        (date(2026, 12, 20), date(2027, 2, 18), date(2027, 3, 1)),  # day 60 after the move
    ],
)
def test_r_enr_5_move_table_rows(move_on: date, selection: date, expected: date) -> None:
    """R-ENR-5 (effective-dates.md, permanent move): on or before the move, the first of the month after the move;
    otherwise the first of the month after selection; never before the move."""
    got = calculate_effective_date(
        is_sep=True, events=[Event(LifeEvent.move, move_on)], selection=selection, open_enrollment=OE
    )
    assert got == expected and got > move_on


@pytest.mark.parametrize("selection", [date(2026, 10, 20), date(2027, 2, 19)])
def test_r_enr_5_move_outside_its_60_day_window_is_named(selection: date) -> None:
    with pytest.raises(ValidationFailed) as e:
        calculate_effective_date(
            is_sep=True, events=[Event(LifeEvent.move, date(2026, 12, 20))], selection=selection, open_enrollment=OE
        )
    assert e.value.errors[0].code == "enrollment.life_event_outside_window"
    assert "Permanent move on 12/20/2026" in e.value.errors[0].message


def test_r_enr_5_loss_of_coverage_in_the_future_starts_after_the_loss() -> None:
    """R-ENR-5: a loss dated ahead (like a move) never gives coverage before the event."""
    loss = Event(LifeEvent.loss_of_coverage, date(2026, 12, 20))
    check_life_events([loss], date(2026, 11, 30))
    assert calculate_effective_date(
        is_sep=True, events=[loss], selection=date(2026, 11, 30), open_enrollment=OE
    ) == date(2027, 1, 1)


def test_r_enr_5_earliest_event_wins_with_a_future_move() -> None:
    """R-ENR-5: with several events the earliest resulting date wins (marriage Dec 1 before move Jan 1)."""
    events = [Event(LifeEvent.move, date(2026, 12, 20)), Event(LifeEvent.marriage, date(2026, 11, 10))]
    assert calculate_effective_date(
        is_sep=True, events=events, selection=date(2026, 11, 30), open_enrollment=OE
    ) == date(2026, 12, 1)


@pytest.mark.parametrize(
    "event",
    [LifeEvent.birth, LifeEvent.adoption, LifeEvent.foster_care, LifeEvent.court_order, LifeEvent.marriage],
)
def test_r_enr_5_events_without_a_window_before_cannot_be_in_the_future(event: LifeEvent) -> None:
    with pytest.raises(ValidationFailed) as e:
        check_life_events([Event(event, date(2026, 12, 1))], date(2026, 11, 30))
    assert e.value.errors[0].code == "enrollment.life_event_in_future"


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

"""Coverage effective dates (R-ENR-4, R-ENR-5; ../shared/spec/effective-dates.md). Pure: the selection date
(today, from the injectable clock) is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import ErrorCollector, ValidationFailed


class LifeEvent(StrEnum):
    birth = "birth"
    adoption = "adoption"
    foster_care = "foster_care"
    court_order = "court_order"
    loss_of_coverage = "loss_of_coverage"
    marriage = "marriage"
    move = "move"
    death = "death"
    divorce = "divorce"
    income_change = "income_change"
    release_from_incarceration = "release_from_incarceration"
    citizenship = "citizenship"


EVENT_DATE_IS_EFFECTIVE = {LifeEvent.birth, LifeEvent.adoption, LifeEvent.foster_care, LifeEvent.court_order}
WINDOW_BEFORE = {LifeEvent.loss_of_coverage: 60, LifeEvent.move: 60}  # days before the event it may be chosen
WINDOW_AFTER = 60
LABELS = {
    LifeEvent.birth: "Birth",
    LifeEvent.adoption: "Adoption or placement for adoption",
    LifeEvent.foster_care: "Placement in foster care",
    LifeEvent.court_order: "Court order",
    LifeEvent.loss_of_coverage: "Loss of minimum essential coverage",
    LifeEvent.marriage: "Marriage",
    LifeEvent.move: "Permanent move",
    LifeEvent.death: "Death of an enrollee or dependent",
    LifeEvent.divorce: "Divorce or legal separation",
    LifeEvent.income_change: "Change in income or household",
    LifeEvent.release_from_incarceration: "Release from incarceration",
    LifeEvent.citizenship: "Gaining citizenship or lawful presence",
}


@dataclass(frozen=True)
class OpenEnrollment:
    """Nov 1 - Jan 15 by default; selections through Dec 15 start Jan 1, later ones Feb 1 (settings)."""

    start_month: int = 11
    start_day: int = 1
    jan1_deadline_month: int = 12
    jan1_deadline_day: int = 15
    end_month: int = 1
    end_day: int = 15

    def window_for(self, selection: date) -> tuple[date, date] | None:
        """The open-enrollment window containing `selection`, if any."""
        for year in (selection.year - 1, selection.year):
            start = date(year, self.start_month, self.start_day)
            end = date(year + 1 if self.end_month < self.start_month else year, self.end_month, self.end_day)
            if start <= selection <= end:
                return start, end
        return None

    def is_open(self, selection: date) -> bool:
        return self.window_for(selection) is not None

    def effective_date(self, selection: date) -> date:
        window = self.window_for(selection)
        if window is None:
            raise ValidationFailed(
                "Open enrollment is closed: this must be a special enrollment (SEP) application with a qualifying "
                "life event.",
                code="enrollment.outside_open_enrollment",
                field="is_sep",
            )
        start, _end = window
        next_year = start.year + 1
        deadline = date(start.year, self.jan1_deadline_month, self.jan1_deadline_day)
        return date(next_year, 1, 1) if selection <= deadline else date(next_year, 2, 1)


def first_of_month_after(d: date) -> date:
    """Jan 10 -> Feb 1; Jan 31 -> Feb 1; Feb 1 -> Mar 1."""
    return date(d.year + (d.month == 12), d.month % 12 + 1, 1)


@dataclass(frozen=True)
class Event:
    event_type: LifeEvent
    event_date: date


def sep_effective_date(event: Event, selection: date) -> date:
    """The effective date one qualifying event gives, or 422 naming the event when out of its window."""
    e, d = event.event_type, event.event_date
    earliest = d - timedelta(days=WINDOW_BEFORE.get(e, 0))
    latest = d + timedelta(days=WINDOW_AFTER)
    if not (earliest <= selection <= latest):
        when = (f"from {earliest:%m/%d/%Y} " if e in WINDOW_BEFORE else "") + f"until {latest:%m/%d/%Y}"
        raise ValidationFailed(
            f"{LABELS[e]} on {d:%m/%d/%Y} does not qualify today: it allows enrollment {when}.",
            code="enrollment.life_event_outside_window",
            field="life_events",
        )
    if e in EVENT_DATE_IS_EFFECTIVE:
        return d
    # 45 CFR 155.420(b)(2)(iv): chosen ahead of a loss of coverage, coverage starts the first of the month after
    # the loss; chosen on or before a move, the first of the month after the move (never before the event).
    if e is LifeEvent.loss_of_coverage and selection < d:
        return first_of_month_after(d)
    if e is LifeEvent.move and selection <= d:
        return first_of_month_after(d)
    return first_of_month_after(selection)


def calculate_effective_date(
    *, is_sep: bool, events: list[Event], selection: date, open_enrollment: OpenEnrollment
) -> date:
    """R-ENR-5: open enrollment by selection date; SEP: the earliest date among qualifying events."""
    if not is_sep:
        return open_enrollment.effective_date(selection)
    if not events:
        raise ValidationFailed(
            "A special enrollment application needs at least one life event and its date.",
            code="enrollment.life_event_required",
            field="life_events",
        )
    errors = ErrorCollector()
    dates = []
    for i, ev in enumerate(events):
        try:
            dates.append(sep_effective_date(ev, selection))
        except ValidationFailed as exc:
            errors.add(f"life_events.{i}", exc.code, exc.message)
    if not dates:
        errors.raise_if_any()
    return min(dates)


def check_life_events(events: list[Event], selection: date) -> None:
    """Future event dates are allowed only where the window reaches before the event (loss, move)."""
    errors = ErrorCollector()
    for i, ev in enumerate(events):
        if ev.event_date > selection and ev.event_type not in WINDOW_BEFORE:
            errors.add(
                f"life_events.{i}.event_date",
                "enrollment.life_event_in_future",
                f"{LABELS[ev.event_type]} cannot be dated in the future.",
            )
    errors.raise_if_any()


def sep_choice_allowed(*, requested_is_sep: bool, selection: date, open_enrollment: OpenEnrollment) -> None:
    """R-ENR-4: "is this an SEP application" defaults to yes and can be changed only during open enrollment."""
    if not requested_is_sep and not open_enrollment.is_open(selection):
        raise ValidationFailed(
            "Outside open enrollment every application is a special enrollment (SEP): is_sep must stay true.",
            code="enrollment.sep_required",
            field="is_sep",
        )

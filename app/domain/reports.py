"""Reports (R-REP-1 .. R-REP-3): report types, date semantics, filters, columns, sorting, cursors. Pure code.

Decisions where the spec is silent (documented in the API too):

- Ranges are inclusive (`date_from` .. `date_to`) and at most `MAX_RANGE_DAYS` (366) days long, a constant
  rather than a setting: a leap year fits, and a report page stays a bounded, index-served range of one book.
  Dates are ISO `YYYY-MM-DD` between 1900-01-01 and 2199-12-31.
- `policy_term_date` lists policies whose termination date falls in the range (a termination date is only set
  on a terminated - or terminating - policy); `initial_payment_not_received` lists policies without their
  initial payment, by coverage effective date.
- `members_approaching_65`: covered primaries and spouses whose 65th birthday falls in the range;
  `members_approaching_26`: covered children (dependents, never the spouse) whose 26th birthday does. People
  born on February 29 have their birthday on February 28 in common years (`anniversary`). A member's row is
  one per member and policy (a member on a medical and a dental policy shows twice; filter by coverage for
  one), and a member whose coverage on that policy ended before the range starts is not listed.
- Filters: `policy_status` all (default: every status, and the Status column shows) / active / grace_period /
  termed; `product_name` matches when the name contains the text, any case; `coverage` medical / dental /
  both (default: both kinds of policy); `exchange`, `grandfathered`, `temporary_plan` narrow when given;
  producer names compare with the producer of record (the caller), any case; `producer_number` is the
  writing producer number on the policy.
- An unknown report type is "not found" (404) naming the valid types, as a path that does not exist.
- `policy_status` (issue 15, the seed's "select Policy Status and Submit" Grace Period / Termed check) has no date
  range: the caller's whole book, with the same filters, paging and files; ordered by paid-to date (the oldest
  paid-to date, the most urgent follow-up, first).
- Coverage `both` (R-REP-2 "Both Medical And Dental") lists the policies of accounts that have both a medical and
  a dental policy (any status); `all` (the default) narrows nothing; `medical` / `dental` keep that kind of policy.
- The term, grace and payment reports (policy_term_date, policy_status, current_paid_to_date,
  initial_payment_not_received) carry the primary's phone (cell, else home, else work) and email: the follow-up
  call is the point of those reports.
- A saved report holds fixed dates or a rolling `date_window` ({days_before, days_after}, each 0..366, at most
  366 days in all) resolved against the day it runs (the injected clock's UTC date): "the next 365 days" never
  goes stale. Exactly one of the two forms; `policy_status` takes neither.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from enum import StrEnum

from app.domain.errors import ErrorCollector, NotFound
from app.domain.text import collapse_whitespace, name_key


class ReportType(StrEnum):
    eapp_start_date = "eapp_start_date"
    app_signature_date = "app_signature_date"
    coverage_effective_date = "coverage_effective_date"
    policy_term_date = "policy_term_date"
    current_paid_to_date = "current_paid_to_date"
    initial_payment_not_received = "initial_payment_not_received"
    members_approaching_65 = "members_approaching_65"
    members_approaching_26 = "members_approaching_26"
    policy_status = "policy_status"


REPORT_TYPES = tuple(t.value for t in ReportType)
# Reports without a date range (issue 15): the whole book, narrowed by the filters.
UNDATED = frozenset({ReportType.policy_status})
DATED_REPORT_TYPES = tuple(t.value for t in ReportType if t not in UNDATED)
# The follow-up reports whose rows carry the primary's phone and email (issue 15).
CONTACT_REPORTS = frozenset(
    {
        ReportType.policy_term_date,
        ReportType.policy_status,
        ReportType.current_paid_to_date,
        ReportType.initial_payment_not_received,
    }
)
# R-REP-1: the names on the Create Report screen.
TITLES = {
    ReportType.eapp_start_date: "eApp Start Date",
    ReportType.app_signature_date: "App Signature Date",
    ReportType.coverage_effective_date: "Coverage Effective Date",
    ReportType.policy_term_date: "Policy Term Date",
    ReportType.current_paid_to_date: "Current Paid to Date",
    ReportType.initial_payment_not_received: "Initial Payment Not Received",
    ReportType.members_approaching_65: "Members Approaching 65",
    ReportType.members_approaching_26: "Members Approaching 26",
    ReportType.policy_status: "Policy Status",
}
# Member reports: the birthday age and whose birthday counts.
TURNING_AGE = {ReportType.members_approaching_65: 65, ReportType.members_approaching_26: 26}
RELATIONSHIPS = {65: ("primary", "spouse"), 26: ("child",)}
# Policy reports: the policy date (a row key) the range applies to.
RANGE_COLUMN = {
    ReportType.eapp_start_date: "eapp_start_date",
    ReportType.app_signature_date: "app_signature_date",
    ReportType.coverage_effective_date: "coverage_effective_date",
    ReportType.policy_term_date: "termed_date",
    ReportType.current_paid_to_date: "paid_to_date",
    ReportType.initial_payment_not_received: "coverage_effective_date",
}

MAX_RANGE_DAYS = 366
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)
# Files hold every row of a report, up to this many; a larger report answers 422 (narrow the range or filter).
EXPORT_MAX_ROWS = 100_000
SAVED_NAME_MAX = 100
ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
PRODUCER_NUMBER_RE = re.compile(r"^[0-9]{9}$")
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

# R-REP-2 filter values (API value -> stored value; None: no narrowing).
APPLICATION_STATUSES: dict[str, str | None] = {
    "all": None,
    "submitted": "Submitted",
    "pending": "Pending",
    "approved": "Approved",
    "declined": "Declined",
    "withdrawn": "Withdrawn",
}
POLICY_STATUSES: dict[str, str | None] = {
    "all": None,
    "active": "Active",
    "grace_period": "Grace Period",
    "termed": "Termed",
}
EXCHANGES: dict[str, str | None] = {"all": None, "on": "on", "off": "off"}
YES_NO_ALL: dict[str, bool | None] = {"all": None, "true": True, "false": False}
COVERAGES: dict[str, str | None] = {"all": None, "medical": "medical", "dental": "dental", "both": "both"}
ENUM_FILTERS: dict[str, Mapping[str, object]] = {
    "application_status": APPLICATION_STATUSES,
    "policy_status": POLICY_STATUSES,
    "exchange": EXCHANGES,
    "grandfathered": YES_NO_ALL,
    "coverage": COVERAGES,
    "temporary_plan": YES_NO_ALL,
}
TEXT_FILTERS = {"product_name": 100, "producer_first_name": 100, "producer_last_name": 100, "producer_number": 9}
FILTER_NAMES = (
    "application_status",
    "policy_status",
    "product_name",
    "exchange",
    "grandfathered",
    "coverage",
    "temporary_plan",
    "producer_first_name",
    "producer_last_name",
    "producer_number",
)


# --- date semantics (R-REP-1) -------------------------------------------------------------------------------


def _same_day_years_later(day: date, years: int) -> date:
    """`day` moved by `years` (negative: back); February 29 becomes February 28 in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def anniversary(born: date, age: int) -> date:
    """The day someone born on `born` turns `age`: February 29 births turn `age` on February 28 in common years."""
    return _same_day_years_later(born, age)


def births_turning(age: int, date_from: date, date_to: date) -> tuple[date, date]:
    """The inclusive range of birth dates whose `age`-th birthday falls in `date_from`..`date_to`.

    `anniversary` never decreases as the birth date grows, so the answer is one interval: roughly the range
    moved back `age` years, nudged by a day where February 29 makes the plain shift wrong.
    """
    one = timedelta(days=1)
    lo = _same_day_years_later(date_from, -age)
    while anniversary(lo, age) < date_from:
        lo += one
    while anniversary(lo - one, age) >= date_from:
        lo -= one
    hi = _same_day_years_later(date_to, -age)
    while anniversary(hi, age) > date_to:
        hi -= one
    while anniversary(hi + one, age) <= date_to:
        hi += one
    return lo, hi


def turns_in_range(born: date, age: int, date_from: date, date_to: date) -> bool:
    return date_from <= anniversary(born, age) <= date_to


# --- the report definition ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """R-REP-2 filters, validated and normalised (API values; defaults narrow nothing)."""

    application_status: str = "all"
    policy_status: str = "all"
    product_name: str | None = None
    exchange: str = "all"
    grandfathered: str = "all"
    coverage: str = "all"
    temporary_plan: str = "all"
    producer_first_name: str | None = None
    producer_last_name: str | None = None
    producer_number: str | None = None

    @property
    def shows_status(self) -> bool:
        """R-REP-2: "All shows the status column" (a single status needs no column)."""
        return self.policy_status == "all"

    def as_dict(self) -> dict[str, str]:
        """The filters that narrow (non-default values), for saving, cursors and the audit log."""
        defaults = ReportFilters()
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) != getattr(defaults, f.name)
        }

    def application_status_value(self) -> str | None:
        return APPLICATION_STATUSES[self.application_status]

    def policy_status_value(self) -> str | None:
        return POLICY_STATUSES[self.policy_status]

    def exchange_value(self) -> str | None:
        return EXCHANGES[self.exchange]

    def grandfathered_value(self) -> bool | None:
        return YES_NO_ALL[self.grandfathered]

    def temporary_plan_value(self) -> bool | None:
        return YES_NO_ALL[self.temporary_plan]

    def coverage_value(self) -> str | None:
        return COVERAGES[self.coverage]

    def producer_matches(self, first_name: str, last_name: str) -> bool:
        """The caller is the producer of record of every row: a producer-name filter matches all or nothing."""
        return (self.producer_first_name is None or name_key(self.producer_first_name) == name_key(first_name)) and (
            self.producer_last_name is None or name_key(self.producer_last_name) == name_key(last_name)
        )


@dataclass(frozen=True)
class DateWindow:
    """A saved report's rolling range (issue 15): from `days_before` the day it runs to `days_after` it."""

    days_before: int
    days_after: int

    def resolve(self, today: date) -> tuple[date, date]:
        return today - timedelta(days=self.days_before), today + timedelta(days=self.days_after)


@dataclass(frozen=True)
class ReportDefinition:
    """What to report: a type, an inclusive date range (none for `policy_status`) and the filters (R-REP-1/2).

    `window` is set when the range was resolved from a saved report's rolling window."""

    report_type: ReportType
    date_from: date | None
    date_to: date | None
    filters: ReportFilters = ReportFilters()
    window: DateWindow | None = None

    @property
    def is_dated(self) -> bool:
        return self.report_type not in UNDATED

    @property
    def shows_contact(self) -> bool:
        return self.report_type in CONTACT_REPORTS

    @property
    def title(self) -> str:
        return TITLES[self.report_type]

    @property
    def is_member_report(self) -> bool:
        return is_member_report(self.report_type)

    @property
    def turning_age(self) -> int | None:
        return TURNING_AGE.get(self.report_type)

    @property
    def relationships(self) -> tuple[str, ...]:
        age = self.turning_age
        return RELATIONSHIPS[age] if age is not None else ()

    @property
    def range_column(self) -> str | None:
        """The row key the date range applies to (`birthday` for the member reports; None when undated)."""
        return "birthday" if self.is_member_report else RANGE_COLUMN.get(self.report_type)

    def birth_range(self) -> tuple[date, date]:
        age = self.turning_age
        assert age is not None and self.date_from is not None and self.date_to is not None, "member reports only"
        return births_turning(age, self.date_from, self.date_to)

    def file_name(self, extension: str) -> str:
        """`coverage_effective_date-20261101-20261130.csv`; undated: `policy_status-grace_period.csv`."""
        if self.date_from is None or self.date_to is None:
            return f"{self.report_type.value}-{self.filters.policy_status}.{extension}"
        return f"{self.report_type.value}-{self.date_from:%Y%m%d}-{self.date_to:%Y%m%d}.{extension}"


def unknown_report_type(value: str) -> NotFound:
    return NotFound(
        f"There is no report {value[:40]!r}. Reports: {', '.join(REPORT_TYPES)}.",
        code="report.unknown_type",
        extra={"report_types": list(REPORT_TYPES)},
    )


def parse_report_type(value: str) -> ReportType:
    """A path's report type; an unknown one is a resource that does not exist (404 naming the valid ones)."""
    try:
        return ReportType(value)
    except ValueError:
        raise unknown_report_type(value) from None


def _parse_date(value: object, name: str, errors: ErrorCollector) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.add(name, "report.date_required", f"{_label(name)} is required (YYYY-MM-DD).")
        return None
    parsed: date | None = value if isinstance(value, date) else None
    if parsed is None:
        text = str(value).strip()
        if ISO_DATE_RE.match(text):
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                parsed = None
        if parsed is None:
            errors.add(name, "report.date_invalid", f"{_label(name)} {text[:20]!r} is not a date: use YYYY-MM-DD.")
            return None
    day: date = parsed
    if not MIN_DATE <= day <= MAX_DATE:
        errors.add(
            name,
            "report.date_out_of_range",
            f"{_label(name)} must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}.",
        )
        return None
    return day


def _label(name: str) -> str:
    return {"date_from": "From date", "date_to": "To date"}.get(name, name.replace("_", " ").capitalize())


def _normalise_filter(name: str, raw: object, errors: ErrorCollector, prefix: str) -> str | None:
    if raw is None:
        return None
    if isinstance(raw, bool) and name in ("grandfathered", "temporary_plan"):
        return "true" if raw else "false"  # a JSON body may say true / false
    text = str(raw).strip()
    if not text:
        return None
    field_name = prefix + name
    if name in ENUM_FILTERS:
        allowed = ENUM_FILTERS[name]
        if text not in allowed:
            errors.add(field_name, "report.filter_invalid", f"{_label(name)} must be one of: {', '.join(allowed)}.")
            return None
        return text
    if CONTROL_RE.search(text):
        errors.add(field_name, "report.filter_invalid", f"{_label(name)} contains control characters.")
        return None
    if len(text) > TEXT_FILTERS[name]:
        errors.add(
            field_name, "report.filter_too_long", f"{_label(name)} can be at most {TEXT_FILTERS[name]} characters."
        )
        return None
    if name == "producer_number" and not PRODUCER_NUMBER_RE.match(text):
        errors.add(field_name, "report.producer_number_invalid", "The producer number is exactly nine digits.")
        return None
    return text


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_window(value: Mapping[str, object], errors: ErrorCollector) -> DateWindow | None:
    """A rolling window: whole days before and after the run day, each 0..366, at most MAX_RANGE_DAYS in all."""
    unknown = sorted(k for k in value if k not in ("days_before", "days_after"))
    for name in unknown:
        errors.add(f"date_window.{name}"[:80], "report.window_invalid", "A date window has days_before and days_after.")
    days: dict[str, int] = {}
    for name in ("days_before", "days_after"):
        raw = value.get(name)
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_RANGE_DAYS:
            errors.add(
                f"date_window.{name}",
                "report.window_invalid",
                f"{name.replace('_', ' ').capitalize()} is a whole number of days from 0 to {MAX_RANGE_DAYS}.",
            )
        else:
            days[name] = raw
    if unknown or len(days) != 2:
        return None
    if days["days_before"] + days["days_after"] + 1 > MAX_RANGE_DAYS:
        errors.add(
            "date_window",
            "report.range_too_long",
            f"A report covers at most {MAX_RANGE_DAYS} days; days_before + days_after must be at most "
            f"{MAX_RANGE_DAYS - 1}.",
        )
        return None
    return DateWindow(days["days_before"], days["days_after"])


def check_definition(
    report_type: ReportType | str,
    date_from: object,
    date_to: object,
    filters: Mapping[str, object] | None,
    errors: ErrorCollector,
    *,
    filter_prefix: str = "",
    date_window: Mapping[str, object] | None = None,
    today: date | None = None,
) -> ReportDefinition | None:
    """Validate a report definition, adding every problem to `errors`; the definition when there is none.

    A report type that is not one of ours is a field error here (a saved report's body); the run route turns
    it into 404 before calling this (`parse_report_type`). Dated reports take `date_from` and `date_to`, or a
    `date_window` resolved against `today` (exactly one form); `policy_status` takes neither (issue 15).
    """
    kind: ReportType | None
    try:
        kind = ReportType(report_type)
    except ValueError:
        errors.add("report_type", "report.unknown_type", f"Report type must be one of: {', '.join(REPORT_TYPES)}.")
        kind = None
    start: date | None = None
    end: date | None = None
    window: DateWindow | None = None
    dates_given = not (_blank(date_from) and _blank(date_to))
    if kind is not None and kind in UNDATED:
        if dates_given or date_window is not None:
            errors.add(
                "date_window" if date_window is not None else "date_from",
                "report.dates_not_allowed",
                f"The {TITLES[kind]} report covers your whole book: leave out date_from, date_to and date_window.",
            )
    elif date_window is not None:
        if dates_given:
            errors.add(
                "date_window",
                "report.date_forms",
                "Give either date_from and date_to, or date_window - not both.",
            )
        window = check_window(date_window, errors)
        if window is not None and today is not None:
            start, end = window.resolve(today)
    else:
        start = _parse_date(date_from, "date_from", errors)
        end = _parse_date(date_to, "date_to", errors)
    if start is not None and end is not None:
        if start > end:
            errors.add("date_to", "report.range_reversed", "The To date must be on or after the From date.")
        elif (end - start).days + 1 > MAX_RANGE_DAYS:
            errors.add(
                "date_to",
                "report.range_too_long",
                f"A report covers at most {MAX_RANGE_DAYS} days; shorten the From-To range.",
            )
    given = dict(filters or {})
    unknown = sorted(k for k in given if k not in FILTER_NAMES)
    for name in unknown:
        errors.add(
            filter_prefix + name,
            "report.filter_unknown",
            f"Unknown filter {name[:40]!r}; filters: {', '.join(FILTER_NAMES)}.",
        )
    clean: dict[str, str] = {}
    for name in FILTER_NAMES:
        value = _normalise_filter(name, given.get(name), errors, filter_prefix)
        if value is not None:
            clean[name] = value
    if errors.errors or kind is None:
        return None
    if kind not in UNDATED and (start is None or end is None):
        return None  # a window without a day to resolve it against: validated only
    return ReportDefinition(kind, start, end, ReportFilters(**clean), window)


def build_definition(
    report_type: ReportType | str,
    date_from: object,
    date_to: object,
    filters: Mapping[str, object] | None = None,
    *,
    date_window: Mapping[str, object] | None = None,
    today: date | None = None,
) -> ReportDefinition:
    """Validate a report definition; every problem at once (422)."""
    errors = ErrorCollector()
    definition = check_definition(
        report_type, date_from, date_to, filters, errors, date_window=date_window, today=today
    )
    errors.raise_if_any("Some report parameters are missing or invalid")
    assert definition is not None
    return definition


def check_saved_name(name: str, errors: ErrorCollector) -> str | None:
    """A saved report's name: 1 to 100 characters after trimming, no control characters."""
    text = collapse_whitespace(name)
    if not text:
        errors.add("name", "saved_report.name_required", "Give the report a name.")
        return None
    if len(text) > SAVED_NAME_MAX:
        errors.add("name", "saved_report.name_too_long", f"A report name is at most {SAVED_NAME_MAX} characters.")
        return None
    if CONTROL_RE.search(text):
        errors.add("name", "saved_report.name_invalid", "The report name contains control characters.")
        return None
    return text


# --- rows and columns ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One report row: a policy (policy reports) or a covered member on a policy (member reports)."""

    policy_id: int
    account_number: str
    last_name: str
    first_name: str
    e_app_number: str | None
    client_app_id: str | None
    pending_application_id: str | None
    group_number: str
    member_count: int
    product_type: str
    product_name: str
    coverage: str
    network_type: str
    exchange: str
    grandfathered: bool
    temporary_plan: bool
    status: str
    application_status: str | None
    initial_payment_received: bool
    coverage_effective_date: date
    paid_to_date: date | None
    termed_date: date | None
    app_signature_date: date | None
    eapp_start_date: date | None
    producer_number: str
    producer_name: str = ""
    phone: str | None = None
    email: str | None = None
    member_id: int | None = None
    member_first_name: str | None = None
    member_last_name: str | None = None
    relationship: str | None = None
    date_of_birth: date | None = None
    birthday: date | None = None
    turning_age: int | None = None


# Headers as on screen: the "View Search Results" table and the Create Report names.
HEADERS = {
    "account_number": "Account Number",
    "last_name": "Last Name",
    "first_name": "First Name",
    "phone": "Phone",
    "email": "Email",
    "member_last_name": "Member Last Name",
    "member_first_name": "Member First Name",
    "relationship": "Relationship",
    "date_of_birth": "Date of Birth",
    "e_app_number": "E-App Number",
    "client_app_id": "Client App ID",
    "pending_application_id": "Pending Application ID",
    "member_count": "Member Count",
    "group_number": "Group Number",
    "status": "Status",
    "application_status": "Application Status",
    "product_type": "Product Type",
    "product_name": "Product Name",
    "coverage": "Coverage",
    "grandfathered": "Grandfathered",
    "temporary_plan": "Temporary Plan",
    "initial_payment_received": "Initial Payment Received",
    "coverage_effective_date": "Coverage Effective Date",
    "paid_to_date": "Paid To Date",
    "termed_date": "Policy Term Date",
    "app_signature_date": "App Signature Date",
    "eapp_start_date": "eApp Start Date",
    "producer_name": "Producer Name",
    "producer_number": "Nine Digit Producer Number",
}
_CLIENT = ("account_number", "last_name", "first_name")
_POLICY = ("e_app_number", "client_app_id", "member_count", "group_number", "product_type", "product_name", "coverage")
_PRODUCER = ("producer_name", "producer_number")
# Per report: the report's own dates first after the client, then the policy (status only with "All").
_DATES: dict[ReportType, tuple[str, ...]] = {
    ReportType.eapp_start_date: (
        "eapp_start_date",
        "app_signature_date",
        "application_status",
        "coverage_effective_date",
    ),
    ReportType.app_signature_date: (
        "app_signature_date",
        "eapp_start_date",
        "application_status",
        "coverage_effective_date",
    ),
    ReportType.coverage_effective_date: ("coverage_effective_date", "paid_to_date", "termed_date"),
    ReportType.policy_term_date: ("termed_date", "coverage_effective_date", "paid_to_date"),
    ReportType.current_paid_to_date: ("paid_to_date", "coverage_effective_date", "termed_date"),
    ReportType.initial_payment_not_received: (
        "coverage_effective_date",
        "application_status",
        "pending_application_id",
        "app_signature_date",
        "initial_payment_received",
    ),
    ReportType.members_approaching_65: ("coverage_effective_date", "paid_to_date", "termed_date"),
    ReportType.members_approaching_26: ("coverage_effective_date", "paid_to_date", "termed_date"),
    ReportType.policy_status: ("paid_to_date", "coverage_effective_date", "termed_date"),
}


@dataclass(frozen=True)
class ReportColumn:
    key: str
    header: str


def columns_for(definition: ReportDefinition) -> list[ReportColumn]:
    """The columns of a report, in screen order, with their headers (R-REP-2: Status only when "All")."""
    keys: list[str] = list(_CLIENT)
    age = definition.turning_age
    if age is not None:
        keys += ["member_last_name", "member_first_name", "relationship", "date_of_birth", "birthday"]
    keys += list(_DATES[definition.report_type])
    if definition.shows_contact:  # issue 15: the follow-up call, right after the report's own dates
        keys += ["phone", "email"]
    keys += list(_POLICY)
    if definition.filters.shows_status:
        keys.append("status")
    keys += list(_PRODUCER)
    return [ReportColumn(k, f"Turns {age} On" if k == "birthday" else HEADERS[k]) for k in keys]


_COVERAGE_LABELS = {"medical": "Medical", "dental": "Dental"}
_RELATIONSHIP_LABELS = {"primary": "Primary", "spouse": "Spouse", "child": "Child/Dependent"}


def display_value(key: str, value: object) -> object:
    """A cell of a file: labels as on screen, Yes/No for flags; dates stay dates (the writer formats them)."""
    if value is None:
        return None
    if key == "coverage":
        return _COVERAGE_LABELS.get(str(value), str(value))
    if key == "relationship":
        return _RELATIONSHIP_LABELS.get(str(value), str(value))
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


# --- sorting and cursors -------------------------------------------------------------------------------------

POLICY_SORTABLE = (
    "account_number",
    "last_name",
    "first_name",
    "e_app_number",
    "client_app_id",
    "group_number",
    "member_count",
    "product_type",
    "product_name",
    "coverage",
    "status",
    "application_status",
    "coverage_effective_date",
    "paid_to_date",
    "termed_date",
    "app_signature_date",
    "eapp_start_date",
    "producer_number",
)
MEMBER_SORTABLE = (
    *POLICY_SORTABLE,
    "member_last_name",
    "member_first_name",
    "relationship",
    "date_of_birth",
    "birthday",
)
DATE_KEYS = frozenset(
    {
        "coverage_effective_date",
        "paid_to_date",
        "termed_date",
        "app_signature_date",
        "eapp_start_date",
        "date_of_birth",
        "birthday",
    }
)
INT_KEYS = frozenset({"member_count"})

Sort = tuple[tuple[str, bool], ...]


def is_member_report(kind: ReportType) -> bool:
    return kind in TURNING_AGE


def sortable(kind: ReportType) -> tuple[str, ...]:
    return MEMBER_SORTABLE if is_member_report(kind) else POLICY_SORTABLE


def default_sort(kind: ReportType) -> Sort:
    """The report's own date first (the birthday for member reports), then names."""
    if is_member_report(kind):
        return (("birthday", False), ("member_last_name", False), ("member_first_name", False))
    return ((RANGE_COLUMN.get(kind, "paid_to_date"), False), ("last_name", False), ("first_name", False))


def check_sort(kind: ReportType, sort: str | None, errors: ErrorCollector) -> Sort:
    """`sort=last_name,-paid_to_date` over the report's whitelist; a repeated key counts once."""
    if sort is None or not sort.strip():
        return default_sort(kind)
    allowed = sortable(kind)
    keys: list[tuple[str, bool]] = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in allowed:
            errors.add(
                "sort",
                "report.sort_invalid",
                f"Cannot sort this report by {name[:40]!r}. Sort by: {', '.join(allowed)}; a leading '-' "
                "sorts descending.",
            )
            return default_sort(kind)
        if name not in {k for k, _ in keys}:
            keys.append((name, descending))
    return tuple(keys) or default_sort(kind)


def fingerprint(definition: ReportDefinition, sort: Sort) -> str:
    """Ties a cursor to the report it came from: a cursor of another report or order is refused."""
    raw = json.dumps(
        [
            definition.report_type.value,
            definition.date_from.isoformat() if definition.date_from else None,
            definition.date_to.isoformat() if definition.date_to else None,
            sorted(definition.filters.as_dict().items()),
            [list(k) for k in sort],
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _json_value(key: str, value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def encode_cursor(definition: ReportDefinition, sort: Sort, values: Sequence[object], ids: Sequence[int]) -> str:
    """An opaque `after` token: the last row's sort values and ids, bound to this report and order."""
    payload = {
        "f": fingerprint(definition, sort),
        "v": [_json_value(k, v) for (k, _), v in zip(sort, values, strict=True)],
        "i": list(ids),
    }
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


@dataclass(frozen=True)
class Cursor:
    """Where the previous page ended: its last row's sort values (typed) and ids."""

    values: tuple[object, ...]
    ids: tuple[int, ...]


def decode_cursor(definition: ReportDefinition, sort: Sort, token: str, errors: ErrorCollector) -> Cursor | None:
    def bad(message: str = "The `after` cursor is not one this report gave out; start again from page 1.") -> None:
        errors.add("after", "report.cursor_invalid", message)

    try:
        padded = token + "=" * (-len(token) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        bad()
        return None
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("v"), list)
        or not isinstance(payload.get("i"), list)
    ):
        bad()
        return None
    if payload.get("f") != fingerprint(definition, sort):
        bad("The `after` cursor belongs to another report, range, filter or sort; start again from page 1.")
        return None
    raw_values, raw_ids = payload["v"], payload["i"]
    id_count = 2 if definition.is_member_report else 1
    if len(raw_values) != len(sort) or len(raw_ids) != id_count:
        bad()
        return None
    values: list[object] = []
    for (key, _), raw in zip(sort, raw_values, strict=True):
        if key in DATE_KEYS:
            if not isinstance(raw, str) or not ISO_DATE_RE.match(raw):
                bad()
                return None
            try:
                values.append(date.fromisoformat(raw))
            except ValueError:
                bad()
                return None
        elif key in INT_KEYS:
            if not isinstance(raw, int) or isinstance(raw, bool):
                bad()
                return None
            values.append(raw)
        else:
            if not isinstance(raw, str) or len(raw) > 300:
                bad()
                return None
            values.append(raw)
    if not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < 2**63 for i in raw_ids):
        bad()
        return None
    return Cursor(tuple(values), tuple(raw_ids))


@dataclass(frozen=True)
class RunRequest:
    """A validated report run: the definition, the order, and where the page starts."""

    definition: ReportDefinition
    sort: Sort
    cursor: Cursor | None = None


def build_run(
    report_type: ReportType | str,
    date_from: object,
    date_to: object,
    filters: Mapping[str, object] | None,
    *,
    sort: str | None = None,
    after: str | None = None,
) -> RunRequest:
    """Validate a report run - definition, sort and cursor - reporting every problem at once (422)."""
    errors = ErrorCollector()
    definition = check_definition(report_type, date_from, date_to, filters, errors)
    kind = ReportType(report_type) if report_type in REPORT_TYPES else None
    order = check_sort(kind, sort, errors) if kind is not None else ()
    cursor = None
    if definition is not None and after is not None and after.strip() and not errors.errors:
        cursor = decode_cursor(definition, order, after.strip(), errors)
    errors.raise_if_any("Some report parameters are missing or invalid")
    assert definition is not None
    return RunRequest(definition, order, cursor)


def run_for(definition: ReportDefinition, *, sort: str | None = None, after: str | None = None) -> RunRequest:
    """Check the sort and the cursor for an already valid definition (a saved report's)."""
    errors = ErrorCollector()
    order = check_sort(definition.report_type, sort, errors)
    cursor = None
    if after is not None and after.strip() and not errors.errors:
        cursor = decode_cursor(definition, order, after.strip(), errors)
    errors.raise_if_any("Some report parameters are invalid")
    return RunRequest(definition, order, cursor)

"""Report schemas (R-REP-1 .. R-REP-3): report pages, saved report definitions.

Request values are checked by the domain (`app.domain.reports`) so that every problem is reported at once;
the documented JSON schemas (enums, date format, lengths) say what the domain accepts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints, WithJsonSchema

from app.domain import vocabulary as v
from app.domain.reports import (
    APPLICATION_STATUSES,
    COVERAGES,
    DATED_REPORT_TYPES,
    EXCHANGES,
    MAX_RANGE_DAYS,
    POLICY_STATUSES,
    REPORT_TYPES,
    SAVED_NAME_MAX,
    YES_NO_ALL,
)
from app.schemas.common import Page, StrictModel


def enum_schema(values: Any, *, nullable: bool = False, boolean: bool = False) -> WithJsonSchema:
    branches: list[dict[str, Any]] = [{"type": "string", "enum": list(values)}]
    if boolean:
        branches.insert(0, {"type": "boolean"})
    if nullable:
        branches.append({"type": "null"})
    return WithJsonSchema(branches[0] if len(branches) == 1 else {"anyOf": branches})


def text_schema(max_length: int, *, nullable: bool = False, pattern: str | None = None) -> WithJsonSchema:
    branch: dict[str, Any] = {"type": "string", "maxLength": max_length}
    if pattern:
        branch["pattern"] = pattern
    return WithJsonSchema({"anyOf": [branch, {"type": "null"}]} if nullable else branch)


DATE_SCHEMA = WithJsonSchema({"type": "string", "format": "date", "maxLength": 10})
REPORT_TYPE_SCHEMA = enum_schema(REPORT_TYPES)
DATED_REPORT_TYPE_SCHEMA = enum_schema(DATED_REPORT_TYPES)
# Shape guards only (the domain checks the values); the documented schema is the `WithJsonSchema` beside each.
Raw = Annotated[str, StringConstraints(max_length=1000)]
RawOrNone = Raw | None


class SavedReportFilters(StrictModel):
    """R-REP-2 filters; omitted ones narrow nothing (policy_status all, coverage both, the rest all)."""

    application_status: Annotated[RawOrNone, enum_schema(APPLICATION_STATUSES, nullable=True)] = None
    policy_status: Annotated[RawOrNone, enum_schema(POLICY_STATUSES, nullable=True)] = None
    product_name: Annotated[RawOrNone, text_schema(100, nullable=True)] = None
    exchange: Annotated[RawOrNone, enum_schema(EXCHANGES, nullable=True)] = None
    grandfathered: Annotated[StrictBool | RawOrNone, enum_schema(YES_NO_ALL, nullable=True, boolean=True)] = None
    coverage: Annotated[RawOrNone, enum_schema(COVERAGES, nullable=True)] = None
    temporary_plan: Annotated[StrictBool | RawOrNone, enum_schema(YES_NO_ALL, nullable=True, boolean=True)] = None
    producer_first_name: Annotated[RawOrNone, text_schema(100, nullable=True)] = None
    producer_last_name: Annotated[RawOrNone, text_schema(100, nullable=True)] = None
    producer_number: Annotated[RawOrNone, text_schema(9, nullable=True, pattern="^[0-9]{9}$")] = None


DAYS_SCHEMA = WithJsonSchema({"type": "integer", "minimum": 0, "maximum": MAX_RANGE_DAYS})


class DateWindowIn(StrictModel):
    """A rolling range around the day the report runs: `days_before` that day to `days_after` it (inclusive)."""

    days_before: Annotated[StrictInt, DAYS_SCHEMA, Field(examples=[0])]
    days_after: Annotated[StrictInt, DAYS_SCHEMA, Field(examples=[365])]


class DateWindowRead(BaseModel):
    days_before: int
    days_after: int


class SavedReportCreate(StrictModel):
    """A report definition to keep and re-run: validated like a run; the name is unique among yours.

    Dated reports take `date_from` and `date_to`, or `date_window` (a rolling range resolved the day the report
    runs) - exactly one of the two; `policy_status` takes neither."""

    name: Annotated[str, Field(min_length=1, max_length=SAVED_NAME_MAX, examples=["Grace period this month"])]
    report_type: Annotated[Raw, REPORT_TYPE_SCHEMA]
    date_from: Annotated[
        RawOrNone,
        WithJsonSchema({"anyOf": [{"type": "string", "format": "date", "maxLength": 10}, {"type": "null"}]}),
        Field(examples=["2026-11-01"]),
    ] = None
    date_to: Annotated[
        RawOrNone,
        WithJsonSchema({"anyOf": [{"type": "string", "format": "date", "maxLength": 10}, {"type": "null"}]}),
        Field(examples=["2026-11-30"]),
    ] = None
    date_window: DateWindowIn | None = None
    filters: SavedReportFilters = Field(default_factory=SavedReportFilters)


class ReportFiltersRead(BaseModel):
    """The filters in force, normalised (defaults included)."""

    model_config = ConfigDict(from_attributes=True)

    application_status: Annotated[str, enum_schema(APPLICATION_STATUSES)]
    policy_status: Annotated[str, enum_schema(POLICY_STATUSES)]
    product_name: str | None
    exchange: Annotated[str, enum_schema(EXCHANGES)]
    grandfathered: Annotated[str, enum_schema(YES_NO_ALL)]
    coverage: Annotated[str, enum_schema(COVERAGES)]
    temporary_plan: Annotated[str, enum_schema(YES_NO_ALL)]
    producer_first_name: str | None
    producer_last_name: str | None
    producer_number: str | None


class SavedReportRead(BaseModel):
    id: int
    name: str
    report_type: Annotated[str, REPORT_TYPE_SCHEMA]
    title: str = Field(description="The report's name on the Create Report screen")
    date_from: date | None = Field(description="Fixed From date (null with a date_window or for policy_status)")
    date_to: date | None = Field(description="Fixed To date (null with a date_window or for policy_status)")
    date_window: DateWindowRead | None = Field(
        description="The rolling range resolved the day the report runs (instead of fixed dates)"
    )
    filters: ReportFiltersRead
    created_at: datetime


class ReportColumnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str = Field(description="The row field shown in this column")
    header: str = Field(description="The column header, as on screen and in files")


class ReportRowRead(BaseModel):
    """One row: a policy, or (member reports) a covered member on a policy. `status` is present only when
    policy_status is all; the member fields only in member reports."""

    policy_id: str
    account_number: str
    last_name: str = Field(description="Client (primary insured) last name")
    first_name: str = Field(description="Client (primary insured) first name")
    phone: str | None = Field(
        default=None,
        description="The primary's phone (cell, else home, else work): term, policy status and payment reports only",
    )
    email: str | None = Field(
        default=None, description="The primary's email: term, policy status and payment reports only"
    )
    e_app_number: str | None
    client_app_id: str | None
    pending_application_id: str | None
    group_number: str
    member_count: int
    product_type: v.ProductType = Field(description="The guide's Product Type column (`exchange` says the same)")
    product_name: str
    coverage: v.Coverage
    network_type: v.NetworkType
    exchange: v.Exchange
    grandfathered: bool
    temporary_plan: bool
    status: v.PolicyStatus | None = Field(default=None, description="policy_status=all only")
    application_status: Annotated[
        str | None,
        enum_schema([val for val in APPLICATION_STATUSES.values() if val], nullable=True),
        Field(description="The application's status at the carrier, as the guide shows it"),
    ]
    initial_payment_received: bool
    coverage_effective_date: date
    paid_to_date: date | None
    termed_date: date | None
    app_signature_date: date | None
    eapp_start_date: date | None
    producer_name: str
    producer_number: str
    member_id: str | None = Field(default=None, description="Member reports only")
    member_first_name: str | None = Field(default=None, description="Member reports only")
    member_last_name: str | None = Field(default=None, description="Member reports only")
    relationship: v.Relationship | None = Field(default=None, description="Member reports only")
    date_of_birth: date | None = Field(default=None, description="Member reports only")
    birthday: date | None = Field(
        default=None,
        description="The day the member turns 65 or 26 (member reports "
        "only; February 29 births: February 28 in common years)",
    )
    turning_age: int | None = Field(default=None, description="65 or 26 (member reports only)")


class ReportPageRead(Page[ReportRowRead]):
    """A page of a report with its total; `next_after` seeks the next page (pass it as `after`)."""

    report_type: Annotated[str, REPORT_TYPE_SCHEMA]
    title: str
    date_from: date | None = Field(description="The range's first day (null for policy_status)")
    date_to: date | None = Field(description="The range's last day (null for policy_status)")
    date_window: DateWindowRead | None = Field(
        default=None, description="Saved reports with a rolling range: the window the dates were resolved from"
    )
    filters: ReportFiltersRead
    columns: list[ReportColumnRead]
    next_after: str | None = Field(description="Cursor of the next page (null on the last page)")

"""Counties, plans and quote schemas (R-QUO-1 .. R-QUO-4, R-ENR-2).

Request models check shape only (types, sizes, unknown fields); the rules of R-QUO-1 (zip code and county,
effective date, ages, household size, names) are checked by the domain, all at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from app.domain import vocabulary as v
from app.domain.quotes import ApplicantInput, DependentInput, QuoteInput, Sex, SpouseInput
from app.schemas.common import ResponseModel, StrictModel

ISO_DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _iso_date_only(value: Any) -> Any:
    """Dates are ISO-8601 strings (api.md), not numbers or timestamps pydantic would otherwise read."""
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE_RE.match(value)):
        return value
    raise ValueError("Enter a date as YYYY-MM-DD.")


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
PlanCoverageName = Literal["medical", "dental"]
QuoteCoverageName = Literal["medical", "dental", "medical_dental"]
SexName = Literal["female", "male"]
PlanId = Annotated[str, Field(min_length=1, max_length=40, examples=["IL-2027-HMO-205-OFF"])]
Name = Annotated[str, Field(max_length=100)]


class CountyRead(BaseModel):
    name: str = Field(examples=["Cook"])
    state: str = Field(examples=["IL"])
    fips: str = Field(description="Five-digit county FIPS code", examples=["17031"])
    rating_area: int = Field(description="The ACA rating area premiums are priced for")


class PlanRead(BaseModel):
    plan_id: str
    name: str
    coverage: PlanCoverageName
    metal_level: v.MetalLevel | None = Field(description="null for dental plans")
    network_type: v.NetworkType
    requires_pcp: bool = Field(description="HMO and POS plans need a primary care physician")
    exchange: Literal["on", "off"]
    state: str
    plan_year: int


class MemberPremiumRead(BaseModel):
    relationship: Literal["primary", "spouse", "child"]
    age: int = Field(description="Age on the effective date")
    premium: Decimal = Field(description="Monthly premium of this member")
    charged: bool = Field(description="False for a child under 21 beyond the three oldest (free, R-QUO-2)")


class QuotePlanRead(PlanRead):
    """R-QUO-2: a plan priced for the quote's household."""

    monthly_premium: Decimal = Field(description="Total monthly premium of the household")
    member_premiums: list[MemberPremiumRead] = Field(description="Primary, spouse, then dependents as entered")


class ApplicantIn(StrictModel):
    first_name: Name | None = Field(None, description="Prefilled from the prospect when left out", examples=["Jessica"])
    last_name: Name | None = Field(None, description="Prefilled from the prospect when left out", examples=["Tester"])
    date_of_birth: IsoDate = Field(examples=["1988-02-10"])
    sex: SexName
    tobacco_use: StrictBool = Field(False, description="Tobacco 4+ times a week in the past six months")


class SpouseIn(StrictModel):
    date_of_birth: IsoDate = Field(examples=["1987-05-01"])
    sex: SexName
    tobacco_use: StrictBool = False


class DependentIn(StrictModel):
    date_of_birth: IsoDate = Field(examples=["2015-03-03"])
    sex: SexName


QUOTE_EXAMPLE: dict[str, Any] = {
    "prospect_id": None,
    "zip_code": "60601",
    "county": "Cook",
    "effective_date": "2027-01-01",
    "coverage": "medical_dental",
    "applicant": {
        "first_name": "Jessica",
        "last_name": "Tester",
        "date_of_birth": "1988-02-10",
        "sex": "female",
        "tobacco_use": False,
    },
    "spouse": None,
    "dependents": [{"date_of_birth": "2015-03-03", "sex": "female"}],
}


class ProposalApplicantIn(StrictModel):
    """The primary applicant of a proposal; the names come from the prospect."""

    date_of_birth: IsoDate = Field(examples=["1988-02-10"])
    sex: SexName
    tobacco_use: StrictBool = Field(False, description="Tobacco 4+ times a week in the past six months")


class ProposalQuoteIn(StrictModel):
    """R-PRO-4 "Save and Create Proposal": what the quote needs beyond the prospect (its names and zip code)."""

    county: Annotated[
        str, Field(max_length=100, description="County name (or FIPS code) within the zip code", examples=["Cook"])
    ]
    effective_date: IsoDate = Field(description="The first of a month, today or later", examples=["2027-01-01"])
    coverage: QuoteCoverageName
    applicant: ProposalApplicantIn
    spouse: SpouseIn | None = None
    dependents: list[DependentIn] = Field(
        default_factory=list, max_length=50, description="Children and other dependents; with the spouse at most 19"
    )

    def to_input(self, zip_code: str) -> QuoteInput:
        a = self.applicant
        return quote_input(
            zip_code=zip_code,
            county=self.county,
            effective_date=self.effective_date,
            coverage=self.coverage,
            applicant=ApplicantIn(
                first_name=None, last_name=None, date_of_birth=a.date_of_birth, sex=a.sex, tobacco_use=a.tobacco_use
            ),
            spouse=self.spouse,
            dependents=self.dependents,
        )


def quote_input(
    *,
    zip_code: str,
    county: str,
    effective_date: date,
    coverage: str,
    applicant: ApplicantIn,
    spouse: SpouseIn | None,
    dependents: list[DependentIn],
) -> QuoteInput:
    """The domain's input of R-QUO-1 from the request models."""
    return QuoteInput(
        zip_code=zip_code,
        county=county,
        effective_date=effective_date,
        coverage=coverage,
        applicant=ApplicantInput(
            first_name=applicant.first_name,
            last_name=applicant.last_name,
            date_of_birth=applicant.date_of_birth,
            sex=applicant.sex,
            tobacco_use=applicant.tobacco_use,
        ),
        spouse=SpouseInput(date_of_birth=spouse.date_of_birth, sex=spouse.sex, tobacco_use=spouse.tobacco_use)
        if spouse
        else None,
        dependents=tuple(DependentInput(date_of_birth=d.date_of_birth, sex=d.sex) for d in dependents),
    )


class QuoteCreate(StrictModel):
    """R-QUO-1: the primary applicant, where the household lives, who else is covered, and from when."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [QUOTE_EXAMPLE]}
    )

    prospect_id: Annotated[StrictInt, Field(ge=1, le=2**62)] | None = Field(
        None, description="Quote for one of your prospects; its names prefill the applicant's"
    )
    zip_code: Annotated[str, Field(max_length=10, description="5 digits", examples=["60601"])]
    county: Annotated[
        str, Field(max_length=100, description="County name (or FIPS code) within the zip code", examples=["Cook"])
    ]
    effective_date: IsoDate = Field(description="The first of a month, today or later", examples=["2027-01-01"])
    coverage: QuoteCoverageName
    applicant: ApplicantIn
    spouse: SpouseIn | None = None
    dependents: list[DependentIn] = Field(
        default_factory=list, max_length=50, description="Children and other dependents; with the spouse at most 19"
    )


class PersonRead(ResponseModel):
    first_name: str | None = None
    last_name: str | None = None
    date_of_birth: date
    sex: Sex
    tobacco_use: bool | None = None


class SelectionRead(BaseModel):
    medical: QuotePlanRead | None
    dental: QuotePlanRead | None


class QuoteRow(BaseModel):
    """A saved quote as listed (R-QUO-3)."""

    id: int
    prospect_id: int | None
    applicant_first_name: str
    applicant_last_name: str
    zip_code: str
    county: str
    state: str
    effective_date: date
    coverage: QuoteCoverageName
    member_count: int
    selected_medical_plan_id: str | None
    selected_dental_plan_id: str | None
    total_monthly_premium: Decimal | None = Field(description="Of the selected plans; null when none is selected")
    created_by_id: int
    created_by_username: str | None = Field(description="The producer, or the delegate who quoted for them")
    created_at: datetime
    updated_at: datetime


class QuoteWarningRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["quote.medicare_eligible"])
    person: str = Field(description="primary, spouse or dependent:N (0-based, as entered)")
    age: int = Field(description="Age on the effective date")
    message: str


class QuoteRead(QuoteRow):
    """A saved quote with its household, selection and premiums."""

    rating_area: int
    applicant: PersonRead
    spouse: PersonRead | None
    dependents: list[PersonRead]
    selection: SelectionRead
    medical_premium: Decimal | None
    dental_premium: Decimal | None
    warnings: list[QuoteWarningRead] = Field(
        description="Issue 15: what the producer should know, e.g. `quote.medicare_eligible` for a person 65 or "
        "older on the effective date (still priced at the age-64 rate); [] otherwise",
    )


class SelectionUpdate(StrictModel):
    """R-QUO-3: at most one medical and one dental plan; null (or left out) clears the slot."""

    medical_plan_id: PlanId | None = None
    dental_plan_id: PlanId | None = None


class EnrollRequest(StrictModel):
    mode: Literal["new", "resume"] | None = Field(
        None,
        description='R-QUO-4, when an application already exists for the quote: "new" creates another '
        '("Create New Application"), "resume" answers the incomplete one ("Go To Incomplete '
        'Application")',
    )


class EnrollmentRedirect(ResponseModel):
    """R-ENR-2: on-exchange plans are enrolled on the exchange; no application is started."""

    kind: Literal["exchange"] = "exchange"
    quote_id: int
    redirect_url: str = Field(description="Where to continue (open it in a new tab)")
    exchange: Literal["federal", "state"] = Field(description="The federal platform, or the state-based exchange")
    state: str


class EnrollmentStarted(ResponseModel):
    """R-QUO-4 / R-ENR-1: the application (GET /api/v1/enrollments/{application_id} has the rest)."""

    kind: Literal["application"] = "application"
    quote_id: int
    application_id: int
    status: v.ApplicationStatus
    mode: Literal["new", "resume"]

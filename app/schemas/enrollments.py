"""Application sections, submission, details and payments (api.md payload shapes; R-ENR, R-PAY)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SerializerFunctionWrapHandler, model_serializer

from app.domain import vocabulary as v
from app.domain.effective_dates import LifeEvent
from app.schemas.common import StrictModel

Name = Annotated[str, Field(min_length=1, max_length=100)]
OptName = Annotated[str | None, Field(default=None, max_length=100)]
MI = Annotated[str | None, Field(default=None, max_length=1)]
Sex = Literal["female", "male"]


class LifeEventIn(StrictModel):
    event_type: LifeEvent
    event_date: date


class GeneralSection(StrictModel):
    producer_number: Annotated[str, Field(min_length=1, max_length=9, examples=["220002580"])]
    is_sep: bool = True
    life_events: Annotated[list[LifeEventIn], Field(default_factory=list, max_length=10)]


class Person(StrictModel):
    first_name: Name
    middle_initial: MI = None
    last_name: Name
    date_of_birth: date
    ssn: Annotated[str | None, Field(default=None, max_length=11, description="Stored encrypted; never returned")] = (
        None
    )
    sex: Sex
    tobacco_use: bool = False
    tobacco_last_used: date | None = None


class ApplicationAddress(StrictModel):
    address1: Annotated[str, Field(min_length=1, max_length=200)]
    address2: Annotated[str | None, Field(default=None, max_length=200)] = None
    city: Name
    state: Annotated[str, Field(min_length=2, max_length=2)]
    zip_code: Annotated[str, Field(min_length=5, max_length=10)]
    county: Annotated[str | None, Field(default=None, max_length=100)] = None


class Contact(StrictModel):
    primary_phone: Annotated[str, Field(min_length=1, max_length=20)]
    phone_type: Literal["mobile", "landline"]
    email: EmailStr | None = None


class ApplicantSection(StrictModel):
    form_type: Literal["medical_dental", "dental"]
    authorization: Literal["in_person", "paper_application"]
    terms_accepted: bool = False
    applicant: Person
    home_address: ApplicationAddress
    mailing_address: ApplicationAddress | None = None
    contact: Contact


class Hra(StrictModel):
    type: Literal["ICHRA", "QSEHRA"]
    start_date: date
    employer_name: Name
    monthly_contribution: Annotated[Decimal, Field(ge=0, le=100000, decimal_places=2)]


class Dependent(StrictModel):
    first_name: Name
    middle_initial: MI = None
    last_name: Name
    date_of_birth: date
    sex: Sex
    ssn: Annotated[str | None, Field(default=None, max_length=11)] = None
    tobacco_use: bool = False
    disabled: bool = Field(
        False, description="A disabled dependent may be 26 or older (otherwise dependents must be under 26)"
    )


class HouseholdSection(StrictModel):
    hra: Hra | None = None
    language_ethnicity: dict[str, Any] | None = Field(
        None,
        description="Optional language, ethnicity and identity answers per applicant (R-ENR-8), keyed `primary`, "
        '`spouse` or `dependent:N`: `{"spoken_language": "spa", "written_language": "eng", "ethnicity": '
        '["mexican"], "race": ["white"]}`, every code from `GET /option-lists` (languages, ethnicities, races)',
        examples=[
            {
                "primary": {
                    "spoken_language": "spa",
                    "written_language": "eng",
                    "ethnicity": ["cuban"],
                    "race": ["white"],
                }
            }
        ],
    )
    spouse: Dependent | None = None
    dependents: Annotated[list[Dependent], Field(default_factory=list, max_length=30)]


class PcpChoice(StrictModel):
    applicant: Annotated[str, Field(pattern=r"^(primary|spouse|dependent:\d{1,2})$")]
    pcp_number: Annotated[str, Field(min_length=1, max_length=12)]


class PlansSection(StrictModel):
    medical_plan_id: Annotated[str | None, Field(default=None, max_length=40)] = None
    dental_plan_id: Annotated[str | None, Field(default=None, max_length=40)] = None
    pediatric_dental_attested: bool = False
    pcp: Annotated[list[PcpChoice], Field(default_factory=list, max_length=25)]
    use_same_pcp_number_for_all: Annotated[str | None, Field(default=None, max_length=12)] = None


class ReplacementEntry(StrictModel):
    covered_person: Name
    insurance_company: Annotated[str, Field(min_length=1, max_length=200)]
    policy_number: Annotated[str, Field(min_length=1, max_length=50)]
    termination_date: date


class OtherCoverageEntry(StrictModel):
    applicant_name: Name
    name_on_other_policy: OptName = None
    member_number: Annotated[str, Field(min_length=1, max_length=50)]
    group_id: Annotated[str, Field(min_length=1, max_length=50)]


class Replacement(StrictModel):
    replacing: bool = False
    entries: Annotated[list[ReplacementEntry], Field(default_factory=list, max_length=20)]


class OtherCoverage(StrictModel):
    has_other: bool = False
    entries: Annotated[list[OtherCoverageEntry], Field(default_factory=list, max_length=20)]


class OtherCoverageSection(StrictModel):
    coverage_replacement: Replacement = Field(default_factory=lambda: Replacement.model_validate({}))
    other_coverage: OtherCoverage = Field(default_factory=lambda: OtherCoverage.model_validate({}))
    proxy_agreed: bool = False


class Representative(StrictModel):
    first_name: Name
    middle_initial: MI = None
    last_name: Name
    relationship: Annotated[str, Field(min_length=1, max_length=50)]


class SignaturesSection(StrictModel):
    authorized_representative: Representative | None = None
    parent_guardian: Representative | None = None
    consumer_choice_disclosure_accepted: bool = False
    payment_option: Literal["pay_now", "pay_later"] | None = None


SECTION_MODELS: dict[str, type[StrictModel]] = {
    "general": GeneralSection,
    "applicant": ApplicantSection,
    "household": HouseholdSection,
    "plans": PlansSection,
    "other-coverage": OtherCoverageSection,
    "signatures": SignaturesSection,
}


# --- the sections as an application shows them (issue 16: typed, one model per section) -----------------------


class _SavedSection(StrictModel):
    """A saved section as read back: what was sent, with read-only additions (the SSN's last 4) let through."""

    model_config = ConfigDict(extra="allow", json_schema_serialization_defaults_required=True)


class SavedPerson(Person, _SavedSection):
    ssn_last4: str | None = Field(default=None, description="The SSN's last 4 digits (the SSN is never returned)")


class SavedDependent(Dependent, _SavedSection):
    ssn_last4: str | None = Field(default=None, description="The SSN's last 4 digits (the SSN is never returned)")


class GeneralSectionRead(GeneralSection, _SavedSection):
    pass


class ApplicantSectionRead(ApplicantSection, _SavedSection):
    applicant: SavedPerson


class HouseholdSectionRead(HouseholdSection, _SavedSection):
    spouse: SavedDependent | None = None
    dependents: list[SavedDependent] = Field(default_factory=list)  # type: ignore[assignment]


class PlansSectionRead(PlansSection, _SavedSection):
    pass


class OtherCoverageSectionRead(OtherCoverageSection, _SavedSection):
    pass


class SignaturesSectionRead(SignaturesSection, _SavedSection):
    pass


class ApplicationSectionsRead(BaseModel):
    """The saved sections (each present once saved), and `prefill`: what the application was started from."""

    model_config = ConfigDict(populate_by_name=True)

    general: GeneralSectionRead | None = None
    applicant: ApplicantSectionRead | None = None
    household: HouseholdSectionRead | None = None
    plans: PlansSectionRead | None = None
    other_coverage: OtherCoverageSectionRead | None = Field(default=None, alias="other-coverage")
    signatures: SignaturesSectionRead | None = None
    prefill: dict[str, Any] | None = Field(
        default=None,
        description="What the application was started from (a quote's household, or a client of your book: "
        "`source`, `account_number`, `applicant`, `home`, `contact`, `spouse`, `dependents`); the applicant and "
        "household sections are saved from it",
    )

    @model_serializer(mode="wrap")
    def _only_present(self, handler: SerializerFunctionWrapHandler):  # type: ignore[no-untyped-def]
        # No return annotation: the documented schema stays this model's. A section not saved is absent (not null).
        data = handler(self)
        return {k: val for k, val in data.items() if val is not None}


class ApplicationCreate(StrictModel):
    quote_id: Annotated[int | None, Field(default=None, ge=1, le=2**62)] = None
    account_number: Annotated[
        str | None,
        Field(
            default=None,
            pattern=r"^\d{5,12}$",
            description="Start from this client of your book: the applicant, home address, contact, spouse and "
            "dependents are prefilled (`sections.prefill`), and the general section gets your writing number in the "
            "client's state",
            examples=["730075112"],
        ),
    ] = None


class PremiumsRead(BaseModel):
    medical_premium: Decimal | None
    dental_premium: Decimal | None
    total_monthly_premium: Decimal | None


class CarrierDecisionRead(BaseModel):
    """Issue 14: the carrier's decision on a submitted application, and what an approval wrote into the book."""

    decision: Literal["approved", "declined"]
    decided_at: datetime
    reason: str | None = Field(description="Why it was declined (an approval may carry a note)")
    account_number: str | None = Field(description="The client account the approval created or extended")
    policy_ids: list[str] = Field(description="The policies the approval wrote (medical first, then dental)")
    effective_date: date | None


class PlanChangeRead(BaseModel):
    """One chosen plan a new effective date changed."""

    model_config = ConfigDict(from_attributes=True)

    coverage: Literal["medical", "dental"]
    plan_id: str
    plan_name: str
    change: Literal["not_offered", "premium_changed"] = Field(
        description="not_offered: not offered for the new effective date (another plan year or area); "
        "premium_changed: still offered, at another monthly premium"
    )
    previous_premium: Decimal | None = Field(description="Monthly premium for the previous effective date")
    new_premium: Decimal | None = Field(description="Monthly premium for the new effective date (None if not offered)")
    message: str


class SectionWarningRead(BaseModel):
    """A section whose answers no longer hold: fix it (save the section again) before submitting."""

    model_config = ConfigDict(from_attributes=True)

    section: Literal["plans"] = Field(description="The section to review and save again")
    code: Literal["enrollment.plans_stale"]
    message: str = Field(description="What changed and what to do, for people")
    previous_effective_date: date | None = Field(description="The effective date the plans were chosen for")
    effective_date: date = Field(description="The new effective date")
    changes: list[PlanChangeRead]


class ApplicationRead(BaseModel):
    """R-ENR-17: application details (SSNs are never returned whole)."""

    id: int
    record_number: str
    e_app_number: str = Field(
        description="The e-app number member search, documents and the policies use (the record number, digits)"
    )
    status: v.ApplicationStatus
    version: int
    state: str | None
    producer_name: str
    producer_number: str | None
    date_submitted: datetime | None
    effective_date: date | None
    monthly_premium: Decimal | None
    applicant_name: str | None
    product_names: list[str]
    client_app_id: str | None
    payment_status: v.ApplicationPaymentStatus | None
    failure_reason: str | None
    quote_id: int | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None
    sections: ApplicationSectionsRead
    premiums: PremiumsRead
    decision: CarrierDecisionRead | None = Field(description="The carrier's decision; null while it is not decided")
    warnings: list[SectionWarningRead] = Field(
        description="Sections to review before submitting: after a change of effective date, the plans section "
        "lists the chosen plans no longer offered or re-priced (submit answers 422 enrollment.plans_stale until "
        "the plans section is saved again)",
    )


class ApplicationListRow(BaseModel):
    id: int
    record_number: str
    status: v.ApplicationStatus
    client_app_id: str | None
    state: str | None
    applicant_name: str | None
    date_submitted: datetime | None
    effective_date: date | None
    producer_name: str
    producer_number: str | None
    expiration_date: datetime | None
    last_modified: datetime
    failure_reason: str | None
    payment_status: v.ApplicationPaymentStatus | None
    decision: v.Decision | None = Field(description="The carrier's decision; null while it is not decided")


class EffectiveDateRead(BaseModel):
    effective_date: date
    warnings: list[SectionWarningRead] = Field(
        description="What the new effective date changed in the chosen plans (as on the application)",
    )


class SubmissionRead(BaseModel):
    status: Literal["submitted", "failed"]
    record_number: str
    client_app_id: str | None
    date_submitted: datetime | None
    failure_reason: str | None
    payment_status: v.ApplicationPaymentStatus | None


class CardIn(StrictModel):
    number: Annotated[str, Field(min_length=12, max_length=23)]
    exp_month: Annotated[int, Field(ge=1, le=12)]
    exp_year: Annotated[int, Field(ge=2000, le=2100)]
    cvc: Annotated[str, Field(pattern=r"^\d{3,4}$")]
    name: Name


class BankAccountIn(StrictModel):
    routing_number: Annotated[str, Field(pattern=r"^\d{9}$")]
    account_number: Annotated[str, Field(pattern=r"^\d{4,17}$")]
    account_type: Literal["checking", "savings"]


class PaymentCreate(StrictModel):
    method: Literal["card", "bank_account"]
    card: CardIn | None = None
    bank_account: BankAccountIn | None = Field(
        None,
        description="The bank account of a bank payment; with a card payment and `autopay`, the bank account autopay "
        "draws from (R-PAY-2: the first payment by card, autopay from the bank account)",
    )
    payment_date: date
    terms_accepted: bool
    autopay: bool = Field(False, description="Autopay from a bank account (R-PAY-2)")


class PaymentSubmit(StrictModel):
    agreement: bool


class PaymentRead(BaseModel):
    id: int
    application_id: int
    status: v.PaymentStatus
    amount: Decimal
    method: v.PaymentMethod
    last4: str
    account_type: v.BankAccountType | None
    payment_date: date
    autopay: bool
    autopay_last4: str | None = Field(description="Last 4 digits of the bank account autopay draws from")
    autopay_account_type: v.BankAccountType | None = Field(description="checking or savings, with autopay")
    confirmation_number: str
    decline_reason: str | None
    created_at: datetime
    submitted_at: datetime | None


class ApplicationDecisionCreate(StrictModel):
    """Issue 14: carrier staff approve or decline a submitted, paid application."""

    decision: Literal["approve", "decline"]
    reason: Annotated[str | None, Field(default=None, max_length=300, description="Required to decline")] = None


class ApplicationDecisionRead(CarrierDecisionRead):
    application_id: int
    record_number: str
    e_app_number: str
    status: Literal[v.ApplicationStatus.submitted, v.ApplicationStatus.failed] = Field(
        description="The application's status: submitted (approved) or failed (declined)"
    )


class OptionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="The value to send")
    label: str = Field(description="What to show")


class OptionListsRead(BaseModel):
    """The closed lists of the application; a section save refuses a code outside its list (422)."""

    languages: list[OptionRead] = Field(description="Preferred spoken and written language (ISO 639-3 codes)")
    ethnicities: list[OptionRead] = Field(description="Hispanic, Latino/a or Spanish origin (OMB 1997, HHS 2011)")
    races: list[OptionRead] = Field(description="Race (OMB 1997 categories, disaggregated per HHS 2011)")
    sexes: list[OptionRead]
    phone_types: list[OptionRead]
    form_types: list[OptionRead]
    authorizations: list[OptionRead]
    hra_types: list[OptionRead]
    payment_options: list[OptionRead]
    tobacco_use: list[OptionRead] = Field(description="tobacco_use is a boolean: false / true")
    household_members: list[OptionRead] = Field(description="Who an answer or PCP choice is for (dependent:N)")
    life_events: list[OptionRead] = Field(description="Qualifying life events of a special enrollment")

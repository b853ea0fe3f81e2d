"""PCP changes (R-PCP-1 .. R-PCP-8). Pure: the service loads members, history and the provider; this decides."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.domain.dates import OPEN_END_DATE
from app.domain.errors import FieldError, ValidationFailed

ASKED_OUT = "Asked Out"
DEPENDENT_AGE = "Dependent Age"
REASONS = (  # R-PCP-3, in the guide's order
    "Asked Out",
    "Change Of Residence",
    "Changed For Application",
    "Concern With Access",
    "Concern With Physician",
    "Concern With Service",
    "Dependent Age",
    "Doctor/Med Grp Location",
    "Hospital Affiliated",
    "Left Network (Closed)",
    "Member Preferred One Doctor For Family",
    "Members Former Provider In Network",
    "New Enrollee",
    "New Member Benefit Not Supported",
    "No Reason Given",
    "PCP Not Accepting New Patients",
    "Referral Problems",
    "Retired",
)
NEW_ENROLLEE = "New Enrollee"
ONE_DOCTOR_FOR_FAMILY = "Member Preferred One Doctor For Family"
FORMER_PROVIDER = "Members Former Provider In Network"
NEW_ENROLLEE_DAYS = 90  # default of the setting PORTAL_PCP_NEW_ENROLLEE_DAYS
# R-PCP-4 (issue 15): reasons about the member's current PCP (it asked the member out, retired, left the network,
# stopped taking patients, or the member is unhappy with it) need a current PCP to change from.
CURRENT_PCP_REASONS = frozenset(
    {
        "Asked Out",
        "Concern With Access",
        "Concern With Physician",
        "Concern With Service",
        "Doctor/Med Grp Location",
        "Hospital Affiliated",
        "Left Network (Closed)",
        "PCP Not Accepting New Patients",
        "Referral Problems",
        "Retired",
    }
)
# Reasons with no rule of their own, because nothing the portal holds can confirm them (the member's move, the
# application it came with, a benefit, no reason at all): Change Of Residence, Changed For Application, New Member
# Benefit Not Supported, No Reason Given.
SUCCESS_MESSAGE = "The transaction was successful and all applicable ID cards were requested."


@dataclass(frozen=True)
class ProviderInfo:
    medical_group_id: int
    medical_group_number: str
    medical_group_name: str
    accepting_new_patients: bool
    networks: frozenset[str]


@dataclass(frozen=True)
class Assignment:
    medical_group_id: int
    medical_group_number: str
    medical_group_name: str
    effective_date: date
    term_date: date
    reason: str
    end_reason: str | None
    assigned_by: str
    request_received_date: date


@dataclass(frozen=True)
class MemberOnPolicy:
    member_id: int
    name: str
    relationship: str
    coverage_start: date
    coverage_end: date | None
    history: tuple[Assignment, ...] = ()  # this member's assignments on this policy, any order

    def current(self, on: date) -> Assignment | None:
        live = [a for a in self.history if a.term_date >= on]
        return min(live, key=lambda a: a.effective_date) if live else None


@dataclass(frozen=True)
class PolicyInfo:
    policy_id: int
    state: str
    status: str
    requires_pcp: bool
    network_code: str
    coverage_effective_date: date
    termination_date: date | None


@dataclass(frozen=True)
class RequestedMember:
    member_id: int
    reason: str


@dataclass
class MemberError:
    member_id: int | None
    code: str
    message: str


@dataclass
class Warning:
    code: str
    message: str


@dataclass(frozen=True)
class AssignmentView:
    """One side of "current vs updated" (R-PCP-8)."""

    medical_group_number: str
    medical_group_name: str
    effective_date: date
    term_date: date
    request_received_date: date
    assigned_by: str
    reason: str


@dataclass(frozen=True)
class MemberChange:
    """What the change does to one requested member: its current assignment and the one it would get."""

    member_id: int
    name: str
    relationship: str
    current: AssignmentView | None
    updated: AssignmentView | None  # None when there is no provider to assign


@dataclass
class Validation:
    errors: list[MemberError] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    changes: list[MemberChange] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors


class PcpChangeRejected(ValidationFailed):
    """A finish refused for its errors or unaccepted warnings; carries the validation to show (R-PCP-4, R-PCP-7)."""

    def __init__(self, message: str, *, code: str, validation: Validation, field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)
        self.validation = validation


def _view(a: Assignment | None) -> AssignmentView | None:
    if a is None:
        return None
    return AssignmentView(
        medical_group_number=a.medical_group_number,
        medical_group_name=a.medical_group_name,
        effective_date=a.effective_date,
        term_date=a.term_date,
        request_received_date=a.request_received_date,
        assigned_by=a.assigned_by,
        reason=a.reason,
    )


def validate_change(
    *,
    policy: PolicyInfo,
    members: dict[int, MemberOnPolicy],
    requested: list[RequestedMember],
    provider: ProviderInfo | None,
    provider_number: str,
    effective_date: date,
    term_date: date | None,
    today: date,
    first_of_month_states: frozenset[str],
    assigned_by: str,
    new_enrollee_days: int = NEW_ENROLLEE_DAYS,
) -> Validation:
    """R-PCP-1..7: every error at once (per member where it concerns a member), warnings, current vs updated."""
    v = Validation()
    if not policy.requires_pcp:  # R-PCP-1
        v.errors.append(
            MemberError(
                None,
                "pcp.plan_has_no_pcp",
                "This plan does not use a primary care physician (only HMO and POS plans do).",
            )
        )
        return v
    if policy.status == "Termed":
        v.errors.append(MemberError(None, "pcp.policy_termed", "The policy is terminated: no PCP changes."))
    if provider is None:  # R-PCP-2
        v.errors.append(
            MemberError(
                None,
                "pcp.provider_not_found",
                f"No provider has Medical Group / PCP / PCPA / NPI number {provider_number}.",
            )
        )
    else:
        if policy.network_code not in provider.networks:
            v.errors.append(
                MemberError(
                    None, "pcp.provider_out_of_network", f"{provider.medical_group_name} is not in this plan's network."
                )
            )
        if not provider.accepting_new_patients:
            v.errors.append(
                MemberError(
                    None, "pcp.provider_not_accepting", f"{provider.medical_group_name} is not accepting new patients."
                )
            )
    v.errors += [MemberError(None, e.code, e.message) for e in _date_field_errors(term_date, effective_date, today)]
    if effective_date < policy.coverage_effective_date or (
        policy.termination_date is not None and effective_date > policy.termination_date
    ):
        v.errors.append(
            MemberError(
                None,
                "pcp.effective_date_outside_coverage",
                "The effective date must fall within the policy's coverage.",
            )
        )
    if policy.state in first_of_month_states and effective_date.day != 1:  # R-PCP-7
        v.warnings.append(
            Warning(
                "pcp.first_of_month",
                f"In {policy.state} a PCP can only start on the first of a month. Accept to keep "
                f"{effective_date:%m/%d/%Y}, or change the effective date.",
            )
        )
    if not requested:
        v.errors.append(MemberError(None, "pcp.members_required", "Select at least one member."))
    seen: set[int] = set()
    for req in requested:
        member = members.get(req.member_id)
        if member is None:
            v.errors.append(
                MemberError(
                    req.member_id, "pcp.member_not_on_policy", "This member is not covered by the selected policy."
                )
            )
            continue
        if req.member_id in seen:  # R-PCP-5
            v.errors.append(
                MemberError(
                    req.member_id,
                    "pcp.member_repeated",
                    f"{member.name}: a member's PCP can change only once per transaction.",
                )
            )
            continue
        seen.add(req.member_id)
        if member.coverage_end is not None and member.coverage_end < effective_date:  # R-PCP-1
            v.errors.append(
                MemberError(
                    req.member_id,
                    "pcp.member_not_active",
                    f"{member.name} is not active on this policy on the effective date.",
                )
            )
        if req.reason not in REASONS:  # R-PCP-3
            v.errors.append(
                MemberError(
                    req.member_id,
                    "pcp.reason_invalid",
                    f"{member.name}: choose a Provider Change Reason from the list.",
                )
            )
        else:
            problem = _reason_problem(
                req.reason,
                member=member,
                members=members,
                requested=requested,
                provider=provider,
                effective_date=effective_date,
                today=today,
                new_enrollee_days=new_enrollee_days,
            )
            if problem is not None:
                v.errors.append(MemberError(req.member_id, *problem))
        if provider is not None and any(
            a.medical_group_id == provider.medical_group_id and a.end_reason == ASKED_OUT for a in member.history
        ):  # R-PCP-4
            v.errors.append(
                MemberError(
                    req.member_id,
                    "pcp.asked_out_of_group",
                    f"{member.name}: Member was previously asked out of this Medical Group, please select a new "
                    "Medical Group",
                )
            )
        current = member.current(effective_date)
        if current is not None and current.effective_date >= effective_date:
            v.errors.append(
                MemberError(
                    req.member_id,
                    "pcp.effective_before_current",
                    f"{member.name}: the new PCP must start after the current one ({current.effective_date:%m/%d/%Y}).",
                )
            )
        if provider is not None and current is not None and current.medical_group_id == provider.medical_group_id:
            v.errors.append(
                MemberError(
                    req.member_id, "pcp.same_group", f"{member.name} is already assigned to this Medical Group."
                )
            )
        updated = (
            None
            if provider is None
            else AssignmentView(
                medical_group_number=provider.medical_group_number,
                medical_group_name=provider.medical_group_name,
                effective_date=effective_date,
                term_date=OPEN_END_DATE,
                request_received_date=today,
                assigned_by=assigned_by,
                reason=req.reason,
            )
        )
        v.changes.append(MemberChange(req.member_id, member.name, member.relationship, _view(current), updated))
    return v


def _date_field_errors(term_date: date | None, effective_date: date | None, today: date) -> list[FieldError]:
    """R-PCP-6 the term date stays 12/31/9999; the effective date is not in the past (of the dates given)."""
    errors: list[FieldError] = []
    if term_date is not None and term_date != OPEN_END_DATE:  # R-PCP-6
        errors.append(
            FieldError(
                "term_date",
                "pcp.term_date_fixed",
                "The term date defaults to and must stay 12/31/9999. For two PCPs over two periods, make two changes.",
            )
        )
    if effective_date is not None and effective_date < today:
        errors.append(
            FieldError("effective_date", "pcp.effective_date_past", "The effective date cannot be in the past.")
        )
    return errors


def pcp_field_errors(values: Mapping[str, object], *, today: date) -> list[FieldError]:
    """R-PCP-3 and R-PCP-6 on the fields present, as `validate_change` applies them: for a body whose other fields
    the request schema refused (issue 16: one pass). The policy, its members and the provider need the database:
    their rules (R-PCP-1, 2, 4, 5, 7) come with the service's answer once the body is valid."""
    term_date, effective_date = values.get("term_date"), values.get("effective_date")
    errors = _date_field_errors(
        term_date if isinstance(term_date, date) else None,
        effective_date if isinstance(effective_date, date) else None,
        today,
    )
    members = values.get("members")
    for i, member in enumerate(members if isinstance(members, list) else []):
        reason = member.get("reason") if isinstance(member, Mapping) else None
        if isinstance(reason, str) and reason not in REASONS:  # R-PCP-3
            errors.append(
                FieldError(
                    f"members.{i}.reason", "pcp.reason_invalid", "Choose a Provider Change Reason from the list."
                )
            )
    return errors


def _reason_problem(
    reason: str,
    *,
    member: MemberOnPolicy,
    members: dict[int, MemberOnPolicy],
    requested: list[RequestedMember],
    provider: ProviderInfo | None,
    effective_date: date,
    today: date,
    new_enrollee_days: int,
) -> tuple[str, str] | None:
    """R-PCP-4 (issue 15): the rule of one Provider Change Reason for one member, as (code, message) when broken."""
    name = member.name
    if reason == DEPENDENT_AGE and member.relationship == "primary":
        return "pcp.reason_dependent_age", f"{name}: Dependent Age applies to a spouse or dependent only."
    if reason == NEW_ENROLLEE and (today - member.coverage_start).days >= new_enrollee_days:
        return (
            "pcp.reason_new_enrollee",
            f"{name}: New Enrollee applies within the first {new_enrollee_days} days of the member's coverage "
            f"(covered since {member.coverage_start:%m/%d/%Y}); choose another reason.",
        )
    if reason in CURRENT_PCP_REASONS and member.current(effective_date) is None:
        return (
            "pcp.reason_needs_current_pcp",
            f"{name}: {reason} is a reason about the member's current PCP, and the member has none; "
            "choose another reason (New Enrollee, for example).",
        )
    if reason == FORMER_PROVIDER and provider is not None:
        current = member.current(effective_date)
        former = [
            a
            for a in member.history
            if a.medical_group_id == provider.medical_group_id and (current is None or a != current)
        ]
        if not former:
            return (
                "pcp.reason_not_former_provider",
                f"{name}: {provider.medical_group_name} was never this member's Medical Group; choose another reason.",
            )
    if reason == ONE_DOCTOR_FOR_FAMILY and provider is not None:
        others = [m for mid, m in members.items() if mid != member.member_id]
        family_there = any(
            (c := m.current(effective_date)) is not None and c.medical_group_id == provider.medical_group_id
            for m in others
        ) or any(r.member_id != member.member_id and r.member_id in members for r in requested)
        if not family_there:
            return (
                "pcp.reason_no_family_member",
                f"{name}: no other family member on this policy has or is getting {provider.medical_group_name}; "
                "choose another reason.",
            )
    return None


def end_of_previous(effective_date: date) -> date:
    """R-PCP-6: the new assignment ends the current one the day before its effective date."""
    return effective_date - timedelta(days=1)

"""Carrier processing (issue 14): a submitted application is decided by the carrier's back office, and an approved
one is written into the book of business (R-MEM-1) - account, members, policies and PCP assignments. Pure: the
service passes in what it read (the sections, the existing account's members) and writes what this answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.domain.errors import Conflict, ValidationFailed
from app.domain.payments import SUCCESSFUL
from app.domain.text import name_key

APPROVE, DECLINE = "approve", "decline"
APPROVED, DECLINED = "approved", "declined"
DECISIONS = {APPROVE: APPROVED, DECLINE: DECLINED}
PAY_LATER = "Pay Later"
CANCELLED = "Cancelled"
# R-PAY-1 / R-PAY-3 / R-PAY-4: an application goes to the carrier once its binder payment is settled: paid, or
# billed later (pay later chosen, or the payment cancelled at review). Pending or Declined: the producer still pays.
SETTLED_PAYMENT_STATUSES = (SUCCESSFUL, PAY_LATER, CANCELLED)
NEW_POLICY_STATUS = "Active"
APPLICATION_STATUS_APPROVED = "Approved"
DECLINE_REASON_MAX = 300


def e_app_number(application_id: int) -> str:
    """Issue 14: one e-app number format for applications and policies: digits only (member search takes 4 to 12),
    10 digits like the carrier's, zero-padded so they never meet the carrier's own (which start 1-9)."""
    return f"{application_id:010d}"


def account_number_for(application_id: int) -> str:
    """The account number of a client first written by an approved application: 9 digits starting with 9."""
    return f"9{application_id:08d}"


def decision_of(requested: str) -> str:
    """`approve` / `decline` -> the decision it makes."""
    return DECISIONS[requested]


def check_decision_request(decision: str, reason: str | None) -> str | None:
    """A decline needs its reason (what the producer reads under "failed"); an approval may carry a note."""
    cleaned = (reason or "").strip() or None
    if decision == DECLINE and cleaned is None:
        raise ValidationFailed(
            "Give the reason for declining: the producer sees it on the failed application.",
            code="carrier.reason_required",
            field="reason",
        )
    if cleaned is not None and len(cleaned) > DECLINE_REASON_MAX:
        raise ValidationFailed(
            f"The reason is at most {DECLINE_REASON_MAX} characters.", code="carrier.reason_too_long", field="reason"
        )
    return cleaned


def check_payment_settled(record_number: str, payment_status: str | None) -> None:
    """The carrier decides an application once its binder payment is settled (paid, or billed later)."""
    if payment_status not in SETTLED_PAYMENT_STATUSES:
        raise Conflict(
            f"Application {record_number} is waiting for its binder payment (status {payment_status or 'none'}); "
            "the carrier decides it once the payment succeeds or is cancelled to bill later.",
            code="carrier.awaiting_payment",
            extra={"payment_status": payment_status},
        )


def end_of_month(day: date) -> date:
    nxt = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def paid_to_after_binder(effective: date) -> date:
    """The binder payment is the first month's premium (R-PAY-1): paid to the end of the first month covered."""
    return end_of_month(effective)


# --- what an approval writes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonEntry:
    key: str  # how the plans section names the person: primary, spouse, dependent:0 ...
    relationship: str  # primary | spouse | child
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    sex: str
    ssn_last4: str | None


@dataclass(frozen=True)
class AccountEntry:
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    sex: str
    ssn_last4: str
    address1: str
    address2: str | None
    city: str
    state: str
    zip_code: str
    county: str | None
    email: str | None
    phone_home: str | None
    phone_cell: str | None


@dataclass(frozen=True)
class BookEntry:
    account: AccountEntry
    people: list[PersonEntry]
    plan_ids: list[str]  # the medical plan first, then the dental plan
    pcp_numbers: dict[str, str] = field(default_factory=dict)  # person key -> PCP / medical group number


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _person(key: str, relationship: str, data: dict[str, Any], fallback_last: str) -> PersonEntry:
    mi = (data.get("middle_initial") or "").strip()[:1] or None
    return PersonEntry(
        key,
        relationship,
        data["first_name"],
        mi,
        data.get("last_name") or fallback_last,
        _d(data["date_of_birth"]),
        data.get("sex") or "unknown",
        data.get("ssn_last4"),
    )


def book_entry(sections: dict[str, Any]) -> BookEntry:
    """The account, members, plans and PCP choices of a submitted application (its sections passed R-ENR-15)."""
    applicant = sections["applicant"]
    person = applicant["applicant"]
    primary = _person("primary", "primary", person, person["last_name"])
    house = sections.get("household") or {}
    people = [primary]
    if house.get("spouse"):
        people.append(_person("spouse", "spouse", house["spouse"], primary.last_name))
    for i, dep in enumerate(house.get("dependents") or []):
        people.append(_person(f"dependent:{i}", "child", dep, primary.last_name))
    home = applicant["home_address"]
    contact = applicant["contact"]
    phone = re.sub(r"\D", "", contact.get("primary_phone") or "")[-10:] or None
    mobile = contact.get("phone_type") == "mobile"
    plans = sections.get("plans") or {}
    plan_ids = [p for p in (plans.get("medical_plan_id"), plans.get("dental_plan_id")) if p]
    pcps: dict[str, str] = {}
    same = plans.get("use_same_pcp_number_for_all")
    if same:
        pcps = {p.key: same for p in people}
    for choice in plans.get("pcp") or []:  # R-ENR-11: a PCP per applicant wins over "the same for all"
        pcps[choice["applicant"]] = choice["pcp_number"]
    return BookEntry(
        AccountEntry(
            first_name=primary.first_name,
            middle_initial=primary.middle_initial,
            last_name=primary.last_name,
            date_of_birth=primary.date_of_birth,
            sex=primary.sex,
            ssn_last4=primary.ssn_last4 or "0000",
            address1=home["address1"],
            address2=home.get("address2"),
            city=home["city"],
            state=home["state"],
            zip_code=home["zip_code"][:5],
            county=home.get("county"),
            email=contact.get("email"),
            phone_home=None if mobile else phone,
            phone_cell=phone if mobile else None,
        ),
        people,
        plan_ids,
        pcps,
    )


def source_account_number(sections: dict[str, Any]) -> str | None:
    """The existing client an application was started from (`prefill.account_number`), if any: approval extends
    that account instead of opening a new one."""
    number = (sections.get("prefill") or {}).get("account_number")
    return str(number) if number else None


@dataclass(frozen=True)
class ExistingMember:
    member_id: int
    suffix: str
    first_name: str
    last_name: str
    date_of_birth: date


def match_members(
    people: Sequence[PersonEntry], existing: Sequence[ExistingMember]
) -> tuple[dict[str, int], dict[str, str]]:
    """Extending an account: a person already a member (same name and date of birth) keeps their member record;
    the others get the next suffixes (01 primary, 02 spouse, 03.. children, R-MEM-1).
    Answers (person key -> existing member id, person key -> new suffix)."""
    known = {(name_key(m.first_name), name_key(m.last_name), m.date_of_birth): m.member_id for m in existing}
    used = {m.suffix for m in existing}
    matched: dict[str, int] = {}
    suffixes: dict[str, str] = {}
    for p in people:
        found = known.get((name_key(p.first_name), name_key(p.last_name), p.date_of_birth))
        if found is not None:
            matched[p.key] = found
            continue
        wanted = {"primary": "01", "spouse": "02"}.get(p.relationship)
        if wanted is None or wanted in used:
            n = 3
            while f"{n:02d}" in used:
                n += 1
            wanted = f"{n:02d}"
        used.add(wanted)
        suffixes[p.key] = wanted
    return matched, suffixes

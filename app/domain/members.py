"""Member search and contact-information rules (R-MEM-2 .. R-MEM-7, R-CIC-1 .. R-CIC-5). Pure code."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from app.domain.accounts import normalize_phone
from app.domain.dates import age_on
from app.domain.errors import ErrorCollector, FieldError, ValidationFailed
from app.domain.text import name_key

SEARCH_FIELDS = (
    "account_number",
    "e_app_number",
    "client_app_id",
    "exchange_assigned_id",
    "pending_application_id",
    "first_name",
    "last_name",
    "ssn_last4",
    "date_of_birth",
    "phone",
    "email",
    "zip_code",
    "producer_first_name",
    "producer_last_name",
    "producer_number",
)
# R-MEM-4 result columns that can be sorted on (API name -> stable key used by the query builder).
SORTABLE = (
    "last_name",
    "first_name",
    "record_type",
    "e_app_number",
    "client_app_id",
    "member_count",
    "group_number",
    "account_number",
    "status",
    "product_type",
    "product_name",
    "coverage_effective_date",
    "paid_to_date",
    "termed_date",
    "producer_number",
    "coverage",
)
DEFAULT_SORT = (("last_name", False), ("first_name", False), ("account_number", False))
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%Y%m%d")


@dataclass(frozen=True)
class SearchInput:
    """Member search criteria as typed (R-MEM-2, R-MEM-3): `build_member_query` validates and normalises them."""

    account_number: str | None = None
    e_app_number: str | None = None
    client_app_id: str | None = None
    exchange_assigned_id: str | None = None
    pending_application_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    ssn_last4: str | None = None
    date_of_birth: str | None = None
    phone: str | None = None
    email: str | None = None
    zip_code: str | None = None
    producer_first_name: str | None = None
    producer_last_name: str | None = None
    producer_number: str | None = None


@dataclass(frozen=True)
class SearchFilters:
    """Per-column filters of the results table (R-MEM-4); None: the column is not filtered."""

    status: str | None = None
    product_type: str | None = None
    product_name: str | None = None
    group_number: str | None = None
    record_type: str | None = None
    coverage: str | None = None

    def cleaned(self) -> SearchFilters:
        """Given values stripped; an empty one is no filter."""
        return SearchFilters(**{k: v.strip() if v else None for k, v in vars(self).items()})


@dataclass(frozen=True)
class MemberQuery:
    """Normalised search criteria, all about the primary insured (R-MEM-2, R-MEM-3)."""

    account_number: str | None = None
    e_app_number: str | None = None
    client_app_id: str | None = None
    exchange_assigned_id: str | None = None
    pending_application_id: str | None = None
    first_name_prefix: str | None = None
    last_name_prefix: str | None = None
    ssn_last4: str | None = None
    date_of_birth: date | None = None
    phone: str | None = None
    email: str | None = None
    zip_code: str | None = None
    producer_first_name: str | None = None
    producer_last_name: str | None = None
    producer_number: str | None = None
    # per-column filters of the results table (R-MEM-4)
    filters: SearchFilters = field(default_factory=SearchFilters)

    def criteria_names(self) -> list[str]:
        return [
            n
            for n in (
                "account_number",
                "e_app_number",
                "client_app_id",
                "exchange_assigned_id",
                "pending_application_id",
                "first_name_prefix",
                "last_name_prefix",
                "ssn_last4",
                "date_of_birth",
                "phone",
                "email",
                "zip_code",
                "producer_first_name",
                "producer_last_name",
                "producer_number",
            )
            if getattr(self, n) is not None
        ]


def parse_date(value: str, field_name: str) -> date:
    """ISO-8601 or the guides' MM/DD/YYYY."""
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(
        f"{value!r} is not a date: use YYYY-MM-DD or MM/DD/YYYY.", code="search.date_invalid", field=field_name
    )


# R-ENR-15: criteria a submitted application can answer (it has no account, phones, email or zip yet).
APPLICATION_CRITERIA = frozenset(
    {
        "first_name_prefix",
        "last_name_prefix",
        "ssn_last4",
        "date_of_birth",
        "client_app_id",
        "producer_number",
        "e_app_number",
    }
)


def policies_can_match(q: MemberQuery) -> bool:
    """R-MEM-4: the record-type column filter keeps policies unless it asks for applications only."""
    record_type = q.filters.record_type
    return record_type is None or record_type.lower() == "policy"


def applications_can_match(q: MemberQuery) -> bool:
    """R-ENR-15: can a submitted application answer these criteria and column filters at all?"""
    f = q.filters
    return not (
        set(q.criteria_names()) - APPLICATION_CRITERIA
        or (f.status is not None and f.status.lower() != "submitted")
        or (f.record_type is not None and f.record_type.lower() != "application")
        or (f.product_type is not None and f.product_type.upper() != "OFF-EXCHANGE")
        or f.group_number is not None
    )


def prefix_upper_bound(prefix: str) -> str:
    """Exclusive upper bound for a prefix range predicate: key >= prefix AND key < bound."""
    return prefix + "\U0010ffff"


def build_member_query(raw: SearchInput, filters: SearchFilters | None = None) -> MemberQuery:
    """Validate and normalise search input; every problem reported at once. At least one criterion."""
    errors = ErrorCollector()
    values = {k: v.strip() for k, v in vars(raw).items() if v is not None}
    values = {k: v for k, v in values.items() if v}
    out: dict[str, object] = {}
    digits_fields = {"account_number": (5, 12), "e_app_number": (4, 12), "producer_number": (9, 9), "ssn_last4": (4, 4)}
    for name, (lo, hi) in digits_fields.items():
        if name in values:
            v = str(values[name])
            if not v.isdigit() or not (lo <= len(v) <= hi):
                size = f"{lo}" if lo == hi else f"{lo} to {hi}"
                errors.add(name, "search.digits", f"{name.replace('_', ' ').capitalize()} must be {size} digits.")
            else:
                out[name] = v
    for name in ("client_app_id", "exchange_assigned_id"):
        if name in values:
            out[name] = str(values[name]).upper()
    if "pending_application_id" in values:
        v = str(values["pending_application_id"]).upper()
        if not re.fullmatch(r"[A-Z0-9]{6}", v):
            errors.add(
                "pending_application_id",
                "search.pending_application_id",
                "The pending application id is the six-character Billing ID.",
            )
        else:
            out["pending_application_id"] = v
    for name, target in (("first_name", "first_name_prefix"), ("last_name", "last_name_prefix")):
        if name in values:
            out[target] = name_key(str(values[name]))
    if "date_of_birth" in values:
        try:
            out["date_of_birth"] = parse_date(str(values["date_of_birth"]), "date_of_birth")
        except ValidationFailed as exc:
            errors.add("date_of_birth", exc.code, exc.message)
    if "phone" in values:
        digits = normalize_phone(str(values["phone"]))
        if len(digits) != 10:
            errors.add("phone", "search.phone", "Enter a 10-digit phone number.")
        else:
            out["phone"] = digits
    if "email" in values:
        out["email"] = str(values["email"]).lower()
    if "zip_code" in values:
        z = str(values["zip_code"])[:5]
        if not re.fullmatch(r"\d{5}", z):
            errors.add("zip_code", "search.zip_code", "Enter a 5-digit zip code.")
        else:
            out["zip_code"] = z
    for name in ("producer_first_name", "producer_last_name"):
        if name in values:
            out[name] = name_key(str(values[name]))
    clean_filters = (filters or SearchFilters()).cleaned()
    errors.raise_if_any()
    query = MemberQuery(**out, filters=clean_filters)  # type: ignore[arg-type]
    if not query.criteria_names():
        raise ValidationFailed(
            "Enter at least one search criterion (for example account number, or last 4 of SSN with date of birth).",
            code="search.criteria_required",
        )
    return query


def parse_sort(sort: str | None) -> tuple[tuple[str, bool], ...]:
    """`sort=last_name,-coverage_effective_date` -> ((name, descending), ...) over the whitelist."""
    if not sort:
        return DEFAULT_SORT
    keys = []
    for part in sort.split(","):
        part = part.strip()
        if not part:
            continue
        desc = part.startswith("-")
        name = part.lstrip("-+")
        if name not in SORTABLE:
            raise ValidationFailed(
                f"Cannot sort by {name!r}. Sortable: {', '.join(SORTABLE)}.", code="sort.unknown_field", field="sort"
            )
        keys.append((name, desc))
    return tuple(keys) or DEFAULT_SORT


def product_type_filter(exchange: str | None, product_type: str | None) -> str | None:
    """R-MEM-4 Product Type column filter from `filter_exchange` (on / off, the one spelling) or the deprecated
    `filter_product_type` (ON-EXCHANGE / OFF-EXCHANGE). Both given and different: no row can match both."""
    from_exchange = None if exchange is None else ("ON-EXCHANGE" if exchange == "on" else "OFF-EXCHANGE")
    if from_exchange is not None and product_type is not None and from_exchange != product_type:
        raise ValidationFailed(
            "filter_exchange and filter_product_type disagree: send filter_exchange only (on or off).",
            code="search.filter_conflict",
            field="filter_exchange",
        )
    return from_exchange or product_type


def product_type(exchange: str) -> str:
    """R-MEM-4 "Product Type" as the guide shows it."""
    return "ON-EXCHANGE" if exchange == "on" else "OFF-EXCHANGE"


# --- contact information change (R-CIC) ---------------------------------------------------------------------


class PhoneType(StrEnum):
    home = "home"
    cellular = "cellular"
    work = "work"
    fax = "fax"


PHONE_COLUMN = {PhoneType.home: "home", PhoneType.cellular: "cell", PhoneType.work: "work", PhoneType.fax: "fax"}
NO_CHANGE = "No change to the existing record"


@dataclass(frozen=True)
class PhoneInput:
    type: str | None
    number: str | None
    extension: str | None = None
    send_text: bool = False


@dataclass(frozen=True)
class ContactSnapshot:
    """The primary insured's contact details: phones by slot (home, cell, work, fax, spouse_cell) and email."""

    phones: dict[str, str | None]
    email: str | None
    details: dict[str, dict[str, object]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"phones": dict(self.phones), "email": self.email, "details": dict(self.details)}


def plan_contact_change(
    current: ContactSnapshot, phones: list[PhoneInput], email: str | None, *, is_primary: bool
) -> ContactSnapshot:
    """R-CIC-1/2/3: validate a change request and return the updated snapshot."""
    if not is_primary:
        raise ValidationFailed(
            "Only the primary insured's phone numbers and email can be changed here. Spouses and dependents "
            "change theirs through Blue Access for Members or customer service.",
            code="cic.not_primary",
            field="member_id",
        )
    errors = ErrorCollector()
    new_phones = dict(current.phones)
    new_details = {k: dict(v) for k, v in current.details.items()}
    for kind, digits, phone in _check_phones([asdict(p) for p in phones], errors):
        slot = PHONE_COLUMN[kind]
        new_phones[slot] = digits
        if phone.get("extension") or phone.get("send_text"):
            new_details[slot] = {"extension": phone.get("extension") or None, "send_text": bool(phone.get("send_text"))}
        else:
            new_details.pop(slot, None)
    errors.raise_if_any()
    new_email = email.strip() if email else current.email
    if (new_email or "").lower() == (current.email or "").lower():
        new_email = current.email
    updated = ContactSnapshot(phones=new_phones, email=new_email, details=new_details)
    if updated.phones == current.phones and updated.email == current.email and updated.details == current.details:
        raise ValidationFailed(NO_CHANGE, code="cic.no_change")  # R-CIC-3
    return updated


def contact_phone_field_errors(phones: Sequence[Mapping[str, object]]) -> list[FieldError]:
    """R-CIC-2 on the phones' fields present, as `plan_contact_change` applies them: for a body whose other fields
    the request schema refused (issue 16: one pass). Whether the member is the primary insured, and whether anything
    changes (R-CIC-1, R-CIC-3), need the member's record: the service's, once the body is valid."""
    errors = ErrorCollector()
    _check_phones(phones, errors)
    return errors.errors


def _check_phones(
    phones: Sequence[Mapping[str, object]], errors: ErrorCollector
) -> list[tuple[PhoneType, str, Mapping[str, object]]]:
    """R-CIC-2: a type (once each), 10 digits, an extension of up to 6 digits, texts to a cellular phone only.
    Returns the phones without a problem: (type, digits, the phone)."""
    accepted: list[tuple[PhoneType, str, Mapping[str, object]]] = []
    seen: set[str] = set()
    for i, phone in enumerate(phones):
        if not phone.get("type"):
            errors.add(
                f"phones.{i}.type",
                "cic.phone_type_required",
                "Select a phone type (home, cellular, work or fax) for every phone number.",
            )
            continue
        try:
            kind = PhoneType(str(phone["type"]))
        except ValueError:
            errors.add(f"phones.{i}.type", "cic.phone_type_invalid", "Phone type must be home, cellular, work or fax.")
            continue
        if kind.value in seen:
            errors.add(f"phones.{i}.type", "cic.phone_type_repeated", f"Only one {kind.value} phone number.")
            continue
        seen.add(kind.value)
        digits = normalize_phone(str(phone.get("number") or ""))
        if len(digits) != 10:
            errors.add(f"phones.{i}.number", "cic.phone_invalid", "Enter a 10-digit phone number.")
            continue
        extension = phone.get("extension")
        if extension and not re.fullmatch(r"\d{1,6}", str(extension)):
            errors.add(f"phones.{i}.extension", "cic.extension_invalid", "An extension is up to 6 digits.")
            continue
        if phone.get("send_text") and kind is not PhoneType.cellular:
            errors.add(f"phones.{i}.send_text", "cic.send_text_cell_only", "Texts can only go to a cellular phone.")
            continue
        accepted.append((kind, digits, phone))
    return accepted


def contact_change_effective_at(now: datetime, delay_minutes: int) -> datetime:
    """R-CIC-4: the change reaches the member record in about 4 hours (a setting)."""
    return now + timedelta(minutes=delay_minutes)


def minor_uses_primary_contact(relationship: str, born: date, today: date) -> bool:
    """R-CIC-5: dependents under 18 use the primary insured's phone and email."""
    return relationship == "child" and age_on(born, today) < 18


# --- client detail (R-MEM-5): what the service reads, as plain data -------------------------------------------


@dataclass(frozen=True)
class PcpView:
    """The primary care physician in force for a member on a policy."""

    medical_group_number: str
    medical_group_name: str
    pcp_number: str
    physician_name: str
    phone: str
    effective_date: date
    term_date: date


@dataclass(frozen=True)
class CoveredMember:
    member_id: str
    member_number: str
    first_name: str
    middle_initial: str | None
    last_name: str
    relationship: str
    date_of_birth: date
    sex: str
    coverage_start: date
    coverage_end: date | None
    uses_primary_contact: bool  # R-CIC-5
    pcp: PcpView | None


@dataclass
class PolicyDetail:
    policy_id: str
    product_name: str
    coverage: str
    product_type: str
    network_type: str
    requires_pcp: bool
    status: str
    exchange: str
    group_number: str
    coverage_effective_date: date
    paid_to_date: date | None
    termination_date: date | None
    plan_id: str
    e_app_number: str | None
    client_app_id: str | None
    exchange_assigned_id: str | None
    pending_application_id: str | None
    producer_number: str
    grandfathered: bool
    temporary_plan: bool
    member_count: int
    members: list[CoveredMember] = field(default_factory=list)


@dataclass(frozen=True)
class ContactChangeView:
    """A contact-information change request: pending until `effective_at`, then applied (R-CIC-4)."""

    id: int
    status: str
    requested_at: datetime
    effective_at: datetime
    current: dict[str, object] | None
    updated: dict[str, object] | None


@dataclass(frozen=True)
class AccountAddress:
    address1: str
    address2: str | None
    city: str
    state: str
    zip_code: str
    county: str | None


@dataclass(frozen=True)
class AccountPhones:
    home: str | None
    cell: str | None
    work: str | None
    spouse_cell: str | None
    fax: str | None


@dataclass(frozen=True)
class ClientDetail:
    """R-MEM-5: the primary insured's demographics and phones, policies with members, pending contact changes."""

    account_number: str
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    ssn_last4: str
    address: AccountAddress
    email: str | None
    phones: AccountPhones
    policies: list[PolicyDetail]
    pending_contact_changes: list[ContactChangeView]

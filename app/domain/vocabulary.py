"""The closed vocabularies of the API (issue 16): one spelling per concept across members, reports, applications and
payments. Pure code.

Where two resources grew two spellings of one concept, new clients use one and the old one is still read on input
(deprecated), so existing clients keep working; responses keep the spelling they always had:

- exchange: `on` / `off` (plans, quotes, policies, reports, and the members search filter `filter_exchange`). The
  members' "Product Type" column keeps the guide's `ON-EXCHANGE` / `OFF-EXCHANGE` (`product_type`, R-MEM-4), and
  `filter_product_type` still takes those (deprecated: use `filter_exchange`).
- application status: `incomplete` / `submitted` / `failed` everywhere; `completed` (the applications list's old
  filter spelling) is read as `submitted` (deprecated).
- statuses that name a state shown on screen keep the guide's words (`Active`, `Grace Period`, `Termed`; payments
  `Pending`, `Successful`, ...); filters over them accept any letter case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar


class Exchange(StrEnum):
    on = "on"
    off = "off"


class ProductType(StrEnum):
    """R-MEM-4 "Product Type": the exchange as the guide shows it."""

    on_exchange = "ON-EXCHANGE"
    off_exchange = "OFF-EXCHANGE"


PRODUCT_TYPE_OF = {Exchange.on: ProductType.on_exchange, Exchange.off: ProductType.off_exchange}
EXCHANGE_OF = {p: e for e, p in PRODUCT_TYPE_OF.items()}


class Coverage(StrEnum):
    """A plan's or a policy's kind."""

    medical = "medical"
    dental = "dental"


class PolicyStatus(StrEnum):
    active = "Active"
    grace_period = "Grace Period"
    termed = "Termed"


class SearchStatus(StrEnum):
    """R-MEM-4 "Status": a policy's, or `Submitted` for an application row (R-ENR-15)."""

    active = "Active"
    grace_period = "Grace Period"
    termed = "Termed"
    submitted = "Submitted"


class RecordType(StrEnum):
    policy = "Policy"
    application = "Application"


class Relationship(StrEnum):
    primary = "primary"
    spouse = "spouse"
    child = "child"


class NetworkType(StrEnum):
    hmo = "HMO"
    pos = "POS"
    ppo = "PPO"
    epo = "EPO"


class MetalLevel(StrEnum):
    bronze = "bronze"
    silver = "silver"
    gold = "gold"
    platinum = "platinum"
    catastrophic = "catastrophic"


class ApplicationStatus(StrEnum):
    incomplete = "incomplete"
    submitted = "submitted"
    failed = "failed"


class PaymentStatus(StrEnum):
    pending = "Pending"
    successful = "Successful"
    declined = "Declined"
    cancelled = "Cancelled"


class ApplicationPaymentStatus(StrEnum):
    """R-PAY-4: an application shows its latest payment's status, or Pay Later."""

    pending = "Pending"
    successful = "Successful"
    declined = "Declined"
    cancelled = "Cancelled"
    pay_later = "Pay Later"


class PaymentMethod(StrEnum):
    card = "card"
    bank_account = "bank_account"


class BankAccountType(StrEnum):
    checking = "checking"
    savings = "savings"


class Decision(StrEnum):
    approved = "approved"
    declined = "declined"


class ContactChangeStatus(StrEnum):
    pending = "pending"
    applied = "applied"


class IdCardKind(StrEnum):
    temporary = "temporary"
    permanent = "permanent"


class IdCardStatus(StrEnum):
    generated = "Generated"
    requested = "Requested"


class IdCardSource(StrEnum):
    producer = "producer"
    pcp_change = "pcp_change"


class DelegateStatus(StrEnum):
    email_not_verified = "email_not_verified"
    password_not_created = "password_not_created"
    active = "active"
    removed = "removed"


class RegistrationKind(StrEnum):
    new_account = "new_account"
    additional_state = "additional_state"


class RegistrationStatus(StrEnum):
    pending = "pending"
    active = "active"
    rejected = "rejected"  # every state registration rejected (issue 15)


class OutboxStatus(StrEnum):
    pending = "pending"
    sent = "sent"
    failed = "failed"
    recorded = "recorded"


class Outcome(StrEnum):
    success = "success"
    failure = "failure"


# Deprecated input spellings -> the one spelling (issue 16).
APPLICATION_STATUS_ALIASES: Mapping[str, str] = {"completed": ApplicationStatus.submitted.value}


def canonical(value: object, allowed: Iterable[str], aliases: Mapping[str, str] | None = None) -> object:
    """`value` in its one spelling when it names an allowed value in any letter case or a deprecated alias;
    anything else unchanged (the schema then refuses it, naming the allowed values)."""
    if not isinstance(value, str):
        return value
    key = value.strip().casefold()
    for alias, target in (aliases or {}).items():
        if key == alias.casefold():
            return target
    for name in allowed:
        if key == name.casefold():
            return name
    return value


E = TypeVar("E", bound=StrEnum)


def maybe(enum: type[E], value: str | None) -> E | None:
    """`value` as a member of `enum` (None stays None); a value outside it is a bug (ValueError)."""
    return None if value is None else enum(value)

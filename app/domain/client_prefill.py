"""Start an application from an existing client of the book (R-ENR-7 "can be prefilled from an existing client",
issue 14). Pure: the service passes in the account as the book holds it and the producer's writing numbers.

The prefill is what the producer starts from, not a saved section: the applicant and household sections are still
saved (and checked by R-ENR-6..9) by the producer, who also chooses the form type and authorization. Like an
application started from a quote (R-ENR-1), it lives under `sections["prefill"]`, in the shapes of the applicant
and household sections, and the general section gets the producer's writing number in the client's state (R-ENR-3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ClientPerson:
    relationship: str  # primary | spouse | child (the book's members)
    first_name: str
    middle_initial: str | None
    last_name: str
    date_of_birth: date
    sex: str
    ssn_last4: str | None


@dataclass(frozen=True)
class ClientFacts:
    """An account of the producer's book: its primary insured's address and contact, and its members."""

    account_number: str
    primary: ClientPerson
    address1: str
    address2: str | None
    city: str
    state: str
    zip_code: str
    county: str | None
    email: str | None
    phone_cell: str | None
    phone_home: str | None
    phone_work: str | None
    members: Sequence[ClientPerson]  # spouse and children (the primary is `primary`)


def primary_phone(client: ClientFacts) -> tuple[str, str] | None:
    """The number and its type (R-ENR-7 mobile or landline): the cell phone first, else home, else work."""
    if client.phone_cell:
        return client.phone_cell, "mobile"
    for number in (client.phone_home, client.phone_work):
        if number:
            return number, "landline"
    return None


def writing_number(numbers: Mapping[str, str], state: str) -> str | None:
    """R-ENR-3: the producer's active writing number in the client's home state (the first, when several)."""
    return next((n for n, st in sorted(numbers.items()) if st == state), None)


def _person(p: ClientPerson) -> dict[str, Any]:
    return {
        "first_name": p.first_name,
        "middle_initial": p.middle_initial,
        "last_name": p.last_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex,
        "ssn_last4": p.ssn_last4,
    }


def prefill_sections(client: ClientFacts, numbers: Mapping[str, str]) -> dict[str, Any]:
    """The sections a new application starts with: the prefill (applicant, home address, contact, spouse and
    dependents as the book has them) and, when the producer writes in the client's state, the general section."""
    phone = primary_phone(client)
    spouse = next((m for m in client.members if m.relationship == "spouse"), None)
    children = [m for m in client.members if m.relationship == "child"]
    sections: dict[str, Any] = {
        "prefill": {
            "source": "account",
            "account_number": client.account_number,
            "applicant": _person(client.primary),
            "home": {
                "address1": client.address1,
                "address2": client.address2,
                "city": client.city,
                "state": client.state,
                "zip_code": client.zip_code,
                "county": client.county,
            },
            "contact": {
                "primary_phone": phone[0] if phone else None,
                "phone_type": phone[1] if phone else None,
                "email": client.email,
            },
            "spouse": _person(spouse) if spouse else None,
            "dependents": [_person(c) for c in children],
        }
    }
    number = writing_number(numbers, client.state)
    if number:
        sections["general"] = {"producer_number": number, "is_sep": True, "life_events": []}
    return sections

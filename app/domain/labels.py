"""Human labels for the closed values of an application (issue 14: the application PDF prints no raw codes).

One table, `LABELS`: for each kind of closed value (the `Literal`s and enums of the sections), every stored code
and the words a producer and a client read for it, after the carrier's enrollment guide. `label(kind, code)`
answers them; a code missing from the table is a programming error (a new closed value needs its label here),
which the unit tests catch by walking the section models.
"""

from __future__ import annotations

from collections.abc import Mapping

LABELS: Mapping[str, Mapping[str, str]] = {
    "form_type": {"medical_dental": "Medical/Dental Application", "dental": "Dental Only Application"},
    "authorization": {
        "paper_application": "Signed paper application on file",
        "in_person": "Assisting the client in person",
    },
    "sex": {"female": "Female", "male": "Male"},
    "phone_type": {"mobile": "Mobile", "landline": "Landline"},
    "payment_option": {"pay_now": "Pay Now", "pay_later": "Pay Later (bill by mail)"},
    "hra_type": {
        "ICHRA": "Individual Coverage HRA (ICHRA)",
        "QSEHRA": "Qualified Small Employer HRA (QSEHRA)",
    },
    "life_event": {
        "birth": "Birth",
        "adoption": "Adoption",
        "foster_care": "Placement in foster care",
        "court_order": "Court order",
        "loss_of_coverage": "Loss of qualifying coverage",
        "marriage": "Marriage",
        "move": "Permanent move",
        "death": "Death",
        "divorce": "Divorce or legal separation",
        "income_change": "Change in income",
        "release_from_incarceration": "Release from incarceration",
        "citizenship": "Gaining citizenship or lawful presence",
    },
    "relationship": {"primary": "Primary Applicant", "spouse": "Spouse", "child": "Dependent"},
    "coverage": {"medical": "Medical", "dental": "Dental"},
    "yes_no": {"true": "Yes", "false": "No"},
}


def label(kind: str, code: object) -> str:
    """The words for a stored code (`label("sex", "female") == "Female"`); "" for no value.

    KeyError for an unknown kind or code: a closed value without its label is a bug to fix in `LABELS`.
    """
    if code is None or code == "":
        return ""
    key = str(code).lower() if isinstance(code, bool) else str(code)
    return LABELS[kind][key]


def yes_no(value: object) -> str:
    return label("yes_no", bool(value))


def applicant_label(key: str, names: Mapping[str, str] | None = None) -> str:
    """A PCP choice's `applicant` key (primary, spouse, dependent:N) as the person's role and name, if known."""
    names = names or {}
    if key.startswith("dependent:"):
        role = f"Dependent {int(key.split(':', 1)[1]) + 1}"
    else:
        role = label("relationship", key)
    name = names.get(key)
    return f"{role} ({name})" if name else role

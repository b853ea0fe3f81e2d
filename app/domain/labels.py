"""Human labels for the closed values of an application (issue 14: the application PDF prints no raw codes).

One table, `LABELS`: for each kind of closed value (the `Literal`s and enums of the sections), every stored code
and the words a producer and a client read for it, after the carrier's enrollment guide. `label(kind, code)`
answers them; a code missing from the table is a programming error (a new closed value needs its label here),
which the unit tests catch by walking the section models.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.domain.option_lists import (
    AUTHORIZATIONS,
    ETHNICITIES,
    FORM_TYPES,
    HRA_TYPES,
    LANGUAGES,
    LIFE_EVENTS,
    PAYMENT_OPTIONS,
    PHONE_TYPES,
    RACES,
    SEXES,
    labels_of,
)

LABELS: Mapping[str, Mapping[str, str]] = {
    # the closed lists the API serves at GET /option-lists, with their labels (one table: app/domain/option_lists.py)
    "form_type": labels_of(FORM_TYPES),
    "authorization": labels_of(AUTHORIZATIONS),
    "sex": labels_of(SEXES),
    "phone_type": labels_of(PHONE_TYPES),
    "payment_option": labels_of(PAYMENT_OPTIONS),
    "hra_type": labels_of(HRA_TYPES),
    "life_event": labels_of(LIFE_EVENTS),
    "language": labels_of(LANGUAGES),
    "ethnicity": labels_of(ETHNICITIES),
    "race": labels_of(RACES),
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

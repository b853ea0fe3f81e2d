"""The closed option lists of the application (R-ENR-8; issue 14), served at GET /option-lists and checked at
section save: a code outside its list is refused, never stored as free text.

Race and ethnicity follow the federal standard: the OMB 1997 minimum categories as disaggregated by the HHS
2011 data standard (section 4302 of the Affordable Care Act), in the carrier's form order (enrollment guide,
"Optional Language, Ethnicity, & Identity"). Languages: the languages of the HHS nondiscrimination taglines
(45 CFR 92) plus English and ASL, coded ISO 639-3 (ASL "ase").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.domain.effective_dates import LABELS as LIFE_EVENT_LABELS
from app.domain.errors import ErrorCollector


@dataclass(frozen=True)
class Option:
    code: str
    label: str


def _options(*pairs: tuple[str, str]) -> tuple[Option, ...]:
    return tuple(Option(c, label) for c, label in pairs)


LANGUAGES = _options(
    ("eng", "English"),
    ("spa", "Spanish"),
    ("zho", "Chinese"),
    ("vie", "Vietnamese"),
    ("kor", "Korean"),
    ("tgl", "Tagalog"),
    ("rus", "Russian"),
    ("ara", "Arabic"),
    ("hat", "Haitian Creole"),
    ("fra", "French"),
    ("pol", "Polish"),
    ("por", "Portuguese"),
    ("ita", "Italian"),
    ("deu", "German"),
    ("jpn", "Japanese"),
    ("fas", "Persian (Farsi)"),
    ("hin", "Hindi"),
    ("guj", "Gujarati"),
    ("urd", "Urdu"),
    ("ben", "Bengali"),
    ("amh", "Amharic"),
    ("yor", "Yoruba"),
    ("pan", "Punjabi"),
    ("hmn", "Hmong"),
    ("khm", "Khmer"),
    ("lao", "Lao"),
    ("som", "Somali"),
    ("ukr", "Ukrainian"),
    ("nav", "Navajo"),
    ("ase", "American Sign Language"),
    ("other", "Other"),
)

# HHS 2011: "Hispanic, Latino/a, or Spanish origin" and its granular categories (the form's wording)
ETHNICITIES = _options(
    ("not_hispanic", "Not of Hispanic, Latino/a, or Spanish origin"),
    ("mexican", "Mexican"),
    ("mexican_american", "Mexican American"),
    ("chicano", "Chicano/a"),
    ("puerto_rican", "Puerto Rican"),
    ("cuban", "Cuban"),
    ("other_hispanic", "Another Hispanic, Latino/a, or Spanish origin"),
)

# OMB 1997's five races, Asian and Native Hawaiian or Other Pacific Islander disaggregated per HHS 2011
RACES = _options(
    ("white", "White"),
    ("black", "Black or African American"),
    ("american_indian_alaska_native", "American Indian or Alaska Native"),
    ("asian_indian", "Asian Indian"),
    ("chinese", "Chinese"),
    ("filipino", "Filipino"),
    ("japanese", "Japanese"),
    ("korean", "Korean"),
    ("vietnamese", "Vietnamese"),
    ("other_asian", "Other Asian"),
    ("native_hawaiian", "Native Hawaiian"),
    ("guamanian_chamorro", "Guamanian or Chamorro"),
    ("samoan", "Samoan"),
    ("other_pacific_islander", "Other Pacific Islander"),
    ("other", "Other"),
)

# The other closed lists of the application, as the section schemas spell them (a test keeps them equal)
# Labels in the carrier's enrollment-guide wording: the API's lists and the application PDF (app/domain/labels.py)
# print the same words.
SEXES = _options(("female", "Female"), ("male", "Male"))
PHONE_TYPES = _options(("mobile", "Mobile"), ("landline", "Landline"))
FORM_TYPES = _options(("medical_dental", "Medical/Dental Application"), ("dental", "Dental Only Application"))
AUTHORIZATIONS = _options(
    ("in_person", "Assisting the client in person"),
    ("paper_application", "Signed paper application on file"),
)
HRA_TYPES = _options(("ICHRA", "Individual Coverage HRA (ICHRA)"), ("QSEHRA", "Qualified Small Employer HRA (QSEHRA)"))
PAYMENT_OPTIONS = _options(("pay_now", "Pay Now"), ("pay_later", "Pay Later (bill by mail)"))
TOBACCO_USE = _options(
    ("false", "No"),
    ("true", "Yes: tobacco 4 or more times a week in the past six months"),
)
HOUSEHOLD_MEMBERS = _options(("primary", "Primary applicant"), ("spouse", "Spouse"), ("dependent", "Dependent"))
LIFE_EVENTS = tuple(Option(e.value, label) for e, label in LIFE_EVENT_LABELS.items())


def labels_of(options: tuple[Option, ...]) -> dict[str, str]:
    """code -> label of one list."""
    return {o.code: o.label for o in options}


OPTION_LISTS: dict[str, tuple[Option, ...]] = {
    "languages": LANGUAGES,
    "ethnicities": ETHNICITIES,
    "races": RACES,
    "sexes": SEXES,
    "phone_types": PHONE_TYPES,
    "form_types": FORM_TYPES,
    "authorizations": AUTHORIZATIONS,
    "hra_types": HRA_TYPES,
    "payment_options": PAYMENT_OPTIONS,
    "tobacco_use": TOBACCO_USE,
    "household_members": HOUSEHOLD_MEMBERS,
    "life_events": LIFE_EVENTS,
}

PERSON_KEY_PATTERN = "primary, spouse or dependent:N"
_SINGLE = {"spoken_language": LANGUAGES, "written_language": LANGUAGES}
_MANY = {"ethnicity": ETHNICITIES, "race": RACES}


def _person_key_ok(key: str) -> bool:
    if key in ("primary", "spouse"):
        return True
    kind, _, index = key.partition(":")
    return kind == "dependent" and index.isdigit() and len(index) <= 2


def check_language_ethnicity(data: dict[str, Any] | None, errors: ErrorCollector, path: str) -> None:
    """R-ENR-8: per person (`primary`, `spouse`, `dependent:N`) optional `spoken_language`,
    `written_language` (one language code each), `ethnicity` and `race` (lists of codes); all from the lists."""
    if not data:
        return
    for key, answers in data.items():
        where = f"{path}.{key}"
        if not _person_key_ok(key):
            errors.add(where, "enrollment.unknown_person", f"Answers are per person: {PERSON_KEY_PATTERN}.")
            continue
        if answers is None:
            continue
        if not isinstance(answers, dict):
            errors.add(where, "enrollment.option_invalid", "Give the answers as an object.")
            continue
        for field, value in answers.items():
            if field in _SINGLE:
                allowed = {o.code for o in _SINGLE[field]}
                if value is not None and value not in allowed:
                    errors.add(
                        f"{where}.{field}",
                        "enrollment.option_invalid",
                        f"{value!r} is not a language of the list; pick a code from GET /option-lists (languages), "
                        "or 'other'.",
                    )
            elif field in _MANY:
                allowed = {o.code for o in _MANY[field]}
                values = value if isinstance(value, list) else [value]
                bad = [v for v in values if v not in allowed]
                if bad:
                    name = "ethnicities" if field == "ethnicity" else "races"
                    errors.add(
                        f"{where}.{field}",
                        "enrollment.option_invalid",
                        f"{', '.join(repr(b) for b in bad)}: not in the federal standard {field} categories; pick "
                        f"codes from GET /option-lists ({name}).",
                    )
            else:
                errors.add(
                    f"{where}.{field}",
                    "enrollment.option_unknown_field",
                    "Known answers: spoken_language, written_language, ethnicity, race.",
                )

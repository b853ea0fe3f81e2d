"""Prospects (sales leads): field rules, search keys and criteria, sorting, export columns. Pure code.

R-PRO-1 (fields), R-PRO-2 (search), R-PRO-3 (export/print columns and limits). No I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from app.domain.accounts import US_STATES, normalize_phone
from app.domain.errors import ErrorCollector, FieldError, ValidationFailed
from app.domain.text import name_key

REQUIRED_FIELDS = ("first_name", "last_name", "state", "zip_code")
OPTIONAL_FIELDS = (
    "middle_initial",
    "address1",
    "address2",
    "city",
    "phone",
    "cell_phone",
    "email",
    "assigned_agent_number",
)
EDITABLE_FIELDS = REQUIRED_FIELDS + OPTIONAL_FIELDS
LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "state": "State",
    "zip_code": "Zip code",
    "middle_initial": "Middle initial",
    "address1": "Address 1",
    "address2": "Address 2",
    "city": "City",
    "phone": "Phone number",
    "cell_phone": "Cell phone",
    "email": "Email address",
    "assigned_agent_number": "Assigned agent number",
}
# Column sizes of the prospects table; the keys are as long as the values they are built from.
MAX_LENGTHS = {"first_name": 100, "last_name": 100, "address1": 200, "address2": 200, "city": 100, "email": 254}
EMAIL_KEY_LENGTH = 254

ZIP5_RE = re.compile(r"^[0-9]{5}$")
AGENT_NUMBER_RE = re.compile(r"^[0-9]{9}$")
# The API checks addresses fully (pydantic EmailStr); this only guards other callers (seeds, imports).
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Control characters (NUL among them) are never part of a name or an address, and PostgreSQL refuses NUL.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")

SEARCH_FIELDS = ("first_name", "last_name", "city", "state", "zip_code", "phone", "email")
SORTABLE = ("first_name", "last_name", "city", "state", "zip_code", "created_at", "updated_at")
# R-PRO-2: as the screen lists them; `id` always ends the order so pages never overlap or skip rows.
DEFAULT_SORT: tuple[tuple[str, bool], ...] = (("last_name", False), ("first_name", False))

# R-PRO-3: a file is built in one request; these bound its size (see the export and print routes).
EXPORT_MAX_ROWS = 100_000
PRINT_MAX_ROWS = 5_000
BULK_DELETE_MAX = 1_000
# Rows selected for an export or a print travel in the URL: at most a full page of them (longer URLs
# would pass the 64 KiB request-line limit of the server); "Export All" with search fields covers the rest.
SELECTED_MAX = 200
SELECTED_ID_CHARS = 20

MAX_CODE_POINT = 0x10FFFF


@dataclass(frozen=True)
class ProspectData:
    """A prospect's editable fields, validated and normalised (R-PRO-1)."""

    first_name: str
    last_name: str
    state: str
    zip_code: str
    middle_initial: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    phone: str | None = None
    cell_phone: str | None = None
    email: str | None = None
    assigned_agent_number: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def keys(self) -> dict[str, str | None]:
        """The search keys stored beside the values (R-PRO-2): lower-case names, city and email."""
        return {
            "first_name_key": name_key(self.first_name),
            "last_name_key": name_key(self.last_name),
            "city_key": name_key(self.city) if self.city else None,
            "email_key": email_key(self.email) if self.email else None,
        }


@dataclass(frozen=True, slots=True)
class ProspectRecord:
    """A prospect as listed, exported and printed (a read-side DTO)."""

    id: int
    first_name: str
    middle_initial: str | None
    last_name: str
    address1: str | None
    address2: str | None
    city: str | None
    state: str
    zip_code: str
    phone: str | None
    cell_phone: str | None
    email: str | None
    assigned_agent_number: str | None
    created_at: datetime
    updated_at: datetime


def email_key(value: str) -> str:
    return value.strip().lower()[:EMAIL_KEY_LENGTH]


def prefix_bounds(prefix: str) -> tuple[str, str | None]:
    """A prefix as a half-open range `lower <= key < upper` (upper None: unbounded).

    The "next string" trick: bump the last character by one code point, so `smi` gives [`smi`, `smj`).
    Correct for any binary code-point order: SQLite's BINARY and PostgreSQL's "C" collation on UTF-8.
    """
    chars = list(prefix)
    while chars and ord(chars[-1]) >= MAX_CODE_POINT:
        chars.pop()
    if not chars:
        return prefix, None
    bumped = ord(chars[-1]) + 1
    if 0xD800 <= bumped <= 0xDFFF:  # surrogates are not characters: jump over them
        bumped = 0xE000
    chars[-1] = chr(bumped)
    return prefix, "".join(chars)


def _clean(value: object) -> str | None:
    """Strip; a blank optional value counts as not given."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def validate_prospect(values: Mapping[str, object]) -> ProspectData:
    """R-PRO-1: check every field of a whole prospect at once; returns the normalised data.

    Required: first name, last name, state (a US state code), zip code (5 digits). Optional: middle
    initial (one letter), addresses, city, phone and cell phone (10 digits, any punctuation), email,
    the agent the prospect is assigned to (a nine-digit producer number).
    """
    out, errors = _check_fields(values, EDITABLE_FIELDS)
    errors.raise_if_any("Some prospect fields are missing or invalid")
    return ProspectData(**out)  # type: ignore[arg-type]


def prospect_field_errors(values: Mapping[str, object]) -> list[FieldError]:
    """R-PRO-1 on the fields sent only (a field absent is neither required nor checked): the rules
    `validate_prospect` applies, for a body whose other fields the request schema refused (issue 16: one pass)."""
    return _check_fields(values, tuple(name for name in EDITABLE_FIELDS if name in values))[1].errors


def _check_fields(values: Mapping[str, object], names: tuple[str, ...]) -> tuple[dict[str, str | None], ErrorCollector]:
    """R-PRO-1 for `names`: their normalised values and every problem found."""
    errors = ErrorCollector()
    out: dict[str, str | None] = {}
    for name in names:
        out[name] = _clean(values.get(name))
        text = out[name]
        if text is None:
            if name in REQUIRED_FIELDS:
                errors.add(name, "prospect.required", f"{LABELS[name]} is required.")
            continue
        if CONTROL_RE.search(text):
            errors.add(
                name,
                "prospect.invalid_characters",
                f"{LABELS[name]} contains characters that are not allowed (control characters).",
            )
            out[name] = None
            continue
        limit = MAX_LENGTHS.get(name)
        if limit is not None and len(text) > limit:
            errors.add(name, "prospect.too_long", f"{LABELS[name]} can be at most {limit} characters.")
    if out.get("state") is not None:
        out["state"] = (out["state"] or "").upper()
        if out["state"] not in US_STATES:
            errors.add("state", "prospect.state_invalid", "Enter a two-letter US state code, e.g. IL.")
    if out.get("zip_code") is not None and not ZIP5_RE.match(out["zip_code"] or ""):
        errors.add("zip_code", "prospect.zip_code_invalid", "Enter a 5-digit zip code.")
    if out.get("middle_initial") is not None:
        initial = out["middle_initial"] = (out["middle_initial"] or "").upper()
        if len(initial) != 1 or not initial.isalpha():
            errors.add("middle_initial", "prospect.middle_initial_invalid", "The middle initial is one letter.")
    for name in ("phone", "cell_phone"):
        if out.get(name) is not None:
            digits = normalize_phone(out[name] or "")
            if len(digits) != 10:
                errors.add(name, "prospect.phone_invalid", f"{LABELS[name]}: enter a 10-digit phone number.")
            out[name] = digits
    if out.get("assigned_agent_number") is not None and not AGENT_NUMBER_RE.match(out["assigned_agent_number"] or ""):
        errors.add(
            "assigned_agent_number",
            "prospect.agent_number_invalid",
            "Assign the prospect to an agent by their nine-digit producer number (Agent Unique ID).",
        )
    if out.get("email") is not None and not EMAIL_RE.match(out["email"] or ""):
        errors.add("email", "prospect.email_invalid", "Enter an email address like name@example.com.")
    return out, errors


def merge_update(current: ProspectData, changes: Mapping[str, object]) -> tuple[ProspectData, list[str]]:
    """PATCH: apply the fields sent (None clears an optional field) and re-check the whole prospect.

    Returns the new data and the names of the fields whose value changed.
    """
    unknown = sorted(set(changes) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationFailed(f"{unknown[0]} cannot be changed.", code="prospect.field_not_editable", field=unknown[0])
    merged = {**current.as_dict(), **changes}
    updated = validate_prospect(merged)
    before, after = current.as_dict(), updated.as_dict()
    return updated, [name for name in EDITABLE_FIELDS if before[name] != after[name]]


@dataclass(frozen=True)
class ProspectQuery:
    """R-PRO-2 search criteria, normalised; all given ones must match (AND). None of them: show all."""

    first_name_prefix: str | None = None
    last_name_prefix: str | None = None
    city_prefix: str | None = None
    state: str | None = None
    zip_code: str | None = None
    phone: str | None = None
    email: str | None = None

    @property
    def is_show_all(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


def build_prospect_query(raw: Mapping[str, str | None]) -> ProspectQuery:
    """R-PRO-2: any of seven fields, alone or combined; blanks are ignored; every problem at once.

    Names and city match case-insensitively from their start; state and zip code exactly; a phone
    number (10 digits, any punctuation) matches the phone or the cell phone; email exactly, any case.
    """
    errors = ErrorCollector()
    values = {k: _clean(raw.get(k)) for k in SEARCH_FIELDS}
    for name, text in values.items():
        if text is not None and CONTROL_RE.search(text):
            errors.add(name, "prospect.invalid_characters", f"{LABELS[name]} contains control characters.")
            values[name] = None
    out: dict[str, str | None] = {}
    for name in ("first_name", "last_name", "city"):
        text = values[name]
        out[f"{name}_prefix"] = name_key(text) if text else None
    if values["state"] is not None:
        out["state"] = values["state"].upper()
        if out["state"] not in US_STATES:
            errors.add("state", "prospect.state_invalid", "Search by a two-letter US state code, e.g. IL.")
    if values["zip_code"] is not None:
        out["zip_code"] = values["zip_code"]
        if not ZIP5_RE.match(values["zip_code"]):
            errors.add("zip_code", "prospect.zip_code_invalid", "Search by a 5-digit zip code.")
    if values["phone"] is not None:
        out["phone"] = normalize_phone(values["phone"])
        if len(out["phone"] or "") != 10:
            errors.add("phone", "prospect.phone_invalid", "Search by a 10-digit phone number.")
    if values["email"] is not None:
        out["email"] = email_key(values["email"])
    errors.raise_if_any("Some search fields are invalid")
    return ProspectQuery(**out)


def parse_sort(sort: str | None) -> tuple[tuple[str, bool], ...]:
    """`last_name,-created_at` -> ((last_name, ascending), (created_at, descending)); whitelist only."""
    if sort is None or not sort.strip():
        return DEFAULT_SORT
    order: list[tuple[str, bool]] = []
    for part in sort.split(","):
        part = part.strip()
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in SORTABLE:
            raise ValidationFailed(
                f"Cannot sort by {name!r}. Sort by {', '.join(SORTABLE)}; a leading '-' sorts descending, "
                "e.g. sort=last_name,-created_at.",
                code="prospect.sort_invalid",
                field="sort",
            )
        if name not in {n for n, _ in order}:
            order.append((name, descending))
    return tuple(order)


def parse_ids(raw: list[str] | None, *, limit: int, field: str = "ids") -> list[int] | None:
    """Ids repeated (`ids=1&ids=2`) or comma-separated (`ids=1,2`); None when none were given."""
    if not raw:
        return None
    ids: list[int] = []
    for chunk in raw:
        for piece in chunk.split(","):
            piece = piece.strip()
            if not piece:
                continue
            if not piece.isascii() or not piece.isdigit() or len(piece) > 18 or int(piece) < 1:
                raise ValidationFailed(f"{piece!r} is not a prospect id.", code="prospect.ids_invalid", field=field)
            ids.append(int(piece))
    if not ids:
        return None
    unique = list(dict.fromkeys(ids))
    if len(unique) > limit:
        raise ValidationFailed(
            f"Select at most {limit:,} prospects at once.", code="prospect.too_many_ids", field=field
        )
    return unique


def format_phone(digits: str | None) -> str | None:
    """10 digits as (312) 555-0100, as the screen shows them."""
    if not digits:
        return None
    if len(digits) != 10:
        return digits
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"


def created_date(p: ProspectRecord) -> date:
    return p.created_at.date()


# R-PRO-3: export and print columns, headers as on the prospect search screen.
EXPORT_COLUMNS: tuple[tuple[str, Callable[[ProspectRecord], object]], ...] = (
    ("First Name", lambda p: p.first_name),
    ("MI", lambda p: p.middle_initial),
    ("Last Name", lambda p: p.last_name),
    ("Address 1", lambda p: p.address1),
    ("Address 2", lambda p: p.address2),
    ("City", lambda p: p.city),
    ("State", lambda p: p.state),
    ("Zip Code", lambda p: p.zip_code),
    ("Phone Number", lambda p: format_phone(p.phone)),
    ("Cell Phone", lambda p: format_phone(p.cell_phone)),
    ("Email Address", lambda p: p.email),
    ("Created", created_date),
)
# Relative widths of the columns above: for the spreadsheet (characters) and the printed table.
EXPORT_WIDTHS = (16.0, 5.0, 18.0, 24.0, 14.0, 14.0, 7.0, 10.0, 15.0, 15.0, 28.0, 11.0)
PRINT_WIDTHS = (1.15, 0.35, 1.25, 1.7, 1.0, 1.0, 0.45, 0.6, 1.05, 1.05, 2.0, 0.75)


def check_assigned_agent(number: str | None, own_numbers: Mapping[str, str]) -> None:
    """R-PRO-1: a prospect is assigned only to one of the producer's own active producer numbers (issue 15)."""
    if number is None or number in own_numbers:
        return
    raise ValidationFailed(
        "Assign the prospect to one of your own producer numbers"
        + (f" ({', '.join(sorted(own_numbers))})." if own_numbers else "; you have no active producer number yet."),
        code="prospect.agent_number_not_yours",
        field="assigned_agent_number",
    )

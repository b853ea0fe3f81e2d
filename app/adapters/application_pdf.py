"""The completed application as a PDF (R-ENR-17), built with reportlab; SSNs appear masked only."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

BLUE = colors.HexColor("#0B4A8B")


def _d(v: Any) -> str:
    if v in (None, ""):
        return ""
    if isinstance(v, datetime | date):
        return v.strftime("%m/%d/%Y")
    try:
        return date.fromisoformat(str(v)).strftime("%m/%d/%Y")
    except ValueError:
        return str(v)


def _ssn(person: dict[str, Any]) -> str:
    last4 = person.get("ssn_last4")
    return f"***-**-{last4}" if last4 else "not given"


def _table(rows: list[tuple[str, str]]) -> Table:
    t = Table([[k, v] for k, v in rows], colWidths=[2.2 * inch, 4.8 * inch])
    t.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("FONT", (1, 0), (1, -1), "Helvetica", 9),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return t


def _plan(plan_id: str | None, names: Mapping[str, str]) -> str:
    """A selected plan as the client knows it: its name, with the plan id for the carrier's staff."""
    if not plan_id:
        return "None selected"
    name = names.get(plan_id)
    return f"{name} ({plan_id})" if name else plan_id


def render_application(
    record_number: str,
    producer_name: str,
    product_names: list[str],
    sections: dict[str, Any],
    effective_date: date | None,
    premium: Decimal | None,
    submitted: datetime | None,
    client_app_id: str | None,
    payment_status: str | None,
    state: str | None,
    plan_names: Mapping[str, str] | None = None,
) -> bytes:
    """CPU-bound: call it off the event loop."""
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=letter,
        title=f"Application {record_number}",
        author="Producer Portal",
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.7 * inch,
    )
    styles = getSampleStyleSheet()
    h1, h2 = styles["Title"], styles["Heading2"]
    h2.textColor = BLUE
    story: list[Any] = [Paragraph(f"Individual &amp; Family Application {record_number}", h1)]
    general = sections.get("general") or {}
    story += [
        Paragraph("Application Details", h2),
        _table(
            [
                ("Status", "Submitted"),
                ("State", state or ""),
                ("Producer Name", producer_name),
                ("Producer Number", general.get("producer_number") or ""),
                ("Date Submitted", _d(submitted)),
                ("Record Number", record_number),
                ("Client App ID", client_app_id or ""),
                ("Effective Date", _d(effective_date)),
                ("Monthly Premium", f"${premium:,.2f}" if premium is not None else ""),
                ("Product Name", ", ".join(product_names)),
                ("Payment Status", payment_status or ""),
                ("Special Enrollment", "Yes" if general.get("is_sep", True) else "No"),
                (
                    "Life Events",
                    "; ".join(
                        f"{e['event_type'].replace('_', ' ')} {_d(e['event_date'])}"
                        for e in general.get("life_events") or []
                    ),
                ),
            ]
        ),
    ]
    app = sections.get("applicant") or {}
    person = app.get("applicant") or {}
    home = app.get("home_address") or {}
    contact = app.get("contact") or {}
    story += [
        Spacer(1, 8),
        Paragraph("Primary Applicant", h2),
        _table(
            [
                (
                    "Name",
                    " ".join(
                        x
                        for x in (person.get("first_name"), person.get("middle_initial"), person.get("last_name"))
                        if x
                    ),
                ),
                ("Date of Birth", _d(person.get("date_of_birth"))),
                ("SSN", _ssn(person)),
                ("Sex", person.get("sex", "")),
                ("Tobacco Use", "Yes" if person.get("tobacco_use") else "No"),
                (
                    "Home Address",
                    f"{home.get('address1', '')} {home.get('address2') or ''}, {home.get('city', '')}, "
                    f"{home.get('state', '')} {home.get('zip_code', '')} ({home.get('county') or ''})",
                ),
                ("Phone", f"{contact.get('primary_phone', '')} ({contact.get('phone_type', '')})"),
                ("Email", contact.get("email") or ""),
                ("Application Form", app.get("form_type", "")),
                ("Authorization", app.get("authorization", "").replace("_", " ")),
            ]
        ),
    ]
    house = sections.get("household") or {}
    people = ([("Spouse", house["spouse"])] if house.get("spouse") else []) + [
        (f"Dependent {i + 1}", d) for i, d in enumerate(house.get("dependents") or [])
    ]
    if people:
        story += [
            Spacer(1, 8),
            Paragraph("Household", h2),
            _table(
                [
                    (
                        label,
                        f"{p['first_name']} {p['last_name']}, born {_d(p['date_of_birth'])}, {p['sex']}, SSN {_ssn(p)}",
                    )
                    for label, p in people
                ]
            ),
        ]
    plans = sections.get("plans") or {}
    pcp = ", ".join(f"{c['applicant']}: {c['pcp_number']}" for c in plans.get("pcp") or [])
    story += [
        Spacer(1, 8),
        Paragraph("Plans", h2),
        _table(
            [
                ("Medical Plan", _plan(plans.get("medical_plan_id"), plan_names or {})),
                ("Dental Plan", _plan(plans.get("dental_plan_id"), plan_names or {})),
                ("Pediatric Dental Attested", "Yes" if plans.get("pediatric_dental_attested") else "No"),
                ("PCP", pcp or plans.get("use_same_pcp_number_for_all") or "assigned by the carrier"),
            ]
        ),
    ]
    other = sections.get("other-coverage") or {}
    sig = sections.get("signatures") or {}
    rep = sig.get("authorized_representative")
    guardian = sig.get("parent_guardian")
    story += [
        Spacer(1, 8),
        Paragraph("Other Coverage and Signatures", h2),
        _table(
            [
                ("Replacing Coverage", "Yes" if (other.get("coverage_replacement") or {}).get("replacing") else "No"),
                ("Other Coverage", "Yes" if (other.get("other_coverage") or {}).get("has_other") else "No"),
                ("Proxy Statement", "Agreed" if other.get("proxy_agreed") else "No"),
                (
                    "Authorized Representative",
                    f"{rep['first_name']} {rep['last_name']} ({rep['relationship']})" if rep else "",
                ),
                (
                    "Parent/Legal Guardian",
                    f"{guardian['first_name']} {guardian['last_name']} ({guardian['relationship']})"
                    if guardian
                    else "",
                ),
                ("Consumer Choice Disclosure", "Accepted" if sig.get("consumer_choice_disclosure_accepted") else ""),
                ("Payment", (sig.get("payment_option") or "").replace("_", " ")),
            ]
        ),
    ]
    doc.build(story)
    return buf.getvalue()

"""The submitted application as a PDF: the complete signed record (R-ENR-17, issue 14), built with reportlab.

Every section with human labels (`app.domain.labels`), the statements agreed to word for word
(`app.domain.application_wording`), each signature with its date and time in the producer's time zone, the PCP
of each member, masked SSNs only (R-MEM-7), "Page X of N" and the producer, number and agency on every page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle

from app.domain import application_wording as wording
from app.domain import dates
from app.domain.labels import applicant_label, label, yes_no

BLUE = colors.HexColor("#0B4A8B")
PAGE_WIDTH = 7.0 * inch


@dataclass(frozen=True)
class ApplicationRecord:
    """What the PDF shows: the application as submitted, with the facts the service looked up for it."""

    record_number: str
    status: str
    state: str | None
    producer_name: str
    producer_number: str | None
    agency: str | None
    sections: Mapping[str, Any]  # as the API shows them: SSNs only as their last 4
    effective_date: date | None
    monthly_premium: Decimal | None
    medical_premium: Decimal | None
    dental_premium: Decimal | None
    product_names: Sequence[str]
    submitted_at: datetime | None
    client_app_id: str | None
    payment_status: str | None
    time_zone: str  # IANA name: signature times are printed in it (PORTAL_DISPLAY_TIME_ZONE)
    plan_names: Mapping[str, str] = field(default_factory=dict)  # plan id -> name
    pcp_applies: bool = False  # the medical plan is an HMO or POS (R-ENR-11)
    pcp_names: Mapping[str, str] = field(default_factory=dict)  # PCP / medical group number -> its name
    saved_at: Mapping[str, datetime] = field(default_factory=dict)  # section -> when it was last saved


# --- formatting ---------------------------------------------------------------------------------------------------


def _d(v: Any) -> str:
    if v in (None, ""):
        return ""
    if isinstance(v, datetime | date):
        return v.strftime("%m/%d/%Y")
    try:
        return date.fromisoformat(str(v)).strftime("%m/%d/%Y")
    except ValueError:
        return str(v)


def local_time(moment: datetime | None, time_zone: str) -> str:
    """A stored (UTC) moment as the producer reads it: `11/22/2026 09:00 AM CST`."""
    if moment is None:
        return "not recorded"
    return dates.local_time(moment, time_zone)


def _money(v: Decimal | None) -> str:
    return f"${v:,.2f}" if v is not None else ""


def _phone(raw: str | None) -> str:
    digits = "".join(c for c in raw or "" if c.isdigit())
    return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}" if len(digits) == 10 else (raw or "")


def _ssn(person: Mapping[str, Any]) -> str:
    last4 = person.get("ssn_last4")
    return f"***-**-{last4}" if last4 else "Not given"


def _name(person: Mapping[str, Any] | None) -> str:
    if not person:
        return ""
    return " ".join(
        str(x) for x in (person.get("first_name"), person.get("middle_initial"), person.get("last_name")) if x
    )


def _address(addr: Mapping[str, Any] | None) -> str:
    if not addr:
        return ""
    street = ", ".join(str(x) for x in (addr.get("address1"), addr.get("address2")) if x)
    county = f" ({addr['county']} County)" if addr.get("county") else ""
    return f"{street}, {addr.get('city', '')}, {addr.get('state', '')} {addr.get('zip_code', '')}{county}"


# --- layout ----------------------------------------------------------------------------------------------------


class _Styles:
    def __init__(self) -> None:
        base = getSampleStyleSheet()
        self.title = ParagraphStyle("T", parent=base["Title"], fontSize=16, spaceAfter=4)
        self.h2 = ParagraphStyle(
            "H2", parent=base["Heading2"], textColor=BLUE, fontSize=12, spaceBefore=8, spaceAfter=3
        )
        self.h3 = ParagraphStyle("H3", parent=base["Heading4"], fontSize=9.5, spaceBefore=4, spaceAfter=2)
        self.cell = ParagraphStyle("C", parent=base["BodyText"], fontName="Helvetica", fontSize=8.5, leading=10.5)
        self.key = ParagraphStyle("K", parent=self.cell, fontName="Helvetica-Bold")
        self.text = ParagraphStyle("P", parent=self.cell, spaceAfter=3)
        self.bullet = ParagraphStyle("B", parent=self.cell, leftIndent=10, bulletIndent=2, spaceAfter=2)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _kv(rows: Sequence[tuple[str, str]], st: _Styles) -> Table:
    t = Table([[_p(k, st.key), _p(v, st.cell)] for k, v in rows], colWidths=[2.0 * inch, PAGE_WIDTH - 2.0 * inch])
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float], st: _Styles) -> Table:
    data = [[_p(h, st.key) for h in header]] + [[_p(c, st.cell) for c in r] for r in rows]
    t = Table(data, colWidths=[w * inch for w in widths], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF6")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _numbered_canvas(footer: str) -> type[Canvas]:
    """A canvas that holds its pages until the end, so each can say "Page X of N" (and the footer)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 7.5)
                self.setFillColor(colors.grey)
                self.drawString(0.75 * inch, 0.45 * inch, footer)
                self.drawRightString(letter[0] - 0.75 * inch, 0.45 * inch, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    return NumberedCanvas


# --- the sections ----------------------------------------------------------------------------------------------


def _people(sections: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(PCP key, role, person) for everyone on the application: primary, spouse, dependents."""
    person = (sections.get("applicant") or {}).get("applicant")
    house = sections.get("household") or {}
    out: list[tuple[str, str, Mapping[str, Any]]] = (
        [("primary", label("relationship", "primary"), person)] if person else []
    )
    if house.get("spouse"):
        out.append(("spouse", label("relationship", "spouse"), house["spouse"]))
    out += [(f"dependent:{i}", f"Dependent {i + 1}", d) for i, d in enumerate(house.get("dependents") or [])]
    return out


_ANSWER_KINDS = {
    "spoken_language": ("Spoken language", "language"),
    "written_language": ("Written language", "language"),
    "ethnicity": ("Ethnicity", "ethnicity"),
    "race": ("Race", "race"),
}


def _language_ethnicity(answers: Any, names: Mapping[str, str]) -> list[tuple[str, str]]:
    """The optional language, ethnicity and race answers (R-ENR-8), per person, with the labels of the option lists
    they were checked against at section save (GET /option-lists)."""
    if not answers:
        return [("Language/Ethnicity/Identity", "Not answered")]

    def answer(field: str, given: Any) -> str:
        title, kind = _ANSWER_KINDS[field]
        codes = given if isinstance(given, list | tuple) else [given]
        return f"{title}: {', '.join(label(kind, c) for c in codes)}"

    def person_order(key: str) -> tuple[int, int]:  # primary, spouse, dependents in order (JSONB keeps no order)
        if key.startswith("dependent:"):
            return 2, int(key.split(":", 1)[1])
        return (0 if key == "primary" else 1), 0

    rows: list[tuple[str, str]] = []
    for key in sorted(answers, key=person_order):
        given = answers[key]
        parts = [answer(f, given[f]) for f in _ANSWER_KINDS if given.get(f) not in (None, "", [])]
        rows.append((applicant_label(key, names), "; ".join(parts) or "Not answered"))
    return rows


def _story(r: ApplicationRecord, st: _Styles) -> list[Any]:
    s = r.sections
    tz = r.time_zone
    general = s.get("general") or {}
    app = s.get("applicant") or {}
    person = app.get("applicant") or {}
    contact = app.get("contact") or {}
    house = s.get("household") or {}
    plans = s.get("plans") or {}
    other = s.get("other-coverage") or {}
    sig = s.get("signatures") or {}
    people = _people(s)
    names = {key: _name(p) for key, _role, p in people}
    out: list[Any] = [_p(f"Individual & Family Application {r.record_number}", st.title)]

    out += [
        _p("Application Details", st.h2),
        _kv(
            [
                ("Status", r.status.capitalize()),
                ("Record Number", r.record_number),
                ("Client App ID", r.client_app_id or ""),
                ("Date Submitted", local_time(r.submitted_at, tz) if r.submitted_at else ""),
                ("State", r.state or ""),
                ("Effective Date", _d(r.effective_date)),
                ("Product Names", ", ".join(r.product_names)),
                ("Monthly Premium", _money(r.monthly_premium)),
                ("Payment Status", r.payment_status or ""),
            ],
            st,
        ),
        _p("Producer Information", st.h2),
        _kv(
            [
                ("Producer Name", r.producer_name),
                ("Writing Producer Number", r.producer_number or general.get("producer_number") or ""),
                ("Agency", r.agency or ""),
            ],
            st,
        ),
        _p("Special Enrollment Information", st.h2),
        _kv(
            [
                ("Special Enrollment (SEP)", yes_no(general.get("is_sep", True))),
                (
                    "Life Events",
                    "; ".join(
                        f"{label('life_event', e['event_type'])} on {_d(e['event_date'])}"
                        for e in general.get("life_events") or []
                    )
                    or "None",
                ),
            ],
            st,
        ),
    ]

    authorization = app.get("authorization")
    out += [
        _p("Application Form and Authorization", st.h2),
        _kv(
            [
                ("Application Form", label("form_type", app.get("form_type"))),
                ("Authorization", label("authorization", authorization)),
                ("Producer's Attestation", wording.AUTHORIZATION.get(authorization or "", "")),
                (
                    "Terms and Agreements",
                    "Accepted by the client (assisted in person)" if app.get("terms_accepted") else "Not accepted",
                ),
            ],
            st,
        ),
    ]

    tobacco = yes_no(person.get("tobacco_use"))
    if person.get("tobacco_use") and person.get("tobacco_last_used"):
        tobacco += f" (last used {_d(person['tobacco_last_used'])})"
    email = contact.get("email")
    out += [
        _p("Primary Applicant", st.h2),
        _kv(
            [
                ("Name", _name(person)),
                ("Date of Birth", _d(person.get("date_of_birth"))),
                ("SSN", _ssn(person)),
                ("Sex", label("sex", person.get("sex"))),
                ("Tobacco Use", tobacco),
                ("Home Address", _address(app.get("home_address"))),
                (
                    "Mailing Address",
                    _address(app["mailing_address"]) if app.get("mailing_address") else "Same as home address",
                ),
                (
                    "Primary Phone",
                    f"{_phone(contact.get('primary_phone'))} ({label('phone_type', contact.get('phone_type'))})"
                    if contact.get("primary_phone")
                    else "",
                ),
                ("Email", email or "Not given"),
            ],
            st,
        ),
    ]

    hra = house.get("hra")
    out += [
        _p("Household", st.h2),
        _p("Health Reimbursement Arrangement (HRA)", st.h3),
        _kv(
            [
                ("HRA Type", label("hra_type", hra.get("type"))),
                ("Start Date", _d(hra.get("start_date"))),
                ("Employer Name", str(hra.get("employer_name") or "")),
                ("Monthly Contribution", _money(Decimal(str(hra["monthly_contribution"])))),
            ]
            if hra
            else [("HRA", "None")],
            st,
        ),
        _p("Language, Ethnicity and Identity", st.h3),
        _kv(_language_ethnicity(house.get("language_ethnicity"), names), st),
        _p("Spouse and Dependents", st.h3),
    ]
    members = [(role, p) for key, role, p in people if key != "primary"]
    out.append(
        _grid(
            ["Relationship", "Name", "Date of Birth", "Sex", "SSN", "Tobacco Use"],
            [
                [
                    role,
                    _name(p),
                    _d(p.get("date_of_birth")),
                    label("sex", p.get("sex")),
                    _ssn(p),
                    yes_no(p.get("tobacco_use")),
                ]
                for role, p in members
            ],
            [1.0, 1.9, 1.0, 0.8, 1.2, 1.1],
            st,
        )
        if members
        else _kv([("Spouse and Dependents", "None")], st)
    )

    medical_id, dental_id = plans.get("medical_plan_id"), plans.get("dental_plan_id")

    def plan(pid: str | None) -> str:
        if not pid:
            return "None selected"
        name = r.plan_names.get(pid)
        return f"{name} ({pid})" if name else pid

    out += [
        _p("Plans", st.h2),
        _kv(
            [
                ("Medical Plan", plan(medical_id)),
                ("Medical Premium", _money(r.medical_premium) if medical_id else ""),
                ("Dental Plan", plan(dental_id)),
                ("Dental Premium", _money(r.dental_premium) if dental_id else ""),
                ("Total Monthly Premium", _money(r.monthly_premium)),
                (
                    "Pediatric Dental",
                    f"Attested: {wording.PEDIATRIC_DENTAL_ATTESTATION}"
                    if plans.get("pediatric_dental_attested")
                    else "No attestation",
                ),
            ],
            st,
        ),
        _p("Primary Care Physician (PCP) per Member", st.h3),
    ]
    chosen = {c["applicant"]: c["pcp_number"] for c in plans.get("pcp") or []}
    same = plans.get("use_same_pcp_number_for_all")
    pcp_rows = []
    for key, role, p in people:
        number = chosen.get(key) or same
        if number:
            pcp_rows.append([f"{role}: {_name(p)}", number, r.pcp_names.get(number, "")])
        else:
            pcp_rows.append(
                [
                    f"{role}: {_name(p)}",
                    "",
                    "Assigned by the carrier" if r.pcp_applies else "Not applicable (no PCP plan)",
                ]
            )
    out.append(_grid(["Member", "PCP / Medical Group Number", "PCP / Medical Group"], pcp_rows, [2.6, 1.7, 2.7], st))

    replacement = other.get("coverage_replacement") or {}
    others = other.get("other_coverage") or {}
    out += [
        _p("Coverage Replacement, Other Coverage and Proxy", st.h2),
        _kv([("Replacing Coverage", yes_no(replacement.get("replacing")))], st),
    ]
    if replacement.get("entries"):
        out.append(
            _grid(
                ["Covered Person", "Insurance Company", "Policy Number", "Termination Date"],
                [
                    [e["covered_person"], e["insurance_company"], e["policy_number"], _d(e["termination_date"])]
                    for e in replacement["entries"]
                ],
                [1.8, 2.2, 1.6, 1.4],
                st,
            )
        )
    out.append(_kv([("Other Coverage", yes_no(others.get("has_other")))], st))
    if others.get("entries"):
        out.append(
            _grid(
                ["Applicant Name", "Name on Other Policy", "Member Number", "Group ID"],
                [
                    [e["applicant_name"], e.get("name_on_other_policy") or "Same", e["member_number"], e["group_id"]]
                    for e in others["entries"]
                ],
                [1.8, 1.8, 1.7, 1.7],
                st,
            )
        )
    out.append(_kv([("Proxy Statement", wording.PROXY_STATEMENT if other.get("proxy_agreed") else "Not agreed")], st))

    rep, guardian = sig.get("authorized_representative"), sig.get("parent_guardian")
    out += [
        _p("Signatures and Payment", st.h2),
        _kv(
            [
                (
                    "Authorized Representative",
                    f"{_name(rep)} ({rep['relationship']}). {wording.AUTHORIZED_REPRESENTATIVE}" if rep else "None",
                ),
                ("Parent/Legal Guardian", f"{_name(guardian)} ({guardian['relationship']})" if guardian else "None"),
                (
                    "Consumer Choice Disclosure",
                    wording.CONSUMER_CHOICE_DISCLOSURE
                    if sig.get("consumer_choice_disclosure_accepted")
                    else "Not accepted (not required)",
                ),
                ("Payment Option", label("payment_option", sig.get("payment_option"))),
            ],
            st,
        ),
    ]

    ack: list[Any] = [_p("Acknowledgments and Authorization", st.h2), _p(wording.ACKNOWLEDGMENTS_HEADING, st.key)]
    ack += [Paragraph(escape(a), st.bullet, bulletText="\u2022") for a in wording.ACKNOWLEDGMENTS]
    ack += [_p(wording.FRAUD_WARNING, st.key), _p(wording.ACKNOWLEDGMENTS_AGREEMENT, st.text)]
    out += ack

    out.append(KeepTogether([_p("Signatures", st.h2), _signature_table(r, people, st)]))
    return out


def _signature_table(r: ApplicationRecord, people: Sequence[tuple[str, str, Mapping[str, Any]]], st: _Styles) -> Any:
    """Who agreed to what and when, in the producer's time zone: each statement when its section was saved, the
    acknowledgments and the producer's electronic signature when the application was submitted."""
    s, tz = r.sections, r.time_zone
    app = s.get("applicant") or {}
    applicant = _name(people[0][2]) if people else ""
    producer = f"{r.producer_name} (producer {r.producer_number or ''})".replace(" ()", "")
    at = {name: local_time(when, tz) for name, when in r.saved_at.items()}
    submitted = local_time(r.submitted_at, tz)
    rows: list[list[str]] = []
    if app.get("authorization"):
        rows.append(
            [producer, f"Authorization: {wording.AUTHORIZATION[app['authorization']]}", at.get("applicant", "")]
        )
    if app.get("terms_accepted"):
        rows.append(
            [f"{applicant} (client)", f"Terms and Agreements: {wording.TERMS_AND_AGREEMENTS}", at.get("applicant", "")]
        )
    if (s.get("plans") or {}).get("pediatric_dental_attested"):
        rows.append([f"{applicant} (client)", wording.PEDIATRIC_DENTAL_ATTESTATION, at.get("plans", "")])
    if (s.get("other-coverage") or {}).get("proxy_agreed"):
        rows.append([f"{applicant} (client)", wording.PROXY_STATEMENT, at.get("other-coverage", "")])
    sig = s.get("signatures") or {}
    if sig.get("authorized_representative"):
        rep = sig["authorized_representative"]
        rows.append(
            [f"{_name(rep)} ({rep['relationship']})", wording.AUTHORIZED_REPRESENTATIVE, at.get("signatures", "")]
        )
    if sig.get("parent_guardian"):
        g = sig["parent_guardian"]
        rows.append([f"{_name(g)} ({g['relationship']})", wording.PARENT_GUARDIAN, at.get("signatures", "")])
    if sig.get("consumer_choice_disclosure_accepted"):
        rows.append([f"{applicant} (client)", wording.CONSUMER_CHOICE_DISCLOSURE, at.get("signatures", "")])
    rows.append(
        [f"{applicant} (client)", f"Acknowledgments and Authorization: {wording.ACKNOWLEDGMENTS_AGREEMENT}", submitted]
    )
    rows.append([producer, "Application submitted electronically (producer's signature)", submitted])
    return _grid(["Signed by", "Statement", "Date and Time"], rows, [1.7, 3.7, 1.6], st)


def render_application(record: ApplicationRecord) -> bytes:
    """CPU-bound: call it off the event loop."""
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=letter,
        title=f"Application {record.record_number}",
        author="Producer Portal",
        leftMargin=0.75 * inch,
        rightMargin=0.75 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.75 * inch,
    )
    agency = f", {record.agency}" if record.agency else ""
    footer = (
        f"Application {record.record_number} | Producer {record.producer_name} "
        f"({record.producer_number or 'no number'}){agency}"
    )
    st = _Styles()
    doc.build(_story(record, st), canvasmaker=_numbered_canvas(footer))
    return buf.getvalue()

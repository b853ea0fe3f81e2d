"""Temporary ID cards as a PDF: one wallet-card-sized page per card (R-ID-5), drawn with reportlab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from io import BytesIO

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.pdfgen import canvas

CARD = (3.375 * inch, 2.125 * inch)  # CR80, the size of a wallet card
PAGE = (CARD[0] + 0.5 * inch, CARD[1] + 0.5 * inch)
BLUE = colors.HexColor("#0B4A8B")


@dataclass(frozen=True)
class CardData:
    carrier: str
    plan_name: str
    network_type: str
    coverage: str
    member_name: str
    member_id: str
    relationship: str
    group_number: str
    effective_date: date
    customer_service_phone: str
    pcp_name: str | None = None
    pcp_group: str | None = None
    pcp_phone: str | None = None
    rx_bin: str | None = None
    rx_pcn: str | None = None
    rx_group: str | None = None


def _phone(p: str) -> str:
    return f"({p[:3]}) {p[3:6]}-{p[6:]}" if len(p) == 10 and p.isdigit() else p


def render_cards(cards: list[CardData], *, title: str = "Temporary ID Card") -> bytes:
    """One page per card. CPU-bound: call it off the event loop."""
    buf = BytesIO()
    pdf = canvas.Canvas(buf, pagesize=PAGE, pageCompression=1)
    pdf.setTitle(title)
    pdf.setAuthor("Producer Portal")
    x0, y0 = 0.25 * inch, 0.25 * inch
    w, h = CARD
    for card in cards:
        pdf.setStrokeColor(BLUE)
        pdf.setLineWidth(1.2)
        pdf.roundRect(x0, y0, w, h, 8, stroke=1, fill=0)
        pdf.setFillColor(BLUE)
        pdf.roundRect(x0, y0 + h - 0.42 * inch, w, 0.42 * inch, 8, stroke=0, fill=1)
        pdf.rect(x0, y0 + h - 0.42 * inch, w, 0.2 * inch, stroke=0, fill=1)
        pdf.setFillColor(colors.white)
        pdf.setFont("Helvetica-Bold", 8.5)
        pdf.drawString(x0 + 8, y0 + h - 15, card.carrier)
        pdf.setFont("Helvetica", 6.5)
        pdf.drawString(x0 + 8, y0 + h - 25, f"{card.plan_name} ({card.network_type})")
        pdf.setFillColor(colors.black)
        y = y0 + h - 0.42 * inch - 13
        pdf.setFont("Helvetica-Bold", 8)
        pdf.drawString(x0 + 8, y, card.member_name.upper())
        pdf.setFont("Helvetica", 6.5)
        pdf.drawRightString(x0 + w - 8, y, card.relationship.capitalize())
        rows = [
            ("Member ID", card.member_id),
            ("Group", card.group_number),
            ("Effective", card.effective_date.strftime("%m/%d/%Y")),
            ("Coverage", card.coverage.capitalize()),
        ]
        if card.pcp_name:
            rows.append(("PCP", f"{card.pcp_name} - Group {card.pcp_group}"))
            rows.append(("PCP phone", _phone(card.pcp_phone or "")))
        if card.rx_bin:  # issue 15: what a pharmacy needs to bill the plan
            rows.append(("Rx BIN / PCN", f"{card.rx_bin} / {card.rx_pcn or '-'}"))
            rows.append(("Rx Group", card.rx_group or "-"))
        for label, value in rows:
            y -= 10
            pdf.setFont("Helvetica-Bold", 6.5)
            pdf.drawString(x0 + 8, y, f"{label}:")
            pdf.setFont("Helvetica", 6.5)
            pdf.drawString(x0 + 58, y, value)
        pdf.setFillColor(BLUE)
        pdf.setFont("Helvetica-Bold", 6)
        pdf.drawString(x0 + 8, y0 + 16, f"{title.upper()} - not valid once the permanent card arrives")
        pdf.setFont("Helvetica", 6)
        pdf.drawString(x0 + 8, y0 + 7, f"Member Services: {_phone(card.customer_service_phone)}")
        pdf.showPage()
    pdf.save()
    return buf.getvalue()

"""One invoice as a document: everything printed on it, built once (:func:`build`) and rendered
both to the panel's HTML view (templates/invoices/_document.html) and to PDF (:func:`to_pdf`),
so the two never disagree.

Branding: when the customer has a portal (portal access, and the account has a Verified portal
domain — the one its portal mail links to), the PDF prints that domain's logo (a PNG; an SVG
logo is skipped, fpdf2 draws no SVG here) and draws the header rule in its primary colour;
otherwise it prints the account's company name only.
"""

import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from accounts.formatting import format_date, format_money
from portal.links import mail_domain
from portal.money import format_rate

from .models import Invoice
from .services import settings_for

log = logging.getLogger(__name__)

FONTS = Path(__file__).resolve().parent / "fonts"
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DocumentLine:
    description: str
    quantity: str
    unit: str
    unit_price: str
    amount: str


@dataclass(frozen=True)
class Document:
    title: str  # "Invoice INV-7", "Draft invoice"
    number: str
    status: str
    issue_date: str
    due_date: str
    period: str
    seller_name: str
    seller_lines: tuple[str, ...]  # address, identifiers (VAT ID, OCN, FRN, ...)
    buyer_name: str
    buyer_lines: tuple[str, ...]
    lines: tuple[DocumentLine, ...]
    subtotal: str
    tax_label: str
    tax: str
    total: str
    footer: str
    void_reason: str
    brand_name: str = ""  # printed at the top when there is no logo
    brand_color: str = ""  # "#1a73e8": the portal domain's colour for the header rule
    brand_logo: bytes = b""  # the portal domain's PNG logo


def _branding(invoice: Invoice) -> dict:
    """The portal domain's logo and colour when the customer has a portal, else nothing."""
    account = invoice.account
    domain = mail_domain(account) if invoice.customer.portal_access else None
    if domain is None:
        return {"brand_name": account.name}
    logo = b""
    if domain.logo and domain.logo.name.lower().endswith(".png"):
        try:
            with domain.logo.open("rb") as stored:
                logo = stored.read()
        except OSError:  # the file is gone: print the name instead
            log.warning("logo of portal domain %s cannot be read", domain.pk)
    return {"brand_name": account.name, "brand_color": domain.primary_color, "brand_logo": logo}


def _address(account) -> list[str]:
    city = " ".join(p for p in (account.post_code, account.city) if p)
    parts = [account.address_line1, account.address_line2, city, account.county]
    if account.country:
        parts.append(account.country.name)
    return [p for p in parts if p]


def _identifiers(account) -> list[str]:
    named = [
        ("Company registration ID", account.registration_id),
        ("VAT ID", account.vat_id),
        ("OCN", getattr(account, "ocn", "")),
        ("FRN", getattr(account, "frn", "")),
    ]
    return [f"{label}: {value}" for label, value in named if value]


def build(invoice: Invoice, lines=None) -> Document:
    """``invoice`` (with its account and customer loaded) as printed; ``lines`` when the caller
    has them already."""
    account = invoice.account
    customer = invoice.customer
    fmt, tz = account.date_format, account.time_zone
    currency = invoice.currency
    lines = list(invoice.lines.all()) if lines is None else lines
    contacts = list(customer.contacts.filter(is_active=True).values_list("email", flat=True)[:3])
    return Document(
        title=f"Invoice {invoice.number}" if invoice.number else "Draft invoice",
        number=invoice.number or "Draft (numbered when issued)",
        status=invoice.get_status_display(),
        issue_date=format_date(invoice.issue_date, fmt, tz) or "—",
        due_date=format_date(invoice.due_date, fmt, tz) or "—",
        period=f"{format_date(invoice.period_from, fmt, tz)} to "
        f"{format_date(invoice.period_to, fmt, tz)}",
        seller_name=account.name,
        seller_lines=(*_address(account), account.email, *_identifiers(account)),
        buyer_name=customer.name,
        buyer_lines=tuple(contacts),
        lines=tuple(
            DocumentLine(
                description=line.description,
                quantity=f"{line.quantity:,.2f}",
                unit=line.unit,
                unit_price=format_rate(line.unit_price, currency),
                amount=format_money(line.amount, currency),
            )
            for line in lines
        ),
        subtotal=format_money(invoice.subtotal, currency),
        tax_label=f"Tax ({invoice.tax_rate.normalize():f} %)",
        tax=format_money(invoice.tax, currency),
        total=format_money(invoice.total, currency),
        footer=settings_for(account).footer,
        void_reason=invoice.void_reason,
        **_branding(invoice),
    )


def filename(invoice: Invoice) -> str:
    """``invoice-INV-7.pdf``: letters, digits, dots, dashes and underscores only."""
    stem = invoice.number or f"draft-{invoice.pk}"
    return f"invoice-{_UNSAFE_FILENAME.sub('_', stem).strip('._') or invoice.pk}.pdf"


def to_pdf(doc: Document) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    width = pdf.epw

    _header(pdf, doc, width)
    pdf.set_font("DejaVu", "B", 18)
    pdf.cell(width, 10, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in (
        ("Number", doc.number),
        ("Status", doc.status),
        ("Issue date", doc.issue_date),
        ("Due date", doc.due_date),
        ("Period", doc.period),
    ):
        pdf.cell(30, 6, f"{label}:")
        pdf.cell(width - 30, 6, value, new_x="LMARGIN", new_y="NEXT")
    if doc.void_reason:
        pdf.multi_cell(width, 6, f"Void: {doc.void_reason}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    top = pdf.get_y()
    half = width / 2
    bottom = top
    for x, heading, name, extra in (
        (pdf.l_margin, "From", doc.seller_name, doc.seller_lines),
        (pdf.l_margin + half, "Bill to", doc.buyer_name, doc.buyer_lines),
    ):
        pdf.set_xy(x, top)
        pdf.set_font("DejaVu", "B", 10)
        pdf.cell(half, 6, heading, new_x="LEFT", new_y="NEXT")
        pdf.cell(half, 6, name, new_x="LEFT", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        for text in extra:
            pdf.cell(half, 5, text, new_x="LEFT", new_y="NEXT")
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 6)

    columns = (
        ("Description", 0.44),
        ("Quantity", 0.12),
        ("Unit", 0.08),
        ("Unit price", 0.16),
        ("Amount", 0.20),
    )
    pdf.set_font("DejaVu", "B", 9)
    for heading, share in columns:
        pdf.cell(width * share, 7, heading, border="B", align="L" if share > 0.4 else "R")
    pdf.ln()
    pdf.set_font("DejaVu", "", 9)
    for line in doc.lines:
        values = (line.description, line.quantity, line.unit, line.unit_price, line.amount)
        for value, (_, share) in zip(values, columns, strict=True):
            pdf.cell(width * share, 6, value, align="L" if share > 0.4 else "R")
        pdf.ln()
    if not doc.lines:
        pdf.cell(width, 6, "No calls in this period.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for label, value, bold in (
        ("Subtotal", doc.subtotal, False),
        (doc.tax_label, doc.tax, False),
        ("Total", doc.total, True),
    ):
        pdf.set_font("DejaVu", "B" if bold else "", 10)
        pdf.cell(width * 0.8, 7, label, align="R")
        pdf.cell(width * 0.2, 7, value, align="R", new_x="LMARGIN", new_y="NEXT")
    if doc.footer:
        pdf.ln(8)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(width, 5, doc.footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _rgb(color: str) -> tuple[int, int, int] | None:
    value = color.lstrip("#")
    if not re.fullmatch(r"[0-9A-Fa-f]{6}", value):
        return None
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _header(pdf, doc: Document, width: float) -> None:
    """The logo (or the company name) and, with a portal's colour, the header rule under it."""
    printed_logo = False
    if doc.brand_logo:
        top = pdf.get_y()
        try:
            pdf.image(
                io.BytesIO(doc.brand_logo),
                x=pdf.l_margin,
                y=top,
                w=60,
                h=16,
                keep_aspect_ratio=True,
            )
        except Exception:  # a logo fpdf2 cannot read: the name instead, never a broken PDF
            log.warning("a portal logo could not be embedded in an invoice PDF", exc_info=True)
        else:
            printed_logo = True
            pdf.set_y(top + 18)
    if not printed_logo and doc.brand_name:
        pdf.set_font("DejaVu", "B", 12)
        pdf.cell(width, 8, doc.brand_name, new_x="LMARGIN", new_y="NEXT")
    color = _rgb(doc.brand_color)
    if color is not None:
        y = pdf.get_y() + 1
        pdf.set_draw_color(*color)
        pdf.set_line_width(0.8)
        pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.2)
        pdf.set_y(y + 3)

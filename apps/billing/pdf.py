"""One invoice as an A4 PDF (reportlab, imported when a PDF is asked for)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import rupiah

from .models import Invoice


class PdfUnavailable(DomainError):
    status_code = 503
    code = "pdf_unavailable"


def render_invoice(invoice: Invoice) -> bytes:
    try:
        from reportlab.lib.pagesizes import A4

        from apps.core.pdf import DocumentCanvas
    except ImportError:  # pragma: no cover - reportlab is in requirements/base.txt
        raise PdfUnavailable(_("PDF belum dapat dibuat: pustaka reportlab tidak terpasang.")) from None
    buffer = io.BytesIO()
    with translation.override("id"):
        pdf = DocumentCanvas(buffer, pagesize=A4, pageCompression=0)
        _draw(pdf, A4, invoice)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()


def _draw(pdf: Any, size: tuple[float, float], invoice: Invoice) -> None:
    from reportlab.lib.units import cm

    from apps.core.pdf import BOLD, REGULAR, split_lines

    width, height = size
    left, right = 2 * cm, width - 2 * cm
    pdf.setTitle(f"Tagihan {invoice.number}")
    pdf.setAuthor("KotaKita")
    y = height - 2.2 * cm
    pdf.setFont(BOLD, 16)
    pdf.drawString(left, y, "KotaKita")
    pdf.drawRightString(right, y, _("TAGIHAN"))
    y -= 0.7 * cm
    pdf.setFont(REGULAR, 10)
    pdf.drawRightString(right, y, invoice.number)
    status = {"issued": _("BELUM DIBAYAR"), "paid": _("LUNAS"), "void": _("BATAL")}[invoice.status]
    y -= 0.5 * cm
    pdf.setFont(BOLD, 10)
    pdf.drawRightString(right, y, status)
    pdf.setFont(REGULAR, 10)
    y -= 1.0 * cm
    rows = [
        (_("Kepada"), f"{invoice.tenant_name} ({invoice.region_code})"),
        (_("Paket"), invoice.get_plan_display()),
        (_("Periode"), f"{invoice.period:%m/%Y}"),
        (_("Diterbitkan"), date_format(timezone.localtime(invoice.issued_at), "DATE_FORMAT")),
        (_("Jatuh tempo"), date_format(invoice.due_date, "DATE_FORMAT")),
        (_("Hari aktif"), f"{invoice.active_days} / {invoice.days_in_period}"),
        (_("Revisi"), str(invoice.revision)),
    ]
    if invoice.replaces_id:
        rows.append((_("Menggantikan"), invoice.replaces.number if invoice.replaces else ""))
    for label, value in rows:
        pdf.drawString(left, y, label)
        pdf.drawString(left + 4 * cm, y, f": {value}")
        y -= 0.5 * cm
    y -= 0.5 * cm
    pdf.setFont(BOLD, 10)
    pdf.drawString(left, y, _("Uraian"))
    pdf.drawRightString(right, y, _("Jumlah"))
    y -= 0.2 * cm
    pdf.line(left, y, right, y)
    y -= 0.5 * cm
    pdf.setFont(REGULAR, 10)
    for line in invoice.lines.all():
        parts = split_lines(line.description, REGULAR, 10, right - left - 4 * cm)
        pdf.drawRightString(right, y, rupiah(line.amount))
        for part in parts:
            pdf.drawString(left, y, part)
            y -= 0.5 * cm
    pdf.line(left, y + 0.3 * cm, right, y + 0.3 * cm)
    y -= 0.2 * cm
    pdf.setFont(BOLD, 11)
    pdf.drawString(left, y, _("Total"))
    pdf.drawRightString(right, y, rupiah(invoice.total))
    y -= 1.0 * cm
    pdf.setFont(REGULAR, 8)
    note = _(
        "Langganan diprorata per hari aktif dan dibulatkan ke rupiah terdekat (setengah ke atas), "
        "sekali per baris. Bagian biaya transaksi dihitung dari biaya platform pasar UMKM yang tercatat."
    )
    for part in split_lines(note, REGULAR, 8, right - left):
        pdf.drawString(left, y, part)
        y -= 0.4 * cm
    if invoice.status == Invoice.Status.VOID and invoice.void_reason:
        pdf.drawString(left, y, _("Dibatalkan: %(reason)s") % {"reason": invoice.void_reason})

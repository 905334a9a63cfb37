"""The purchase order (Surat Pesanan) as an A4 PDF, drawn with reportlab.

reportlab is imported when a PDF is asked for, so the rest of the app works without it; a
missing reportlab answers 503 with a clear message instead of a 500.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.core.money import rupiah
from apps.tenancy.models import Tenant

from . import rules
from .models import PurchaseOrder


class PdfUnavailable(DomainError):
    status_code = 503
    code = "pdf_unavailable"


def render_order(order: PurchaseOrder, tenant: Tenant) -> bytes:
    try:
        from reportlab.lib.pagesizes import A4

        from apps.core.pdf import DocumentCanvas
    except ImportError:  # pragma: no cover - reportlab is installed in every environment we ship
        raise PdfUnavailable(_("PDF belum dapat dibuat: pustaka reportlab tidak terpasang.")) from None
    buffer = io.BytesIO()
    with translation.override("id"):
        pdf = DocumentCanvas(buffer, pagesize=A4, pageCompression=0)
        _draw(pdf, A4, order, tenant)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()


def _draw(pdf: Any, size: tuple[float, float], order: PurchaseOrder, tenant: Tenant) -> None:
    from reportlab.lib.units import cm

    from apps.core.pdf import BOLD, REGULAR, split_lines

    width, height = size
    left, right = 2 * cm, width - 2 * cm
    purchase = order.request
    quote = order.award.quote
    pdf.setTitle(f"Surat Pesanan {order.number}")
    pdf.setAuthor(tenant.name)

    y = height - 2.2 * cm
    pdf.setFont(BOLD, 14)
    pdf.drawCentredString(width / 2, y, tenant.name.upper())
    y -= 0.8 * cm
    pdf.setFont(BOLD, 16)
    pdf.drawCentredString(width / 2, y, "SURAT PESANAN")
    y -= 0.6 * cm
    pdf.setFont(REGULAR, 10)
    pdf.drawCentredString(width / 2, y, f"Nomor: {order.number}")
    y -= 1.0 * cm

    issued = date_format(timezone.localtime(order.issued_at), "DATE_FORMAT")
    facts = [
        ("Tanggal", issued),
        ("Unit pemesan", purchase.unit_name),
        ("Pekerjaan", purchase.title),
        ("Kepada", quote.business_name),
        ("Izin usaha mikro", quote.permit_number or "-"),
        ("Dikirim ke", purchase.delivery_address),
        ("Tanggal kirim", date_format(purchase.delivery_date, "DATE_FORMAT")),
    ]
    for label, value in facts:
        pdf.setFont(BOLD, 10)
        pdf.drawString(left, y, label)
        pdf.setFont(REGULAR, 10)
        lines = split_lines(str(value), REGULAR, 10, right - left - 4 * cm) or [""]
        for text in lines:
            pdf.drawString(left + 4 * cm, y, text)
            y -= 0.5 * cm
    y -= 0.4 * cm

    columns = [left, left + 0.9 * cm, left + 8.6 * cm, left + 11.2 * cm, left + 14.0 * cm]
    pdf.setFont(BOLD, 9)
    for x, title in zip(columns, ("No", "Uraian", "Jumlah", "Harga satuan", "Jumlah harga"), strict=True):
        pdf.drawString(x, y, title)
    y -= 0.2 * cm
    pdf.line(left, y, right, y)
    y -= 0.45 * cm
    pdf.setFont(REGULAR, 9)
    for index, line in enumerate(quote.lines.select_related("item").order_by("item__position"), start=1):
        item = line.item
        description = split_lines(item.description, REGULAR, 9, 7.4 * cm) or [""]
        pdf.drawString(columns[0], y, str(index))
        pdf.drawString(columns[2], y, f"{rules.quantity_text(item.quantity)} {item.unit}")
        pdf.drawString(columns[3], y, rupiah(line.unit_price))
        pdf.drawString(columns[4], y, rupiah(line.total))
        for part in description:
            pdf.drawString(columns[1], y, part)
            y -= 0.45 * cm
        if y < 6 * cm:
            pdf.showPage()
            pdf.setFont(REGULAR, 9)
            y = height - 2 * cm
    pdf.line(left, y + 0.25 * cm, right, y + 0.25 * cm)
    y -= 0.3 * cm
    pdf.setFont(BOLD, 10)
    pdf.drawString(columns[3], y, "Total")
    pdf.drawString(columns[4], y, rupiah(order.amount))
    y -= 1.2 * cm

    pdf.setFont(REGULAR, 9)
    for note in split_lines(
        "Pembayaran dilakukan setelah barang diterima, sebesar nilai barang yang diterima. "
        "Surat pesanan ini diterbitkan melalui KotaKita.",
        REGULAR,
        9,
        right - left,
    ):
        pdf.drawString(left, y, note)
        y -= 0.45 * cm
    y -= 1.0 * cm
    pdf.setFont(REGULAR, 10)
    pdf.drawString(right - 6 * cm, y, f"{tenant.name}, {issued}")
    y -= 0.5 * cm
    pdf.drawString(right - 6 * cm, y, "Pejabat pemesan,")
    y -= 2.0 * cm
    pdf.setFont(BOLD, 10)
    pdf.drawString(right - 6 * cm, y, str(order.issued_by))

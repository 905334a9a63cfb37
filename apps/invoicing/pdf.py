"""The invoice (faktur) as an A4 PDF, drawn with apps.core.pdf (embedded Noto Sans)."""

from __future__ import annotations

import io
from typing import Any

from django.utils import translation
from django.utils.formats import date_format

from apps.core.money import rupiah

from . import events
from .models import Invoice


def quantity_text(quantity: Any) -> str:
    text = f"{quantity.normalize():f}" if hasattr(quantity, "normalize") else str(quantity)
    return text.replace(".", ",")


def render_invoice(invoice: Invoice, tenant_name: str) -> bytes:
    from reportlab.lib.pagesizes import A4

    from apps.core.pdf import DocumentCanvas

    buffer = io.BytesIO()
    with translation.override("id"):
        pdf = DocumentCanvas(buffer, pagesize=A4, pageCompression=0)
        _draw(pdf, A4, invoice, tenant_name)
        pdf.showPage()
        pdf.save()
    return buffer.getvalue()


def _draw(pdf: Any, size: tuple[float, float], invoice: Invoice, tenant_name: str) -> None:
    from reportlab.lib.units import cm

    from apps.core.pdf import BOLD, REGULAR, split_lines

    width, height = size
    left, right = 2 * cm, width - 2 * cm
    shop = invoice.shop
    pdf.setTitle(f"Faktur {invoice.number}")
    pdf.setAuthor(shop.name)

    y = height - 2.2 * cm
    pdf.setFont(BOLD, 14)
    pdf.drawString(left, y, shop.name)
    pdf.setFont(BOLD, 16)
    pdf.drawRightString(right, y, "FAKTUR")
    y -= 0.55 * cm
    pdf.setFont(REGULAR, 9)
    for text in split_lines(shop.address, REGULAR, 9, 9 * cm)[:2]:
        pdf.drawString(left, y, text)
        y -= 0.42 * cm
    if invoice.tax_percent:
        pdf.drawString(left, y, "Pengusaha Kena Pajak")
        y -= 0.42 * cm
    y -= 0.5 * cm

    facts = [
        ("Nomor", invoice.number),
        ("Tanggal", date_format(invoice.issue_date, "DATE_FORMAT")),
        ("Jatuh tempo", f"{date_format(invoice.due_date, 'DATE_FORMAT')} ({invoice.terms_days} hari)"),
        ("Kepada", invoice.buyer_name),
        ("Alamat", invoice.buyer_address or "-"),
    ]
    for label, value in facts:
        pdf.setFont(BOLD, 10)
        pdf.drawString(left, y, label)
        pdf.setFont(REGULAR, 10)
        for text in split_lines(str(value), REGULAR, 10, right - left - 4 * cm) or [""]:
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
    for line in invoice.lines.all():
        pdf.drawString(columns[0], y, str(line.position))
        pdf.drawString(columns[2], y, f"{quantity_text(line.quantity)} {line.unit}")
        pdf.drawString(columns[3], y, rupiah(line.unit_price))
        pdf.drawString(columns[4], y, rupiah(line.amount))
        for part in split_lines(line.description, REGULAR, 9, 7.4 * cm) or [""]:
            pdf.drawString(columns[1], y, part)
            y -= 0.45 * cm
        if y < 7 * cm:
            pdf.showPage()
            pdf.setFont(REGULAR, 9)
            y = height - 2 * cm
    pdf.line(left, y + 0.25 * cm, right, y + 0.25 * cm)
    y -= 0.3 * cm
    sums = [("Jumlah", invoice.subtotal)]
    if invoice.tax_percent:
        sums.append((f"PPN {invoice.tax_percent}%", invoice.tax))
    sums.append(("Total", invoice.total))
    if invoice.amount_paid:
        sums += [("Sudah dibayar", invoice.amount_paid), ("Sisa tagihan", invoice.remaining)]
    for label, amount in sums:
        pdf.setFont(BOLD if label in ("Total", "Sisa tagihan") else REGULAR, 10)
        pdf.drawString(columns[3], y, label)
        pdf.drawString(columns[4], y, rupiah(amount))
        y -= 0.5 * cm
    y -= 0.6 * cm
    pdf.setFont(REGULAR, 9)
    note = f"Bayar dengan QRIS atau KotaKitaPay dari halaman faktur di {tenant_name} (/faktur/{invoice.pk}/). " + (
        invoice.notes or ""
    )
    for text in split_lines(note, REGULAR, 9, right - left):
        pdf.drawString(left, y, text)
        y -= 0.45 * cm
    pdf.setFont(BOLD, 9)
    for notice in events.notices(invoice.pk):  # e.g. the assignment to a lender (apps.factoring)
        for text in split_lines(notice, BOLD, 9, right - left):
            pdf.drawString(left, y, text)
            y -= 0.45 * cm
    if invoice.status == Invoice.Status.CANCELLED:
        pdf.setFont(BOLD, 28)
        pdf.drawCentredString(width / 2, height / 2, "DIBATALKAN")

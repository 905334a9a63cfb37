"""Bukti bayar: the receipt of a paid levy bill as a PDF with a QR code of its verification URL
(the kota's public page that reads the public route: anyone holding the paper can check it).
Drawn in the payer's kelurahan from the paid copy and the route, like the izin certificate."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from PIL import Image
from reportlab.lib.pagesizes import A5
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader

from apps.core.money import rupiah
from apps.core.pdf import BOLD, REGULAR, DocumentCanvas, split_lines
from apps.payments.models import PaymentRequest
from apps.tenancy.models import LevyBillRoute

QR_SIZE = 3.4 * cm


def qr_image(payload: str) -> Image.Image:
    """One pixel per module with the standard quiet zone, scaled up without smoothing in the PDF."""
    code = segno.make(payload, error="m", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=4)]
    image = Image.new("L", (len(rows[0]), len(rows)))
    image.putdata([0 if dark else 255 for row in rows for dark in row])
    return image


CHANNELS = {"wallet": "Saldo KotaKitaPay", "qris": "QRIS", "cash": "Tunai di loket", "cod": "Tunai"}


def verification_url(route: LevyBillRoute) -> str:
    """On the kota's host: the issuer answers for its own bills."""
    return route.kota.url(reverse("levy_payer:verify", kwargs={"token": route.verification_token}))


def render_receipt(copy: PaymentRequest, route: LevyBillRoute, *, payer_name: str) -> bytes:
    if copy.status != PaymentRequest.Status.PAID or copy.paid_at is None:
        raise ValueError("bill is not paid")
    buffer = io.BytesIO()
    with translation.override("id"):
        _draw(DocumentCanvas(buffer, pagesize=A5, pageCompression=0), copy, route, payer_name, verification_url(route))
    return buffer.getvalue()


def _draw(pdf: Any, copy: PaymentRequest, route: LevyBillRoute, payer_name: str, url: str) -> None:
    width, height = A5
    left, right = 1.5 * cm, width - 1.5 * cm
    pdf.setTitle(f"Bukti bayar {route.number}")
    pdf.setAuthor(route.kota.name)
    y = height - 1.8 * cm
    pdf.setFont(BOLD, 12)
    pdf.drawCentredString(width / 2, y, f"PEMERINTAH {route.kota.name.upper()}")
    y -= 0.5 * cm
    pdf.setFont(REGULAR, 9)
    pdf.drawCentredString(width / 2, y, "Badan Pendapatan Daerah")
    y -= 0.3 * cm
    pdf.setLineWidth(1.2)
    pdf.line(left, y, right, y)
    y -= 1.0 * cm
    pdf.setFont(BOLD, 14)
    pdf.drawCentredString(width / 2, y, "BUKTI PEMBAYARAN")
    y -= 1.0 * cm
    paid_at = timezone.localtime(copy.paid_at) if copy.paid_at else timezone.localtime()
    rows = [
        ("Nomor tagihan", route.number),
        ("Uraian", route.title),
        ("Wajib bayar", payer_name or "-"),
        ("Kelurahan", route.kelurahan.name),
        ("Jumlah dibayar", rupiah(copy.amount)),
        ("Cara bayar", CHANNELS.get(copy.paid_method, copy.paid_method or "-")),
        ("Waktu bayar", date_format(paid_at, "DATETIME_FORMAT")),
        ("Nomor transaksi", copy.bill_number),
    ]
    label_width = 3.6 * cm
    for label, value in rows:
        pdf.setFont(REGULAR, 10)
        pdf.drawString(left, y, label)
        pdf.drawString(left + label_width - 0.3 * cm, y, ":")
        for line in split_lines(value or "-", REGULAR, 10, right - left - label_width)[:3]:
            pdf.drawString(left + label_width, y, line)
            y -= 0.5 * cm
    qr_y = 1.8 * cm
    pdf.drawImage(ImageReader(qr_image(url)), left, qr_y, width=QR_SIZE, height=QR_SIZE)
    pdf.linkURL(url, (left, qr_y, left + QR_SIZE, qr_y + QR_SIZE), relative=0)
    pdf.setFont(REGULAR, 7)
    pdf.drawString(left, qr_y - 0.4 * cm, url)
    note = "Pindai kode QR untuk memeriksa keabsahan bukti ini di situs pemerintah kota."
    pdf.setFont(REGULAR, 8.5)
    text_y = qr_y + QR_SIZE - 0.3 * cm
    for line in split_lines(note, REGULAR, 8.5, right - left - QR_SIZE - 0.5 * cm):
        pdf.drawString(left + QR_SIZE + 0.5 * cm, text_y, line)
        text_y -= 0.4 * cm
    pdf.showPage()
    pdf.save()

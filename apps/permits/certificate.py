"""The issued permit as a PDF (reportlab) with a QR code (segno) of its public verification URL."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import cm
from reportlab.lib.utils import ImageReader

from apps.core.money import rupiah
from apps.core.pdf import BOLD, REGULAR, DocumentCanvas, split_lines
from apps.tenancy.models import Tenant

from . import workflow
from .models import Permit, PermitEvent

QR_BORDER = 4  # quiet zone in modules, as the QR standard asks
QR_SIZE = 4 * cm


def verification_path(token: str) -> str:
    return reverse("permits:verify", kwargs={"token": token})


def verification_url(permit: Permit, tenant: Tenant) -> str:
    """What the certificate's QR code holds: the tenant's public verification page."""
    if not permit.verification_token:
        raise ValueError("permit has not been issued")
    return tenant.url(verification_path(permit.verification_token))


def qr_matrix(payload: str) -> list[list[bool]]:
    """Dark (True) / light modules of the QR code for `payload`, quiet zone included."""
    code = segno.make(payload, error="m", micro=False)
    return [[bool(module) for module in row] for row in code.matrix_iter(scale=1, border=QR_BORDER)]


def qr_image(payload: str) -> Image.Image:
    """One pixel per module, 8-bit grey (0 dark, 255 light); scaled up without smoothing in the PDF."""
    matrix = qr_matrix(payload)
    image = Image.new("L", (len(matrix[0]), len(matrix)))
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    return image


def _approver(permit: Permit) -> str:
    event = (
        PermitEvent.objects.filter(permit=permit, action=PermitEvent.Action.APPROVE)
        .select_related("actor")
        .order_by("-created_at")
        .first()
    )
    return str(event.actor) if event is not None and event.actor is not None else ""


def render_certificate(permit: Permit, tenant: Tenant) -> bytes:
    if permit.status not in (workflow.ISSUED, workflow.REVOKED) or permit.issued_at is None:
        raise ValueError("permit has not been issued")
    url = verification_url(permit, tenant)
    buffer = io.BytesIO()
    with translation.override("id"):
        _draw(DocumentCanvas(buffer, pagesize=A4, pageCompression=0), permit, tenant, url)
    # A certificate is kept for as long as the business runs: archive format (see pdfa.py).
    # Imported here: pikepdf (qpdf) loads only in a process that prints a certificate.
    from apps.core.pdf.pdfa import to_pdfa_2b

    return to_pdfa_2b(buffer.getvalue())


def _draw(pdf: Any, permit: Permit, tenant: Tenant, url: str) -> None:
    width, height = A4
    left, right = 2.2 * cm, width - 2.2 * cm
    pdf.setTitle(f"Izin Usaha Mikro {permit.number}")
    pdf.setAuthor(tenant.name)
    pdf.setSubject(permit.business_name)

    y = height - 2.2 * cm
    pdf.setFont(BOLD, 13)
    if tenant.parent is not None:
        pdf.drawCentredString(width / 2, y, f"PEMERINTAH {tenant.parent.name.upper()}")
        y -= 0.6 * cm
    pdf.drawCentredString(width / 2, y, tenant.name.upper())
    y -= 0.5 * cm
    pdf.setFont(REGULAR, 9)
    pdf.drawCentredString(width / 2, y, f"Kode wilayah {tenant.region_id or '-'}")
    y -= 0.35 * cm
    pdf.setLineWidth(1.5)
    pdf.line(left, y, right, y)

    y -= 1.3 * cm
    pdf.setFont(BOLD, 16)
    pdf.drawCentredString(width / 2, y, "IZIN USAHA MIKRO")
    y -= 0.6 * cm
    pdf.setFont(REGULAR, 11)
    pdf.drawCentredString(width / 2, y, f"Nomor: {permit.number}")

    y -= 1.2 * cm
    pdf.setFont(REGULAR, 10.5)
    pdf.drawString(left, y, f"Lurah {tenant.name.removeprefix('Kelurahan ')} memberikan Izin Usaha Mikro kepada:")
    y -= 0.8 * cm

    issued = date_format(timezone.localtime(permit.issued_at), "j F Y")
    rows = [
        ("Nama pemilik", permit.owner_name),
        ("NIK", permit.nik_masked),
        ("Nama usaha", permit.business_name),
        ("Bidang usaha (KBLI 2020)", f"{permit.kbli_code} — {permit.kbli_title}"),
        ("Tingkat risiko", str(Permit.Risk(permit.risk_level).label)),
        ("Alamat usaha", permit.address),
        ("Titik lokasi", f"{permit.lat}, {permit.lng}"),
        ("Modal usaha", f"{rupiah(permit.capital)} (di luar tanah dan bangunan)"),
        ("Tenaga kerja", f"{permit.workers} orang"),
        ("Produk/jasa", permit.products),
        ("NIB", permit.nib or "-"),
        ("Tanggal terbit", issued),
    ]
    label_width = 5.2 * cm
    value_width = right - left - label_width
    for label, value in rows:
        lines = split_lines(value or "-", REGULAR, 10.5, value_width)[:4]
        pdf.setFont(REGULAR, 10.5)
        pdf.drawString(left, y, label)
        pdf.drawString(left + label_width - 0.4 * cm, y, ":")
        for line in lines:
            pdf.drawString(left + label_width, y, line)
            y -= 0.5 * cm
        y -= 0.1 * cm

    y -= 0.4 * cm
    note = (
        "Izin ini berlaku selama usaha dijalankan sesuai data di atas. Keabsahannya dapat diperiksa "
        "dengan memindai kode QR atau membuka alamat di bawahnya."
    )
    pdf.setFont(REGULAR, 9.5)
    for line in split_lines(note, REGULAR, 9.5, right - left):
        pdf.drawString(left, y, line)
        y -= 0.45 * cm

    # QR code of the verification page, bottom left; also a clickable link.
    qr_y = 3.2 * cm
    pdf.drawImage(ImageReader(qr_image(url)), left, qr_y, width=QR_SIZE, height=QR_SIZE)
    pdf.linkURL(url, (left, qr_y, left + QR_SIZE, qr_y + QR_SIZE), relative=0)
    pdf.setFont(REGULAR, 7.5)
    pdf.drawString(left, qr_y - 0.4 * cm, url)

    # Signature block, bottom right.
    sign_x = right - 6.5 * cm
    pdf.setFont(REGULAR, 10.5)
    pdf.drawString(sign_x, qr_y + QR_SIZE - 0.2 * cm, f"Ditetapkan tanggal {issued}")
    pdf.drawString(sign_x, qr_y + QR_SIZE - 0.7 * cm, f"Lurah {tenant.name.removeprefix('Kelurahan ')}")
    pdf.setFont(BOLD, 10.5)
    pdf.drawString(sign_x, qr_y + 0.3 * cm, _approver(permit) or "-")
    pdf.setFont(REGULAR, 8)
    pdf.drawString(sign_x, qr_y - 0.1 * cm, "Ditandatangani secara elektronik melalui KotaKita")

    if permit.status == workflow.REVOKED and permit.revoked_at is not None:
        pdf.saveState()
        pdf.setFillColor(colors.Color(0.8, 0.1, 0.1, alpha=0.35))
        pdf.setFont(BOLD, 72)
        pdf.translate(width / 2, height / 2)
        pdf.rotate(35)
        pdf.drawCentredString(0, 0, "DICABUT")
        pdf.restoreState()
        pdf.setFillColor(colors.Color(0.7, 0.1, 0.1))
        pdf.setFont(BOLD, 10)
        revoked = date_format(timezone.localtime(permit.revoked_at), "j F Y")
        pdf.drawCentredString(width / 2, 1.6 * cm, f"Izin ini DICABUT pada {revoked}.")

    pdf.showPage()
    pdf.save()

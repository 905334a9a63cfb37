"""Reading a scanned or pasted QRIS: every codec fault (`qris.ERROR_CODES`) becomes a 422
named `qris_<code>` with a Bahasa Indonesia message, the tag involved and the codec's detail."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.core.errors import NotFound, ValidationFailed

from . import qris
from .models import PaymentRequest

# One Bahasa Indonesia message per codec fault (`qris.ERROR_CODES`; a test keeps them in step).
QRIS_MESSAGES: dict[str, Any] = {
    "not_text": _("Kode QRIS harus berupa teks."),
    "empty": _("Kode QRIS kosong."),
    "bad_character": _("Kode QRIS memuat karakter yang tidak valid."),
    "truncated": _("Kode QRIS terpotong: panjang sebuah tag melewati akhir kode."),
    "bad_tag": _("Kode QRIS rusak: nomor tag bukan dua angka."),
    "bad_length": _("Kode QRIS rusak: panjang tag bukan dua angka."),
    "zero_length": _("Kode QRIS rusak: ada tag dengan panjang 00 (panjang harus 01-99)."),
    "empty_value": _("Kode QRIS tidak bisa dibuat: ada isian yang kosong."),
    "value_too_long": _("Kode QRIS tidak bisa dibuat: ada isian yang terlalu panjang."),
    "duplicate_tag": _("Kode QRIS rusak: ada tag yang muncul dua kali."),
    "format_not_first": _("Kode QRIS rusak: tag 00 (format) harus di awal kode."),
    "bad_format": _("Kode QRIS rusak: indikator format (tag 00) harus 01."),
    "bad_initiation": _("Kode QRIS rusak: metode inisiasi (tag 01) harus 11 atau 12."),
    "missing_tag": _("Kode QRIS tidak lengkap: tag wajib tidak ada."),
    "crc_not_last": _("Kode QRIS rusak: CRC (tag 63) harus di akhir kode."),
    "bad_crc_format": _("Kode QRIS rusak: CRC (tag 63) harus 4 digit heksadesimal."),
    "crc_mismatch": _("CRC salah: kode QRIS rusak atau diubah."),
    "bad_mcc": _("Kode QRIS rusak: kode kategori merchant (tag 52) harus 4 angka."),
    "bad_currency": _("Kode QRIS ini bukan dalam Rupiah (tag 53 harus 360)."),
    "bad_amount": _("Jumlah di kode QRIS (tag 54) tidak valid."),
    "bad_tip": _("Kode QRIS rusak: indikator tip (tag 55) tidak dikenal."),
    "bad_country": _("Kode QRIS ini bukan dari Indonesia (tag 58 harus ID)."),
    "name_length": _("Nama merchant di kode QRIS lebih dari 25 karakter."),
    "city_length": _("Kota merchant di kode QRIS lebih dari 15 karakter."),
    "not_ascii": _("Data merchant QRIS hanya boleh berisi huruf, angka dan tanda baca ASCII."),
    "bad_criteria": _("Kriteria merchant QRIS harus UMI, UKE, UME, UBE atau URE."),
    "bad_pan": _("PAN merchant QRIS harus 1-19 angka."),
    "bad_merchant_id": _("ID merchant QRIS harus 1-15 karakter."),
    "bad_nmid": _("NMID QRIS harus 1-15 karakter."),
    "bad_guid": _("GUID merchant QRIS harus 1-32 karakter."),
    "bad_postal_code": _("Kode pos di QRIS paling banyak 10 karakter."),
    "bad_bill_number": _("Nomor tagihan QRIS harus 1-25 karakter yang dapat dicetak."),
}


def read_qris(payload: str) -> qris.QrisPayload:
    """A scanned/pasted QRIS, parsed; any fault answers 422 with the codec's name for it
    (`qris_<code>`), the tag involved and a message naming it."""
    try:
        return qris.parse(payload)
    except qris.QrisError as exc:
        raise ValidationFailed(
            qris_error_message(exc),
            code=f"qris_{exc.code}",
            tag=exc.tag or "",
            template=exc.template or "",
            position=exc.position,
        ) from exc


def payment_request_for_qris(payload: str) -> PaymentRequest:
    """The KotaKitaPay bill a scanned QRIS belongs to (its bill number), in this tenant."""
    bill_number = read_qris(payload).bill_number
    bill = PaymentRequest.objects.filter(bill_number=bill_number).first() if bill_number else None
    if bill is None and bill_number:  # a renewed code carries its charge's order id
        bill = PaymentRequest.objects.filter(charges__order_id=bill_number).first()
    if bill is None:
        raise NotFound(_("QRIS ini bukan tagihan KotaKitaPay di kelurahan ini."), code="unknown_bill")
    return bill


def qris_error_message(exc: qris.QrisError) -> str:
    """A translated message for the UI, naming the tag, with the codec's detail after it."""
    base = QRIS_MESSAGES.get(exc.code, _("Kode QRIS tidak valid."))
    tag = str(_(" (tag %(tag)s)") % {"tag": exc.tag}) if exc.tag else ""
    return f"{base}{tag} — {exc.message}"

"""Input checks shared by the marketplace writes: prices, quantities, SKUs, texts, points, photos
(opening hours: apps.core.opening_hours, shared with the hubs)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from apps.core import uploads
from apps.core.errors import ValidationFailed
from apps.core.money import parse_count, parse_rupiah, rupiah
from apps.payments import services as payments

from .. import conf
from ..models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
)

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


def clean_price(value: Any, *, field_name: str = "price") -> int:
    """A whole number of rupiah as typed or sent ("Rp25.000", "25.000,00"), more than zero, at most MAX_PRICE."""
    price = parse_rupiah(value, allow_negative=True)
    if price is None:
        raise ValidationFailed(_("Harga harus bilangan bulat rupiah."), code="invalid_price", field=field_name)
    if price <= 0:
        raise ValidationFailed(_("Harga harus lebih dari nol."), code="invalid_price", field=field_name)
    if price > conf.get("MAX_PRICE"):
        raise ValidationFailed(
            _("Harga paling tinggi %(max)s.") % {"max": rupiah(conf.get("MAX_PRICE"))},
            code="invalid_price",
            field=field_name,
        )
    return price


def clean_quantity(value: Any, *, allow_zero: bool = False, field_name: str = "quantity") -> int:
    quantity = parse_count(value)
    if quantity is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat."), code="invalid_quantity", field=field_name)
    if quantity < 0 or (quantity == 0 and not allow_zero):
        message = _("Jumlah tidak boleh negatif.") if allow_zero else _("Jumlah harus lebih dari nol.")
        raise ValidationFailed(message, code="invalid_quantity", field=field_name)
    if quantity > 1_000_000:
        raise ValidationFailed(_("Jumlah terlalu besar."), code="invalid_quantity", field=field_name)
    return quantity


def clean_sku(value: Any) -> str:
    sku = str(value or "").strip()
    if not sku:
        raise ValidationFailed(_("SKU wajib diisi."), code="invalid_sku", field="sku")
    if not _SKU_RE.match(sku):
        raise ValidationFailed(
            _("SKU hanya boleh huruf, angka, titik, garis miring, garis bawah dan tanda hubung (maks. 64)."),
            code="invalid_sku",
            field="sku",
        )
    return sku


def _clean_text(value: Any, *, field_name: str, label: str, max_length: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationFailed(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field_name)
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s paling panjang %(max)d karakter.") % {"label": label, "max": max_length},
            code="too_long",
            field=field_name,
        )
    return text


def clean_point(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lng_d = Decimal(str(lng)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Titik peta tidak valid."), code="invalid_location", field="lat") from None
    if not (LAT_MIN <= lat_d <= LAT_MAX and LNG_MIN <= lng_d <= LNG_MAX):
        raise ValidationFailed(_("Titik peta harus di wilayah Indonesia."), code="invalid_location", field="lat")
    return lat_d, lng_d


def _photo(upload: UploadedFile[Any]) -> tuple[str, str]:
    """(file name, content type) of an uploaded JPEG/PNG photo, judged by its bytes."""
    if upload.size is not None and upload.size > conf.get("MAX_PHOTO_BYTES"):
        raise ValidationFailed(_("Foto terlalu besar (maks. 5 MB)."), code="photo_too_large", field="photo")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, mime, extension in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            # The shared checker's Pillow pass: decompression bombs and unparseable images.
            problem = uploads.image_problem(upload, uploads.JPEG if extension == "jpg" else uploads.PNG)
            if problem == "pixels":
                raise ValidationFailed(
                    _("Foto terlalu besar: paling banyak %(megapixels)s megapiksel.")
                    % {"megapixels": f"{uploads.max_image_pixels() / 1_000_000:g}"},
                    code="image_too_large",
                    field="photo",
                )
            if problem == "unreadable":
                raise ValidationFailed(
                    _("Foto rusak atau bukan gambar JPEG/PNG yang bisa dibaca."), code="image_unreadable", field="photo"
                )
            return f"foto.{extension}", mime
    raise ValidationFailed(_("Foto harus JPEG atau PNG."), code="photo_type", field="photo")


def _key(value: Any) -> str:
    return payments.clean_key(value)


def check_photo(upload: UploadedFile[Any]) -> None:
    """The photo check the shop and product writes run, for a form that keeps a chosen photo
    across its validation errors (apps.core.files.kept): a photo refused here is not kept."""
    _photo(upload)

"""Input checks shared by the marketplace writes: prices, quantities, SKUs, texts, points, opening hours, photos."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from apps.core import uploads
from apps.core.errors import ValidationFailed
from apps.core.money import rupiah
from apps.payments import services as payments

from .. import conf
from ..models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
)

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # "25.000" as typed in Indonesia
            text = text.replace(".", "")
        if re.fullmatch(r"-?\d+", text) and text.isascii():
            return int(text)
    return None


def clean_price(value: Any, *, field_name: str = "price") -> int:
    """A whole number of rupiah, more than zero, at most MAX_PRICE."""
    price = _whole_number(value)
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
    quantity = _whole_number(value)
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


def clean_opening_hours(value: Mapping[Any, Any] | None) -> dict[str, list[str]]:
    """{weekday (0 = Senin): ["07:00", "14:00"]}, opening before closing."""
    hours: dict[str, list[str]] = {}
    for day, span in (value or {}).items():
        key = str(day)
        if key not in {str(d) for d in range(7)}:
            raise ValidationFailed(_("Hari tidak dikenal."), code="invalid_hours", field="opening_hours")
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise ValidationFailed(_("Jam buka harus berupa jam buka dan jam tutup."), code="invalid_hours")
        opens, closes = (str(part).strip().replace(".", ":") for part in span)
        if not (_TIME_RE.match(opens) and _TIME_RE.match(closes)) or opens >= closes:
            raise ValidationFailed(
                _("Jam buka tidak valid: %(open)s–%(close)s.") % {"open": opens, "close": closes},
                code="invalid_hours",
                field="opening_hours",
            )
        hours[key] = [opens, closes]
    return dict(sorted(hours.items()))


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

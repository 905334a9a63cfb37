"""Input checks of permit applications: NIK, KBLI, text, capital, location and uploads."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import geo
from apps.core import nik as nik_rules
from apps.core.db import connection
from apps.core.errors import ValidationFailed
from apps.core.files import private_storage
from apps.core.uploads import JPEG, PDF, PNG, CheckedUpload, FileKind, UploadRule, check_upload
from apps.tenancy.models import Tenant

from .. import kbli
from ..models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
    MICRO_CAPITAL_MAX,
    Permit,
)
from ._common import MAX_DISTANCE_KM, MIN_APPLICANT_AGE

_regencies: frozenset[str] = frozenset()


def _known_regencies() -> frozenset[str] | None:
    """Kabupaten/kota codes of the national region list (public schema), read once per process."""
    global _regencies
    if not _regencies:
        from apps.tenancy.models import Region

        _regencies = frozenset(Region.objects.filter(level=Region.Level.KABUPATEN_KOTA).values_list("code", flat=True))
    return _regencies or None


def clean_nik(raw: str, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    try:
        info = nik_rules.parse_nik(raw, today=today, known_regencies=_known_regencies())
    except nik_rules.InvalidNumber as exc:
        messages = {
            nik_rules.EMPTY: _("NIK harus 16 digit angka."),
            nik_rules.FORMAT: _("NIK harus 16 digit angka."),
            nik_rules.REGION: _("Kode wilayah pada NIK tidak valid."),
            nik_rules.BIRTH_DATE: _("Tanggal lahir pada NIK tidak valid."),
            nik_rules.SERIAL: _("Nomor urut pada NIK tidak valid."),
        }
        raise ValidationFailed(messages.get(exc.code, _("NIK tidak valid.")), code="invalid_nik", field="nik") from None
    if nik_rules.age_on(info.birth_date, today) < MIN_APPLICANT_AGE:
        raise ValidationFailed(
            _("Pemilik usaha harus berusia minimal %(age)d tahun.") % {"age": MIN_APPLICANT_AGE},
            code="invalid_nik",
            field="nik",
        )
    return info.nik


def clean_kbli(code: str) -> kbli.Kbli:
    try:
        return kbli.get(code)
    except kbli.InvalidKbli:
        raise ValidationFailed(_("Kode KBLI harus 5 digit angka."), code="invalid_kbli", field="kbli_code") from None
    except kbli.UnknownKbli:
        raise ValidationFailed(
            _("Kode KBLI %(code)s tidak ada dalam daftar KBLI 2020 usaha mikro.") % {"code": code.strip()},
            code="unknown_kbli",
            field="kbli_code",
        ) from None


def _clean_text(value: Any, field: str, label: str, *, max_length: int, min_length: int = 0) -> str:
    text = " ".join(str(value or "").split()) if field != "products" else str(value or "").strip()
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s paling panjang %(n)d karakter.") % {"label": label, "n": max_length}, field=field
        )
    if min_length and len(text) < min_length:
        raise ValidationFailed(
            _("%(label)s wajib diisi (minimal %(n)d karakter).") % {"label": label, "n": min_length}, field=field
        )
    return text


def _clean_int(value: Any, field: str, label: str, *, low: int, high: int, message: str = "") -> int:
    if isinstance(value, bool) or value is None or value == "":
        raise ValidationFailed(_("%(label)s wajib diisi.") % {"label": label}, field=field)
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(label)s harus bilangan bulat.") % {"label": label}, field=field) from None
    if isinstance(value, float | Decimal) and number != value:
        raise ValidationFailed(_("%(label)s harus bilangan bulat.") % {"label": label}, field=field)
    if not low <= number <= high:
        raise ValidationFailed(
            message or _("%(label)s harus antara %(low)d dan %(high)d.") % {"label": label, "low": low, "high": high},
            field=field,
        )
    return number


def clean_capital(value: Any) -> int:
    return _clean_int(
        value,
        "capital",
        _("Modal usaha"),
        low=0,
        high=MICRO_CAPITAL_MAX,
        message=_(
            "Modal usaha mikro paling banyak Rp1.000.000.000 di luar tanah dan bangunan (PP 7/2021); "
            "isi dalam rupiah tanpa titik."
        ),
    )


def _to_decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            _("Koordinat lokasi harus berupa angka."), code="invalid_location", field=field
        ) from None
    if not number.is_finite():
        raise ValidationFailed(_("Koordinat lokasi harus berupa angka."), code="invalid_location", field=field)
    if abs(number) > 1000:  # quantizing 1e308 to 6 places would overflow Decimal (a 500)
        raise ValidationFailed(
            _("Titik lokasi berada di luar wilayah Indonesia."), code="invalid_location", field=field
        )
    return number.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def clean_location(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    """Both or neither; inside Indonesia; not far from the kelurahan/kota."""
    missing_lat, missing_lng = lat in (None, ""), lng in (None, "")
    if missing_lat and missing_lng:
        return None, None
    if missing_lat or missing_lng:
        raise ValidationFailed(
            _("Lokasi usaha harus berisi lintang dan bujur; pilih titik di peta."),
            code="invalid_location",
            field="location",
        )
    lat_d, lng_d = _to_decimal(lat, "location"), _to_decimal(lng, "location")
    if not (LAT_MIN <= lat_d <= LAT_MAX and LNG_MIN <= lng_d <= LNG_MAX):
        raise ValidationFailed(
            _("Titik lokasi berada di luar wilayah Indonesia."), code="invalid_location", field="location"
        )
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant) and tenant.boundary:
        if not geo.in_boundary(tenant.boundary, float(lat_d), float(lng_d)):
            raise ValidationFailed(
                _("Titik lokasi berada di luar wilayah %(name)s; pilih titik di dalam batasnya.")
                % {"name": tenant.name},
                code="invalid_location",
                field="location",
            )
    elif tenant is not None and getattr(tenant, "lat", None) is not None and getattr(tenant, "lng", None) is not None:
        limit = MAX_DISTANCE_KM.get(str(tenant.tenant_type))
        distance = geo.haversine_m(float(lat_d), float(lng_d), float(tenant.lat), float(tenant.lng)) / 1000
        if limit is not None and distance > limit:
            raise ValidationFailed(
                _("Titik lokasi berjarak %(km).0f km dari %(name)s; pilih titik di wilayah %(name)s.")
                % {"km": distance, "name": tenant.name},
                code="invalid_location",
                field="location",
            )
    return lat_d, lng_d


MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MB


def _upload_rule(field: str, label: Promise, allowed: tuple[FileKind, ...]) -> UploadRule:
    return UploadRule(
        field=field,
        allowed=allowed,
        max_bytes=MAX_UPLOAD_BYTES,
        label=label,
        too_large=gettext_lazy("%(label)s terlalu besar (%(mb).1f MB); paling besar %(limit)s."),
        wrong_type=gettext_lazy("%(label)s harus berkas %(type_list)s (isi berkas diperiksa, bukan namanya)."),
        empty=gettext_lazy("%(label)s kosong."),
    )


UPLOAD_RULES = {
    "ktp_scan": _upload_rule("ktp_scan", gettext_lazy("Scan KTP"), (JPEG, PNG, PDF)),
    "premises_photo": _upload_rule("premises_photo", gettext_lazy("Foto tempat usaha"), (JPEG, PNG)),
}


def clean_upload(upload: File[Any], field: str) -> CheckedUpload:
    """Type by content (KTP scan: JPEG/PNG/PDF, premises photo: JPEG/PNG), size at most 2 MB."""
    return check_upload(upload, UPLOAD_RULES[field])


def _store(permit: Permit, field: str, checked: CheckedUpload, saved: list[str]) -> str:
    """Save under a server-chosen name; return the replaced file's name (to delete after commit)."""
    old = getattr(permit, field).name or ""
    prefix = "ktp" if field == "ktp_scan" else "tempat-usaha"
    getattr(permit, field).save(f"{prefix}-{secrets.token_hex(8)}.{checked.kind.extension}", checked.file, save=False)
    saved.append(getattr(permit, field).name)
    setattr(permit, f"{field}_type", checked.kind.content_type)
    return str(old)


def _discard(names: Iterable[str]) -> None:
    for name in names:
        if name:
            private_storage().delete(name)  # both permit files are private

"""Writes of the Data-as-a-Service: integrators and their keys, metering and privacy budgets.
Releasing a query's cells under differential privacy is `apps.dataservice.release`."""

from __future__ import annotations

import datetime
import hmac
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import api_keys
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.tenancy import regions
from apps.tenancy.models import Region

from . import selectors
from .indicators import Family
from .models import ApiKey, Partner, PrivacyBudget

KEY_PREFIX = "kkd_"
DEFAULT_PER_MINUTE = 60
DEFAULT_PER_DAY = 5000
# The published key of the local demo (apps.dataservice.demo): works only with DEBUG on, even if
# a database seeded in development ends up in production.
DEMO_KEY = "kkd_demo-bappeda-madiun-2026"


# --- integrators and keys ---------------------------------------------------------------------


@transaction.atomic
def ensure_partner(*, name: str, contact_email: str = "") -> Partner:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama mitra wajib diisi."), code="missing_name", field="name")
    partner, _created = Partner.objects.get_or_create(name=name[:150], defaults={"contact_email": contact_email})
    return partner


def clean_scopes(scopes: list[str]) -> list[str]:
    known = {f.value for f in Family}
    cleaned = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in cleaned if s not in known]
    if unknown or not cleaned:
        raise ValidationFailed(
            _("Cakupan harus diisi dengan satu atau lebih dari: %(known)s.") % {"known": ", ".join(sorted(known))},
            code="invalid_scopes",
            field="scopes",
            unknown=unknown,
        )
    return cleaned


def clean_region_prefixes(prefixes: list[str]) -> list[str]:
    cleaned: set[str] = set()
    for raw in prefixes:
        if not raw.strip():
            continue
        try:
            code = regions.normalize(raw)
        except regions.InvalidRegionCode:
            raise ValidationFailed(
                _("Kode wilayah '%(value)s' tidak valid.") % {"value": raw[:40]}, code="invalid_region", field="regions"
            ) from None
        cleaned.add(code)
    if not cleaned:
        raise ValidationFailed(_("Isi paling sedikit satu kode wilayah."), code="missing_regions", field="regions")
    known = set(Region.objects.filter(code__in=cleaned).values_list("code", flat=True))
    if missing := sorted(cleaned - known):
        raise ValidationFailed(
            _("Wilayah tidak dikenal: %(codes)s.") % {"codes": ", ".join(missing)},
            code="unknown_region",
            field="regions",
        )
    return sorted(cleaned)


@transaction.atomic
def create_api_key(
    *,
    partner: Partner,
    name: str,
    scopes: list[str],
    region_prefixes: list[str],
    per_minute: int = DEFAULT_PER_MINUTE,
    per_day: int = DEFAULT_PER_DAY,
    expires_at: datetime.datetime | None = None,
    raw_key: str | None = None,
) -> tuple[ApiKey, str]:
    """A new key; the raw key is returned once, only its digest is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama kunci wajib diisi."), code="missing_name", field="name")
    if per_minute < 1 or per_day < 1:
        raise ValidationFailed(_("Kuota harus paling sedikit 1."), code="invalid_quota", field="per_minute")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(_("Tanggal kedaluwarsa harus di masa depan."), code="invalid_expiry", field="expires_at")
    if raw_key == DEMO_KEY and not settings.DEBUG:
        raise ValidationFailed(
            _("Kunci demo hanya boleh dipakai dalam mode pengembangan."), code="demo_key", field="raw_key"
        )
    if raw_key is not None and (len(raw_key) < 24 or not raw_key.startswith(KEY_PREFIX)):
        raise ValidationFailed(
            _("Kunci harus diawali %(prefix)s dan paling sedikit 24 karakter.") % {"prefix": KEY_PREFIX},
            code="invalid_key",
            field="raw_key",
        )
    fields = {
        "partner": partner,
        "name": name[:150],
        "scopes": clean_scopes(scopes),
        "region_prefixes": clean_region_prefixes(region_prefixes),
        "per_minute": per_minute,
        "per_day": per_day,
        "expires_at": expires_at,
    }
    return api_keys.create(ApiKey, use_prefix=KEY_PREFIX, raw_key=raw_key, **fields)


@transaction.atomic
def revoke_api_key(api_key: ApiKey) -> ApiKey:
    """Idempotent: a revoked key stays revoked at its first revocation time."""
    return api_keys.revoke(api_key)


class KeyProblem(StrEnum):
    MISSING = "missing"
    INVALID = "invalid"
    REVOKED = "revoked"
    EXPIRED = "expired"


def authenticate(raw: str) -> tuple[ApiKey | None, KeyProblem | None]:
    """The key behind `raw`, or why there is none. Compared in constant time."""
    raw = (raw or "").strip()
    if not raw:
        return None, KeyProblem.MISSING
    key = api_keys.find(ApiKey.objects.select_related("partner"), raw)
    if key is None or (not settings.DEBUG and hmac.compare_digest(raw, DEMO_KEY)):
        return None, KeyProblem.INVALID
    if key.revoked_at is not None or not key.partner.active:
        return None, KeyProblem.REVOKED
    if not key.is_usable():
        return None, KeyProblem.EXPIRED
    api_keys.touch(key)
    return key, None


def authorize(api_key: ApiKey, query: selectors.Query) -> None:
    """403 unless the key's scopes hold the indicator's family and its regions hold the query's."""
    family = query.indicator.family.value
    if family not in api_key.scopes:
        raise Forbidden(
            _("Kunci API ini tidak mempunyai cakupan '%(family)s'.") % {"family": family},
            code="scope_denied",
            required_scope=family,
        )
    if not region_allowed(api_key, query.region):
        raise Forbidden(
            _("Kunci API ini tidak diizinkan membaca wilayah %(code)s.") % {"code": query.region},
            code="region_denied",
            allowed=list(api_key.region_prefixes),
        )


def region_allowed(api_key: ApiKey, code: str) -> bool:
    return any(code == p or code.startswith(p + ".") for p in api_key.region_prefixes)


# --- metering -----------------------------------------------------------------------------------


def record_usage(
    api_key: ApiKey,
    *,
    requests: int = 0,
    rows: int = 0,
    cells: int = 0,
    suppressed: int = 0,
    throttled: int = 0,
    day: datetime.date | None = None,
) -> None:
    """Add to the key's usage of `day` (today, local time) in one atomic upsert."""
    day = day or timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO dataservice_usageday "
            "(api_key_id, day, requests, rows, cells, suppressed_cells, throttled) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (api_key_id, day) DO UPDATE SET "
            "requests = dataservice_usageday.requests + EXCLUDED.requests, "
            "rows = dataservice_usageday.rows + EXCLUDED.rows, "
            "cells = dataservice_usageday.cells + EXCLUDED.cells, "
            "suppressed_cells = dataservice_usageday.suppressed_cells + EXCLUDED.suppressed_cells, "
            "throttled = dataservice_usageday.throttled + EXCLUDED.throttled",
            [api_key.pk, day, requests, rows, cells, suppressed, throttled],
        )


@transaction.atomic
def set_privacy_budget(*, family: str, epsilon_per_release: float, epsilon_per_period: float) -> PrivacyBudget:
    """The operator's budget of one family (applies to releases from now on; what was spent
    stays spent)."""
    try:
        code = Family(family).value
    except ValueError:
        raise ValidationFailed(_("Keluarga indikator tidak dikenal."), code="unknown_family", field="family") from None
    if not 0 < epsilon_per_release <= 10:
        raise ValidationFailed(
            _("Epsilon per rilis harus lebih dari 0 dan paling banyak 10."),
            code="invalid_epsilon",
            field="epsilon_per_release",
        )
    if not epsilon_per_release <= epsilon_per_period <= 1000:
        raise ValidationFailed(
            _("Epsilon per bulan harus paling sedikit epsilon per rilis dan paling banyak 1000."),
            code="invalid_epsilon",
            field="epsilon_per_period",
        )
    row, _created = PrivacyBudget.objects.update_or_create(
        family=code, defaults={"epsilon_per_release": epsilon_per_release, "epsilon_per_period": epsilon_per_period}
    )
    return row


def get_key(prefix: str) -> ApiKey:
    key = ApiKey.objects.select_related("partner").filter(prefix=prefix).first()
    if key is None:
        raise NotFound(_("Kunci API tidak ditemukan."), code="key_not_found")
    return key

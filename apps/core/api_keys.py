"""API keys of integrators: one model idiom and one key service for every kind of key.

A raw key is `<use prefix><random>` (e.g. `kk311_…` for Open311, `kkd_…` for the data API), shown
once at creation. Only its SHA-256 digest (`key_hash`) is stored, with its first
`PREFIX_LENGTH` characters (`prefix`) to find the row and to name the key in the admin and logs.
A presented key is looked up by prefix, then its digest is compared in constant time.

The use prefix only makes a key recognisable (to people and secret scanners); authentication never
checks it, so keys made before a prefix changed (`o311_…`) keep working: their rows hold the
prefix and digest of the same scheme.

There are two tables on purpose, one per kind, both built on `ApiKeyBase`:
- `apps.reports.ApiKey` lives in a kelurahan's own schema: an Open311 key belongs to that
  kelurahan, and a key of kelurahan A is simply not there when a request reaches kelurahan B
  (tenant isolation by the schema, not by a filter someone could forget);
- `apps.dataservice.ApiKey` lives in the public schema: a data key belongs to a partner and reads
  aggregates across kelurahan, with scopes, quotas and an expiry.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any, TypeVar

from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import Conflict

PREFIX_LENGTH = 12
# How long after its last recorded use a key's `last_used_at` is written again: one write a
# minute per key at most, not one per request.
LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)


class ApiKeyBase(models.Model):
    """The fields and the usability rule every API key shares. A key is never deleted to stop
    it: it is revoked (`revoked_at`), so what it did stays attributable."""

    name = models.CharField(gettext_lazy("nama kunci"), max_length=150)
    prefix = models.CharField(gettext_lazy("awalan"), max_length=16, db_index=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(gettext_lazy("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(gettext_lazy("terakhir dipakai"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(gettext_lazy("dicabut"), null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def is_usable(self) -> bool:
        return self.revoked_at is None


K = TypeVar("K", bound=ApiKeyBase)


def generate(use_prefix: str) -> str:
    """A new raw key: the use prefix and 256 random bits."""
    return f"{use_prefix}{secrets.token_urlsafe(32)}"


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def prefix_of(raw: str) -> str:
    return raw[:PREFIX_LENGTH]


def create(model: type[K], *, use_prefix: str, raw_key: str | None = None, **fields: Any) -> tuple[K, str]:
    """A new key row (call inside the caller's transaction); the raw key is returned once.

    A generated key whose prefix or digest already exists is generated again; a given `raw_key`
    that exists is a 409.
    """
    for _attempt in range(3):
        raw = raw_key or generate(use_prefix)
        try:
            with transaction.atomic():
                key = model._default_manager.create(prefix=prefix_of(raw), key_hash=digest(raw), **fields)
        except IntegrityError:
            if raw_key is not None:
                raise Conflict(_("Kunci API ini sudah ada."), code="duplicate_key") from None
            continue
        return key, raw
    raise Conflict(_("Gagal membuat kunci unik, coba lagi."), code="duplicate_key")


def find(queryset: models.QuerySet[K], raw: str) -> K | None:
    """The key (usable or not) whose raw value is `raw`, or None.

    Every row sharing the prefix is compared, in constant time, so neither the comparison nor
    the number of compared rows depends on how much of the digest matched.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    wanted = digest(raw)
    found = None
    for key in queryset.filter(prefix=prefix_of(raw)):
        if hmac.compare_digest(key.key_hash, wanted):
            found = key
    return found


def touch(key: ApiKeyBase, now: datetime.datetime | None = None) -> None:
    """Record a use of `key`, at most once per `LAST_USED_GRANULARITY`."""
    now = now or timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_GRANULARITY:
        type(key)._default_manager.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def revoke(key: K) -> K:
    """Idempotent: a revoked key stays revoked at its first revocation time. Call inside the
    caller's transaction (the row is locked until it commits)."""
    locked = type(key)._default_manager.select_for_update().get(pk=key.pk)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked

"""Open311 API keys: create, authenticate, revoke (apps.core.api_keys does the key work)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from apps.core import api_keys
from apps.core.errors import ValidationFailed

from ..models import (
    ApiKey,
)

KEY_PREFIX = "kk311_"


@transaction.atomic
def create_api_key(*, name: str, contact_email: str = "", raw_key: str | None = None) -> tuple[ApiKey, str]:
    """A new integrator key; the raw key is returned once and only its digest is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama integrator wajib diisi."), code="missing_name", field="name")
    return api_keys.create(
        ApiKey, use_prefix=KEY_PREFIX, raw_key=raw_key, name=name[:150], contact_email=contact_email.strip()
    )


def authenticate_api_key(raw: str) -> ApiKey | None:
    """The usable key of this kelurahan behind `raw` (its use is recorded), or None."""
    key = api_keys.find(ApiKey.objects.all(), raw)
    if key is None or not key.is_usable():
        return None
    api_keys.touch(key)
    return key


@transaction.atomic
def revoke_api_key(api_key: ApiKey) -> ApiKey:
    return api_keys.revoke(api_key)

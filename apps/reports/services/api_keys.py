"""Open311 API keys: create and authenticate."""

from __future__ import annotations

import hashlib
import secrets

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.core.errors import Conflict, ValidationFailed

from ..models import (
    ApiKey,
)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def create_api_key(*, name: str, contact_email: str = "", raw_key: str | None = None) -> tuple[ApiKey, str]:
    """A new integrator key; the raw key is returned once and only its digest is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Nama integrator wajib diisi."), code="missing_name", field="name")
    raw = raw_key or f"o311_{secrets.token_urlsafe(30)}"
    try:
        with transaction.atomic():
            key = ApiKey.objects.create(
                name=name[:150], contact_email=contact_email.strip(), prefix=raw[:12], key_hash=_digest(raw)
            )
    except IntegrityError:
        raise Conflict(_("Kunci API ini sudah ada."), code="duplicate_key") from None
    return key, raw


def authenticate_api_key(raw: str) -> ApiKey | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    return ApiKey.objects.filter(key_hash=_digest(raw), active=True).first()

"""API tokens: issue (secret shown once), find by key, renew by rotation, revoke.

A key is `<prefix><secret>`: 8 hex characters that locate the row, then 43 URL-safe random
characters. Only SHA-256 of the whole key is stored; the secrets carry 256 bits of randomness,
so a plain (unsalted) digest cannot be brute-forced and lets the lookup stay one indexed query.

Renewal rotates: a fresh key with the same name and a new expiry replaces the old one, which
is revoked in the same transaction. Extending the old key instead would let one leaked key
live for ever.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.errors import NotFound, ValidationFailed

from .models import ApiToken, User

# How long after its last recorded use a token's `last_used_at` is written again: one write a
# minute at most, not one per API call.
LAST_USED_GRANULARITY = timedelta(minutes=1)
NAME_MAX_LENGTH = 100


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the only time the clear key exists: hand it to the user, never store it


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def ttl() -> timedelta | None:
    """Lifetime of a new token (API_TOKEN_TTL_DAYS); None when set to 0 (no expiry)."""
    days = int(getattr(settings, "API_TOKEN_TTL_DAYS", 0) or 0)
    return timedelta(days=days) if days > 0 else None


def expiry_from(start: datetime) -> datetime | None:
    lifetime = ttl()
    return start + lifetime if lifetime else None


def _new_key() -> str:
    return secrets.token_hex(ApiToken.PREFIX_LENGTH // 2) + secrets.token_urlsafe(32)


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            _("Nama token paling banyak %(n)d karakter.") % {"n": NAME_MAX_LENGTH},
            name=[_("Terlalu panjang.")],
        )
    return name


@transaction.atomic
def issue_token(user: User, name: str = "") -> IssuedToken:
    """A new token for `user`; the returned key is the only copy of the secret."""
    now = timezone.now()
    key = _new_key()
    token = ApiToken.objects.create(
        user=user,
        name=_clean_name(name),
        prefix=key[: ApiToken.PREFIX_LENGTH],
        digest=digest(key),
        created_at=now,
        expires_at=expiry_from(now),
    )
    return IssuedToken(token=token, key=key)


def active_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens that are not revoked (expired ones included, marked by expires_at)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)


def _owned(user: User, token_id: int | str) -> ApiToken:
    token = active_tokens(user).select_for_update().filter(pk=token_id).first() if str(token_id).isdigit() else None
    if token is None:
        raise NotFound(_("Token tidak ditemukan."))
    return token


@transaction.atomic
def renew_token(user: User, token_id: int | str) -> IssuedToken:
    """Rotate one of the user's tokens: a fresh key, same name, new expiry; the old one is revoked."""
    old = _owned(user, token_id)
    old.revoked_at = timezone.now()
    old.save(update_fields=["revoked_at"])
    return issue_token(user, old.name)


@transaction.atomic
def revoke_token(user: User, token_id: int | str) -> None:
    token = _owned(user, token_id)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])


def revoke_all_tokens(user: User) -> int:
    """Revoke every token of the user (password changed or reset); returns how many."""
    return active_tokens(user).update(revoked_at=timezone.now())


class TokenProblem(Exception):
    """Why a presented key does not authenticate; the message is safe to show the client."""


def authenticate_key(key: str) -> ApiToken:
    """The live token of `key` with its user, or TokenProblem (unknown, revoked, expired)."""
    key = key.strip()
    if len(key) < ApiToken.PREFIX_LENGTH + 16:
        raise TokenProblem(_("Token tidak valid."))
    wanted = digest(key)
    match = None
    for candidate in ApiToken.objects.select_related("user").filter(prefix=key[: ApiToken.PREFIX_LENGTH]):
        if hmac.compare_digest(candidate.digest, wanted):
            match = candidate
    if match is None or match.revoked_at is not None:
        raise TokenProblem(_("Token tidak valid."))
    now = timezone.now()
    if match.expires_at is not None and match.expires_at <= now:
        raise TokenProblem(_("Token sudah kedaluwarsa. Perbarui atau buat token baru."))
    if not match.user.is_active:
        raise TokenProblem(_("Akun pemilik token tidak aktif."))
    if match.last_used_at is None or now - match.last_used_at >= LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=match.pk).update(last_used_at=now)
        match.last_used_at = now
    return match

"""DRF token authentication that refuses the tokens of demo accounts outside DEBUG."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from .demo_lock import demo_locked


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if demo_locked(user):
            raise exceptions.AuthenticationFailed(_("Akun demo hanya dapat dipakai dalam mode pengembangan."))
        return user, token

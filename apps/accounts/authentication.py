"""DRF authentication by hashed API token, same header as DRF's: `Authorization: Token <key>`.

The tokens of demo accounts are refused outside DEBUG (apps.accounts.demo_lock).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from .api_tokens import TokenProblem, authenticate_key
from .demo_lock import demo_locked
from .models import ApiToken


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Header Authorization harus berbentuk “Token <kunci>”."))
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Token tidak valid.")) from None
        try:
            token = authenticate_key(key)
        except TokenProblem as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        if demo_locked(token.user):
            raise exceptions.AuthenticationFailed(_("Akun demo hanya dapat dipakai dalam mode pengembangan."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # A 401 (not 403) with WWW-Authenticate for calls without credentials.
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """Documents the header in the OpenAPI schema, as drf-spectacular does for DRF's own class."""

    target_class = "apps.accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"
    match_subclasses = True
    priority = -1

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(header_name="Authorization", token_prefix=self.target.keyword)

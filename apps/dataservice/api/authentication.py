"""API-key authentication for /api/v1/data/: `Authorization: Api-Key <key>` or `X-Api-Key`.

The raw key is never logged or stored; only its digest is compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apps.dataservice import services
from apps.dataservice.models import ApiKey

SCHEME = "Api-Key"


@dataclass(frozen=True)
class Integrator:
    """`request.user` of a key-authenticated request (no platform account behind it)."""

    api_key: ApiKey

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False

    @property
    def pk(self) -> int:
        return self.api_key.partner_id

    def __str__(self) -> str:
        return self.api_key.partner.name


def raw_key_of(request: Request) -> str | None:
    header = get_authorization_header(request).split()
    if header and header[0].lower() == SCHEME.lower().encode():
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Header Authorization harus berbentuk: Api-Key <kunci>."))
        return header[1].decode("latin-1")
    value = request.META.get("HTTP_X_API_KEY")
    return value if value else None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        raw = raw_key_of(request)
        if raw is None:
            return None
        key, problem = services.authenticate(raw)
        if key is None:
            messages = {
                services.KeyProblem.REVOKED: _("Kunci API sudah dicabut."),
                services.KeyProblem.EXPIRED: _("Kunci API sudah kedaluwarsa."),
            }
            raise exceptions.AuthenticationFailed(
                messages.get(problem or services.KeyProblem.INVALID, _("Kunci API tidak valid."))
            )
        return Integrator(key), key

    def authenticate_header(self, request: Request) -> str:
        return SCHEME


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "apps.dataservice.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Api-Key",
            "description": "Kunci API integrator (atau header `Authorization: Api-Key <kunci>`).",
        }

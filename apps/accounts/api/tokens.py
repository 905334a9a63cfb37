"""API tokens over the API: sign in for a token, list, issue, renew (rotate) and revoke one's own."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import api_tokens
from apps.accounts.models import ApiToken, User


class ApiTokenSerializer(serializers.ModelSerializer[ApiToken]):
    """A token as listed: never the secret."""

    expired = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expired"]
        read_only_fields = fields

    def get_expired(self, obj: ApiToken) -> bool:
        from django.utils import timezone

        return obj.expires_at is not None and obj.expires_at <= timezone.now()


class IssuedTokenSerializer(ApiTokenSerializer):
    """A token just issued: the only answer that carries the key."""

    token = serializers.CharField(help_text="Kunci rahasia; hanya ditampilkan sekali ini.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


class NewTokenSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=api_tokens.NAME_MAX_LENGTH, required=False, allow_blank=True)


def _issued(issued: api_tokens.IssuedToken) -> dict[str, Any]:
    data = dict(ApiTokenSerializer(issued.token).data)
    return {"token": issued.key, **data}


class ObtainTokenView(APIView):
    """Exchange username and password for a new API token (replaces DRF's obtain_auth_token).

    Every call issues a fresh token (see /api/v1/tokens/ to list and revoke them). Same
    request and `token` field as before, so existing integrations keep working.
    """

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        # A wrong password is 401 (with WWW-Authenticate), not 403, as with any bad credential.
        return "Token"

    @extend_schema(
        request=inline_serializer(
            "ObtainToken",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "name": serializers.CharField(required=False),
            },
        ),
        responses={200: IssuedTokenSerializer, 401: OpenApiResponse(description="Nama pengguna atau kata sandi salah")},
    )
    def post(self, request: Request) -> Response:
        data: Any = request.data
        username = str(data.get("username") or "").strip()
        password = str(data.get("password") or "")
        if not username or not password:
            raise exceptions.ValidationError(
                {
                    name: [_("Wajib diisi.")]
                    for name, value in (("username", username), ("password", password))
                    if not value
                }
            )
        # The Django request: django-axes counts failures per username and address.
        user = authenticate(request._request, username=username, password=password)
        if not isinstance(user, User) or not user.is_active:
            raise exceptions.AuthenticationFailed(_("Nama pengguna atau kata sandi salah."))
        name = str(data.get("name") or _("Masuk lewat API"))[: api_tokens.NAME_MAX_LENGTH]
        return Response(_issued(api_tokens.issue_token(user, name)))


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[ApiToken]):
    """The signed-in user's API tokens. POST issues one, `renew` rotates one, DELETE revokes.

    Renewal issues a fresh key (same name, new expiry) and revokes the old key at once.
    """

    serializer_class = ApiTokenSerializer
    throttle_scope = "token"
    throttle_scope_methods = frozenset({"POST"})  # issue and renew; listing and revoking are not limited by it

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation has no real user
            return ApiToken.objects.none()
        user: Any = self.request.user
        return api_tokens.active_tokens(user)

    @extend_schema(request=NewTokenSerializer, responses={201: IssuedTokenSerializer})
    def create(self, request: Request) -> Response:
        data = NewTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user: Any = request.user
        issued = api_tokens.issue_token(user, data.validated_data.get("name", ""))
        return Response(_issued(issued), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: IssuedTokenSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request: Request, pk: str) -> Response:
        user: Any = request.user
        return Response(_issued(api_tokens.renew_token(user, pk)), status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user: Any = request.user
        api_tokens.revoke_token(user, kwargs["pk"])
        return Response(status=status.HTTP_204_NO_CONTENT)

"""Rate limits: on for anonymous and signed-in API calls, per tenant, tighter for sign-in,
token issue, Open311 POST and gateway callbacks; 429 carries Retry-After; deploy checks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from apps.accounts import checks
from apps.accounts.models import User
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
HIGH = "10000/min"


@pytest.fixture
def rates(settings: Any) -> Iterator[Any]:
    """Set some scopes' rates (the rest stay high) on a clean cache."""

    def apply(**scoped: str) -> None:
        current = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **scoped},
        }

    cache.clear()
    yield apply
    cache.clear()


def _assert_429(response: Any) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1


def test_anonymous_api_calls_are_limited_per_tenant(rates: Any, tenant_a: Tenant, tenant_b: Tenant) -> None:
    rates(anon="2/min")
    a, b = client_for(tenant_a), client_for(tenant_b)
    for _ in range(2):
        assert a.get("/api/v1/reports/categories/").status_code == 200
    blocked = a.get("/api/v1/reports/categories/")
    _assert_429(blocked)
    assert blocked.json()["error"]["code"] == "throttled"
    # same address, another kelurahan: its own counter
    assert b.get("/api/v1/reports/categories/").status_code == 200
    # a forged X-Forwarded-For does not make a new client (no trusted proxy configured)
    _assert_429(a.get("/api/v1/reports/categories/", HTTP_X_FORWARDED_FOR="10.9.8.7"))


def test_signed_in_calls_are_limited_per_user_and_tenant(rates: Any, tenant_a: Tenant, tenant_b: Tenant) -> None:
    rates(user="2/min")
    clients = []
    for tenant in (tenant_a, tenant_b):
        client = client_for(tenant)
        with tenant:  # the same user id in both schemas
            client.force_login(User.objects.create(pk=424242, username="kembar"))
        clients.append(client)
    a, b = clients
    assert [a.get("/api/v1/me/").status_code for _ in range(2)] == [200, 200]
    _assert_429(a.get("/api/v1/me/"))
    assert b.get("/api/v1/me/").status_code == 200


def test_token_issue_has_its_own_tight_scope(rates: Any, tenant_a: Tenant) -> None:
    rates(token="2/min")
    client = client_for(tenant_a)
    body = {"username": "warga-mojorejo", "password": PASSWORD}
    first = client.post("/api/v1/auth/token/", body)
    assert first.status_code == 200
    key = first.json()["token"]
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    # signed in, the user is counted (not the address)
    assert [client.post("/api/v1/tokens/", {"name": "x"}, **auth).status_code for _ in range(2)] == [201, 201]
    _assert_429(client.post("/api/v1/tokens/", {"name": "tiga"}, **auth))
    renew = client.post(f"/api/v1/tokens/{first.json()['id']}/renew/", **auth)
    _assert_429(renew)
    assert renew.json()["error"]["code"] == "throttled"
    # listing is not counted against the issue scope
    assert client.get("/api/v1/tokens/", **auth).status_code == 200
    # the password exchange counts per address
    assert client.post("/api/v1/auth/token/", body).status_code == 200
    _assert_429(client.post("/api/v1/auth/token/", body))


def test_login_form_is_limited_per_address_with_a_429_page(rates: Any, tenant_a: Tenant, tenant_b: Tenant) -> None:
    rates(login="3/min")
    a = client_for(tenant_a)
    for name in ("satu", "dua", "tiga"):  # different usernames: axes alone would not stop this
        assert a.post("/akun/masuk/", {"username": name, "password": "x"}).status_code == 200
    page = a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    _assert_429(page)
    assert "Terlalu banyak permintaan" in page.content.decode()
    assert a.get("/akun/masuk/").status_code == 200  # the form itself still shows
    assert (
        client_for(tenant_b).post("/akun/masuk/", {"username": "warga-pandean", "password": PASSWORD}).status_code
        == 302
    )


def test_open311_posts_are_limited(rates: Any, tenant_a: Tenant) -> None:
    rates(open311="2/min")
    client = client_for(tenant_a)
    for _ in range(2):
        assert client.post("/open311/v2/requests.json", {"service_code": "sampah"}).status_code == 400  # no api_key
    blocked = client.post("/open311/v2/requests.json", {"service_code": "sampah"})
    _assert_429(blocked)
    assert blocked.json()[0]["code"] == 429
    assert client.get("/open311/v2/services.json").status_code == 200  # reads are not in the scope


class _GatewayLike(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_scope = "gateway_notification"

    def post(self, request: Request) -> Response:
        return Response({"ok": True})


def test_a_views_scope_replaces_the_anonymous_rate(rates: Any) -> None:
    rates(anon="1/min", gateway_notification="3/min")
    view = _GatewayLike.as_view()
    factory = APIRequestFactory()
    codes = [view(factory.post("/notify/", {})).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


# --- deploy checks ----------------------------------------------------------------------------


def _ids(messages: list[Any]) -> set[str]:
    return {message.id for message in messages}


def test_deploy_checks_pass_with_the_shipped_settings() -> None:
    assert not _ids(checks.check_throttling()) and not _ids(checks.check_token_ttl())
    assert {"anon", "user", "login", "token", "open311"} <= checks.used_scopes()


def test_deploy_check_errors_when_throttling_is_off(settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        key: value for key, value in settings.REST_FRAMEWORK.items() if key != "DEFAULT_THROTTLE_CLASSES"
    }
    assert _ids(checks.check_throttling()) == {"kotakita.E300"}


def test_deploy_check_errors_when_a_used_scope_has_no_rate(settings: Any) -> None:
    rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    del rates["open311"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    problems = checks.check_throttling()
    assert _ids(problems) == {"kotakita.E301"} and "open311" in problems[0].msg


@pytest.mark.parametrize("ttl", [0, None])
def test_deploy_check_warns_when_tokens_never_expire(settings: Any, ttl: int | None) -> None:
    settings.API_TOKEN_TTL_DAYS = ttl
    assert _ids(checks.check_token_ttl()) == {"kotakita.W300"}

"""Reset and set-password links point at the tenant's configured domain, never at the Host
(or X-Forwarded-Host) that the request named: a forged host must not receive the token."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from apps.accounts.tasks import send_set_password_email
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db
LINK = re.compile(r"(https?://[^/\s]+)/akun/sandi/\S+")


def _links(body: str) -> list[str]:
    return LINK.findall(body)


@pytest.mark.parametrize(
    ("headers", "trust_forwarded_host"),
    [
        ({"HTTP_HOST": "mojorejo.localhost:6666"}, False),
        ({"HTTP_HOST": "mojorejo.localhost", "HTTP_X_FORWARDED_HOST": "penyerang.example:6666"}, False),
        # a proxy that passes the header on picks the tenant, but still not the link's port
        ({"HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_HOST": "mojorejo.localhost:6666"}, True),
    ],
    ids=["other-port", "forged-forwarded-host", "trusted-forwarded-host"],
)
def test_reset_link_uses_the_configured_domain_and_port(
    tenant_a: Tenant, headers: dict[str, str], trust_forwarded_host: bool, settings: Any
) -> None:
    settings.USE_X_FORWARDED_HOST = trust_forwarded_host
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "penyerang.example", "127.0.0.1"]
    response = Client(**headers).post("/akun/lupa-sandi/", {"email": "warga@mojorejo.id"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert _links(mail.outbox[0].body) == ["http://mojorejo.localhost:8000"], mail.outbox[0].body
    assert "6666" not in mail.outbox[0].body and "penyerang" not in mail.outbox[0].body


def test_reset_link_follows_scheme_and_port_settings(tenant_a: Tenant, settings: Any) -> None:
    settings.KOTAKITA_URL_SCHEME = "https"
    settings.KOTAKITA_URL_PORT = ""
    Client(HTTP_HOST="mojorejo.localhost:6666").post("/akun/lupa-sandi/", {"email": "warga@mojorejo.id"})
    assert _links(mail.outbox[0].body) == ["https://mojorejo.localhost"]


def test_set_password_email_uses_the_configured_domain(tenant_a: Tenant) -> None:
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        send_set_password_email(user.pk)
    assert _links(mail.outbox[-1].body) == ["http://mojorejo.localhost:8000"]


def test_activation_link_ignores_the_operators_host(
    operator: User, tenants: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client(HTTP_HOST="localhost:6666", HTTP_X_FORWARDED_HOST="penyerang.example")
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/tenants/",
            {"code": "35.77.01.1007", "admin_email": "lurah@kanigoro.id"},
            content_type="application/json",
        )
    assert response.status_code == 202, response.content
    assert response.json()["url"].startswith("/api/v1/tenant-jobs/")
    job = client.get(response.json()["url"]).json()
    assert job["set_password_url"].startswith("http://kanigoro.localhost:8000/akun/sandi/")

"""Attacks with the published demo credentials when DEBUG is off (as in production): seed_demo
refuses to run, and demo accounts cannot sign in on the web, keep a session, get or use an API
token. With DEBUG on (a developer's `make run`) they all work."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client, override_settings

from apps.accounts.demo_lock import DEMO_PASSWORD, demo_seeding, is_demo_account
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.demo import seed as demo
from apps.tenancy.models import Tenant
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_exits_non_zero_without_debug() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DEBUG": "0"}
    run = subprocess.run(
        [sys.executable, "manage.py", "seed_demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert "seed_demo only runs with DEBUG on" in run.stderr
    assert DEMO_PASSWORD not in run.stdout


def test_seed_demo_refuses_in_process_too() -> None:
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    with pytest.raises(demo.DemoRefused):
        demo.seed()


@pytest.fixture
def demo_people(tenant_a: Tenant) -> dict[str, str]:
    """Demo accounts as seed_demo makes them (DEBUG on), with the integrator's API token."""
    with override_settings(DEBUG=True), demo_seeding(), tenant_a:
        accounts = demo._users(
            tenant_a, [("ketua-rw01", Role.KETUA_RW, "Pak Slamet"), ("bumdes-api", Role.INTEGRATOR, "BUMD")]
        )
        extra = create_user(username="bu-yati", full_name="Bu Yati", password=DEMO_PASSWORD, roles=[Role.PEMILIK_UMKM])
        assert is_demo_account(extra)  # any user an app's demo creates while seeding is marked
    return {a.username: a.token for a in accounts}


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> int:
    return client.post("/akun/masuk/", {"username": username, "password": password}).status_code


def test_demo_accounts_work_with_debug_on(demo_people: dict[str, str], client_a: Client) -> None:
    with override_settings(DEBUG=True):
        assert sign_in(client_a, "ketua-rw01") == 302
        assert client_a.get("/api/v1/me/").status_code == 200
        token = demo_people["bumdes-api"]
        assert client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_demo_accounts_cannot_sign_in_without_debug(demo_people: dict[str, str], client_a: Client) -> None:
    for username in ("ketua-rw01", "bu-yati", "bumdes-api"):
        response = client_a.post("/akun/masuk/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 200 and 'role="alert"' in response.content.decode()
        assert client_a.get("/api/v1/me/").status_code in (401, 403)


def test_a_demo_account_with_a_new_password_is_still_refused(
    demo_people: dict[str, str], client_a: Client, tenant_a: Tenant
) -> None:
    with tenant_a:
        user = User.objects.get(username="ketua-rw01")
        user.set_password("Sandi-Baru-Yang-Kuat-2026!")
        user.save()
    assert sign_in(client_a, "ketua-rw01", "Sandi-Baru-Yang-Kuat-2026!") == 200


def test_the_demo_password_is_refused_for_any_account_without_debug(client_a: Client, tenant_a: Tenant) -> None:
    with tenant_a:
        create_user(username="warga-demo-sandi", full_name="Warga", password=DEMO_PASSWORD, roles=[Role.WARGA])
    assert sign_in(client_a, "warga-demo-sandi") == 200
    with override_settings(DEBUG=True):
        assert sign_in(client_for(tenant_a), "warga-demo-sandi") == 302


def test_an_open_demo_session_ends_when_debug_is_off(demo_people: dict[str, str], client_a: Client) -> None:
    with override_settings(DEBUG=True):
        assert sign_in(client_a, "ketua-rw01") == 302
        assert client_a.get("/api/v1/me/").status_code == 200
    assert client_a.get("/api/v1/me/").status_code in (401, 403)


def test_demo_api_tokens_are_refused_without_debug(demo_people: dict[str, str], client_a: Client) -> None:
    token = demo_people["bumdes-api"]
    assert token
    response = client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 401
    assert response.json()["error"]["message"] == "Akun demo hanya dapat dipakai dalam mode pengembangan."
    # nor can a new token be had with the demo password
    got = client_a.post("/api/v1/auth/token/", {"username": "bumdes-api", "password": DEMO_PASSWORD})
    assert got.status_code == 401 and "token" not in got.json()

"""API tokens: hashed at rest, expiring, renewable, listable and revocable by their owner,
revoked by every path that sets a password, and old DRF keys moved over."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from apps.accounts import api_tokens
from apps.accounts.api_tokens import issue_token
from apps.accounts.legacy_tokens import move_legacy_tokens
from apps.accounts.models import ApiToken, User
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def _bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def _warga(tenant: Tenant) -> User:
    with tenant:
        return User.objects.get(username="warga-mojorejo")


def test_tokens_are_stored_only_as_a_digest(tenant_a: Tenant) -> None:
    with tenant_a:
        issued = issue_token(_warga(tenant_a), "kasir")
        row = ApiToken.objects.values().get(pk=issued.token.pk)
    assert issued.key.startswith(row["prefix"]) and len(row["prefix"]) == 8
    assert row["digest"] == api_tokens.digest(issued.key) and len(row["digest"]) == 64
    secret = issued.key[8:]
    assert not any(secret in str(value) for value in row.values())
    assert row["expires_at"] - row["created_at"] == timedelta(days=30)


def test_header_format_is_unchanged_and_bad_keys_get_401_json(tenant_a: Tenant) -> None:
    with tenant_a:
        key = issue_token(_warga(tenant_a)).key
    client = client_for(tenant_a)
    me = client.get("/api/v1/me/", **_bearer(key))
    assert me.status_code == 200 and me.json()["username"] == "warga-mojorejo"
    for bad in (key[:-1] + ("x" if key[-1] != "x" else "y"), "pendek", f"{key} extra"):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {bad}")
        assert response.status_code == 401, bad
        assert response.json()["error"]["code"] == "authentication_failed"
        assert response["WWW-Authenticate"] == "Token"
    with tenant_a:
        assert ApiToken.objects.get(digest=api_tokens.digest(key)).last_used_at is not None


def test_expired_and_revoked_tokens_are_refused(tenant_a: Tenant) -> None:
    with tenant_a:
        user = _warga(tenant_a)
        expired = issue_token(user)
        ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        revoked = issue_token(user)
        api_tokens.revoke_token(user, revoked.token.pk)
    client = client_for(tenant_a)
    answer = client.get("/api/v1/me/", **_bearer(expired.key))
    assert answer.status_code == 401
    assert "kedaluwarsa" in answer.json()["error"]["message"]
    assert client.get("/api/v1/me/", **_bearer(revoked.key)).status_code == 401


def test_ttl_setting_sets_expiry_and_zero_means_none(tenant_a: Tenant, settings: Any) -> None:
    settings.API_TOKEN_TTL_DAYS = 7
    with tenant_a:
        token = issue_token(_warga(tenant_a)).token
        assert token.expires_at is not None and token.expires_at - token.created_at == timedelta(days=7)
        settings.API_TOKEN_TTL_DAYS = 0
        assert issue_token(_warga(tenant_a)).token.expires_at is None


def test_sign_in_for_a_token_then_list_renew_and_revoke(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    wrong = client.post("/api/v1/auth/token/", {"username": "warga-mojorejo", "password": "salah"})
    assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "authentication_failed"
    empty = client.post("/api/v1/auth/token/", {"username": "warga-mojorejo"})
    assert empty.status_code == 400 and "password" in empty.json()["error"]["details"]
    first = client.post("/api/v1/auth/token/", {"username": "warga-mojorejo", "password": PASSWORD}).json()
    key = first["token"]

    listed = client.get("/api/v1/tokens/", **_bearer(key)).json()["results"]
    assert [t["prefix"] for t in listed] == [key[:8]]
    assert set(listed[0]) == {"id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expired"}
    assert key not in str(listed)

    made = client.post("/api/v1/tokens/", {"name": "aplikasi kasir"}, **_bearer(key))
    assert made.status_code == 201 and made.json()["name"] == "aplikasi kasir"
    second = made.json()["token"]
    too_long = client.post("/api/v1/tokens/", {"name": "x" * 101}, **_bearer(key))
    assert too_long.status_code == 400

    renewed = client.post(f"/api/v1/tokens/{made.json()['id']}/renew/", **_bearer(key))
    assert renewed.status_code == 201 and renewed.json()["name"] == "aplikasi kasir"
    assert client.get("/api/v1/me/", **_bearer(second)).status_code == 401  # rotated out
    assert client.get("/api/v1/me/", **_bearer(renewed.json()["token"])).status_code == 200

    assert client.delete(f"/api/v1/tokens/{first['id']}/", **_bearer(renewed.json()["token"])).status_code == 204
    assert client.get("/api/v1/me/", **_bearer(key)).status_code == 401
    assert client.delete("/api/v1/tokens/abc/", **_bearer(renewed.json()["token"])).status_code == 404


def test_one_cannot_touch_another_users_tokens(tenant_a: Tenant) -> None:
    with tenant_a:
        mine = issue_token(_warga(tenant_a))
        other = issue_token(create_user(username="tetangga", password=PASSWORD))
    client = client_for(tenant_a)
    listed = client.get("/api/v1/tokens/", **_bearer(mine.key)).json()["results"]
    assert [t["id"] for t in listed] == [mine.token.pk]
    assert client.delete(f"/api/v1/tokens/{other.token.pk}/", **_bearer(mine.key)).status_code == 404
    assert client.post(f"/api/v1/tokens/{other.token.pk}/renew/", **_bearer(mine.key)).status_code == 404
    assert client.get("/api/v1/me/", **_bearer(other.key)).status_code == 200


def test_tokens_of_a_are_invisible_and_useless_on_b(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        issued = issue_token(_warga(tenant_a), "rahasia-a")
    with tenant_b:
        assert not ApiToken.objects.filter(name="rahasia-a").exists()
        key_b = issue_token(User.objects.get(username="warga-pandean")).key
    client_b = client_for(tenant_b)
    assert client_b.get("/api/v1/me/", **_bearer(issued.key)).status_code == 401
    assert client_b.delete(f"/api/v1/tokens/{issued.token.pk}/", **_bearer(key_b)).status_code == 404
    with tenant_a:
        assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_platform_host_has_the_token_api(operator: User) -> None:
    client = client_for(None)
    answer = client.post("/api/v1/auth/token/", {"username": "operator", "password": PASSWORD})
    assert answer.status_code == 200
    key = answer.json()["token"]
    assert client.get("/api/v1/tenants/", **_bearer(key)).status_code == 200
    assert client.get("/api/v1/tokens/", **_bearer(key)).json()["count"] == 1


# --- every way a password gets set revokes the tokens --------------------------------------


def _live_key(tenant: Tenant, username: str = "warga-mojorejo") -> str:
    with tenant:
        return issue_token(User.objects.get(username=username)).key


def _works(tenant: Tenant, key: str) -> bool:
    return client_for(tenant).get("/api/v1/me/", **_bearer(key)).status_code == 200


def test_reset_link_revokes_tokens(tenant_a: Tenant) -> None:
    key = _live_key(tenant_a)
    client = client_for(tenant_a)
    client.post("/akun/lupa-sandi/", {"email": "warga@mojorejo.id"})
    path = re.search(r"https?://[^/\s]+(/akun/sandi/\S+)", mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    form = client.get(path, follow=True)
    new = "Baru-Sandi-2027!"
    assert client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}).status_code == 302
    assert not _works(tenant_a, key)


def test_password_forms_revoke_tokens(tenant_a: Tenant) -> None:
    key_change, key_set = _live_key(tenant_a), _live_key(tenant_a)
    new = "Baru-Sandi-2027!"
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        form = PasswordChangeForm(user, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
        assert form.is_valid(), form.errors
        form.save()
    assert not _works(tenant_a, key_change) and not _works(tenant_a, key_set)
    key = _live_key(tenant_a)
    with tenant_a:
        form2 = SetPasswordForm(
            User.objects.get(username="warga-mojorejo"), {"new_password1": PASSWORD, "new_password2": PASSWORD}
        )
        assert form2.is_valid(), form2.errors
        form2.save()
    assert not _works(tenant_a, key)


def test_admin_password_change_and_disable_revoke_tokens(tenant_a: Tenant) -> None:
    admin = client_for(tenant_a)
    admin.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    with tenant_a:
        warga = User.objects.get(username="warga-mojorejo")
    url = f"/admin/accounts/user/{warga.pk}/password/"
    key = _live_key(tenant_a)
    new = "Sandi-Admin-2027!"
    changed = admin.post(url, {"password1": new, "password2": new, "usable_password": "true"})
    assert changed.status_code == 302, changed.content.decode()[:2000]
    assert not _works(tenant_a, key)
    key = _live_key(tenant_a)
    disabled = admin.post(url, {"usable_password": "false", "unset-password": "1"})
    assert disabled.status_code == 302
    assert not _works(tenant_a, key)


def test_changepassword_command_revokes_tokens(tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _live_key(tenant_a)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass", lambda *a, **k: "Xy-Baru-2027!"
    )
    with tenant_a:
        call_command("changepassword", "warga-mojorejo", stdout=None)
    assert not _works(tenant_a, key)


def test_saves_that_keep_the_password_keep_the_tokens(tenant_a: Tenant) -> None:
    key = _live_key(tenant_a)
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        user.full_name = "Nama Baru"
        user.save()
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        nopass = create_user(username="api-saja")  # unusable password from the start
        nokey = issue_token(nopass).key
        nopass.full_name = "API saja"
        nopass.save()
    assert _works(tenant_a, key)
    assert _works(tenant_a, nokey)
    # signing in (which may re-hash the password) keeps the tokens too
    assert (
        client_for(tenant_a).post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD}).status_code
        == 302
    )
    assert _works(tenant_a, key)


# --- the page under /akun/token/ -------------------------------------------------------------


def test_token_page_shows_the_key_once_and_revokes(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    assert client.get("/akun/token/").status_code == 302  # sign in first
    client.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    made = client.post("/akun/token/", {"action": "create", "name": "ponsel"})
    assert made.status_code == 200
    key = re.search(r'data-testid="new-token-key">([^<]+)<', made.content.decode()).group(1)  # type: ignore[union-attr]
    assert _works(tenant_a, key)
    page = client.get("/akun/token/").content.decode()
    assert "ponsel" in page and key[:8] in page and key not in page and "Token API" in page
    with tenant_a:
        token = ApiToken.objects.get(digest=api_tokens.digest(key))
    renewed = client.post("/akun/token/", {"action": "renew", "token": token.pk})
    new_key = re.search(r'data-testid="new-token-key">([^<]+)<', renewed.content.decode()).group(1)  # type: ignore[union-attr]
    assert not _works(tenant_a, key) and _works(tenant_a, new_key)
    with tenant_a:
        new_token = ApiToken.objects.get(digest=api_tokens.digest(new_key))
    assert client.post("/akun/token/", {"action": "revoke", "token": new_token.pk}).status_code == 302
    assert not _works(tenant_a, new_key)
    assert client.post("/akun/token/", {"action": "revoke", "token": new_token.pk}).status_code == 404
    assert client.post("/akun/token/", {"action": "hapus-semua"}).status_code == 400


# --- moving DRF's clear-text keys -----------------------------------------------------------


def test_legacy_clear_text_keys_move_over_and_the_table_goes(tenant_a: Tenant, tenant_b: Tenant) -> None:
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
    with connection.cursor() as cursor:
        for tenant in (tenant_a, tenant_b):
            cursor.execute(
                f'CREATE TABLE "{tenant.schema_name}".authtoken_token '
                "(key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, user_id bigint NOT NULL)"
            )
            cursor.execute(
                f'INSERT INTO "{tenant.schema_name}".django_migrations (app, name, applied) '
                "VALUES ('authtoken', '0001_initial', now())"
            )
        cursor.execute(
            f'INSERT INTO "{tenant_a.schema_name}".authtoken_token VALUES (%s, now(), %s)', [old_key, user.pk]
        )
        assert move_legacy_tokens(connection, tenant_a.schema_name) == 1
        assert move_legacy_tokens(connection, tenant_a.schema_name) == 0  # nothing left: idempotent
        cursor.execute("SELECT table_schema FROM information_schema.tables WHERE table_name = 'authtoken_token'")
        assert [row[0] for row in cursor.fetchall()] == [tenant_b.schema_name]
        cursor.execute(f'SELECT count(*) FROM "{tenant_a.schema_name}".django_migrations WHERE app = %s', ["authtoken"])
        assert cursor.fetchone()[0] == 0  # type: ignore[index]
    me = client_for(tenant_a).get("/api/v1/me/", **_bearer(old_key))
    assert me.status_code == 200 and me.json()["username"] == "warga-mojorejo"
    assert client_for(tenant_b).get("/api/v1/me/", **_bearer(old_key)).status_code == 401
    with tenant_a:
        moved = ApiToken.objects.get(prefix=old_key[:8])
    assert moved.digest == api_tokens.digest(old_key) and moved.expires_at is not None

"""How each tenant reaches OSS and WhatsApp/SMS/Telegram: one public table keyed by schema
(apps.integrations), seen through the tenant apps' proxies `permits.OssConfig` and
`notifications.ChannelConfig`. A tenant's senders and admin pages use and show only its own rows,
and the migrations copy a schema's old rows into the public table."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from apps.accounts.models import User
from apps.core.db import connection
from apps.integrations.models import ServiceConfig
from apps.notifications import channels
from apps.notifications.models import ChannelConfig
from apps.permits import oss
from apps.permits.models import OssConfig
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet, client_for

pytestmark = pytest.mark.django_db


def _admin_client(tenant: Tenant) -> Client:
    client = client_for(tenant)
    with tenant:
        client.force_login(User.objects.get(username="admin"))
    return client


def _whatsapp(token: str, url: str) -> ChannelConfig:
    return ChannelConfig.objects.create(service="whatsapp", mode="http", endpoint_url=url, api_token=token)


def test_a_tenants_senders_use_only_its_own_configs(tenants: TenantSet) -> None:
    with tenants.a:
        _whatsapp("token-a", "https://wa-a.example/api")
        OssConfig.objects.create(mode="http", endpoint_url="https://oss-a.example", api_token="oss-a")
    with tenants.b:
        sender = channels.sender_for("whatsapp")
        assert isinstance(sender, channels.SandboxSender) and sender.config is None  # not A's
        assert isinstance(oss.client(), oss.SandboxOssClient)
        _whatsapp("token-b", "https://wa-b.example/api")
        sender = channels.sender_for("whatsapp")
        assert isinstance(sender, channels.HttpSender) and sender.config.api_token == "token-b"
        assert list(ChannelConfig.objects.values_list("api_token", flat=True)) == ["token-b"]
    with tenants.a:
        sender = channels.sender_for("whatsapp")
        assert isinstance(sender, channels.HttpSender) and sender.config.api_token == "token-a"
        client = oss.client()
        assert isinstance(client, oss.HttpOssClient) and client.token == "oss-a"
        # Each proxy sees its own service(s) only, in the same schema.
        assert list(OssConfig.objects.values_list("service", flat=True)) == ["oss"]
        assert list(ChannelConfig.objects.values_list("service", flat=True)) == ["whatsapp"]
        assert ServiceConfig.objects.count() == 2
    assert set(ServiceConfig.all_schemas.values_list("schema_name", flat=True)) == {
        tenants.a.schema_name,
        tenants.b.schema_name,
    }


def test_the_tenant_admin_lists_and_writes_only_its_own_rows(tenants: TenantSet) -> None:
    with tenants.b:
        _whatsapp("token-b", "https://wa-b.example/api")
    client = _admin_client(tenants.a)
    page = client.get("/admin/notifications/channelconfig/")
    assert page.status_code == 200 and "wa-b.example" not in page.content.decode()
    form = {"service": "sms", "mode": "http", "endpoint_url": "https://sms-a.example/api", "api_token": "t"}
    assert client.post("/admin/notifications/channelconfig/add/", form).status_code == 302
    page = client.get("/admin/notifications/channelconfig/")
    assert "sms-a.example" in page.content.decode() and "wa-b.example" not in page.content.decode()
    with tenants.a:
        added = ChannelConfig.objects.get()
        assert (added.schema_name, added.service) == (tenants.a.schema_name, "sms")
        assert added.endpoint_url == form["endpoint_url"]
        # Not B's row, by id either.
        other = ChannelConfig.all_schemas.get(schema_name=tenants.b.schema_name)
    assert client.get(f"/admin/notifications/channelconfig/{other.pk}/change/").status_code == 302  # "does not exist"
    # A second SMS config of this tenant is a form error, not a 500; OSS is not a channel.
    again = client.post("/admin/notifications/channelconfig/add/", form)
    assert again.status_code == 200 and again.context["adminform"].form.errors
    oss_form = form | {"service": "oss"}
    refused = client.post("/admin/notifications/channelconfig/add/", oss_form)
    assert refused.status_code == 200 and "service" in refused.context["adminform"].form.errors
    with tenants.a:
        assert ChannelConfig.objects.count() == 1 and not OssConfig.objects.exists()


def test_the_oss_admin_writes_the_tenants_oss_row(tenants: TenantSet) -> None:
    with tenants.b:
        OssConfig.objects.create(mode="http", endpoint_url="https://oss-b.example")
    client = _admin_client(tenants.a)
    page = client.get("/admin/permits/ossconfig/")
    assert page.status_code == 200 and "oss-b.example" not in page.content.decode()
    form = {"mode": "http", "endpoint_url": "https://oss-a.example", "api_token": "", "timeout_seconds": "5"}
    assert client.post("/admin/permits/ossconfig/add/", form).status_code == 302
    with tenants.a:
        saved = OssConfig.objects.get()
        assert (saved.schema_name, saved.service, saved.timeout_seconds) == (tenants.a.schema_name, "oss", 5.0)
    with tenants.b:
        assert OssConfig.objects.get().endpoint_url == "https://oss-b.example"


def _run_copy(module: str, create: str, insert: str, values: list[Any]) -> list[tuple[Any, ...]]:
    migration = importlib.import_module(module)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(create)  # a temporary table comes first on the search path
        cursor.execute(insert, values)
        migration.copy_configs(cursor, "uji_salin")
        copied = list(
            ServiceConfig.all_schemas.filter(schema_name="uji_salin")
            .order_by("service")
            .values_list(
                "service",
                "mode",
                "endpoint_url",
                "api_token",
                "sender",
                "timeout_seconds",
                "simulate_failure",
                "app_secret",
                "verify_token",
            )
        )
        transaction.set_rollback(True)
    return copied


def test_the_migration_copies_the_old_channel_configs() -> None:
    copied = _run_copy(
        "apps.notifications.migrations.0008_channel_configs_to_public",
        "CREATE TEMP TABLE notifications_channelconfig (id bigint PRIMARY KEY, channel varchar(16) NOT NULL,"
        " mode varchar(16) NOT NULL, endpoint_url varchar(200) NOT NULL, api_token varchar(255) NOT NULL,"
        " sender varchar(64) NOT NULL, simulate_outage boolean NOT NULL, app_secret varchar(128) NOT NULL,"
        " verify_token varchar(128) NOT NULL) ON COMMIT DROP",
        "INSERT INTO notifications_channelconfig VALUES"
        " (7, 'whatsapp', 'http', 'https://wa.example', 'tok', 'KotaKita', false, 'secret', 'vt'),"
        " (8, 'sms', 'sandbox', '', '', '', true, '', '')",
        [],
    )
    assert copied == [
        ("sms", "sandbox", "", "", "", 10.0, True, "", ""),
        ("whatsapp", "http", "https://wa.example", "tok", "KotaKita", 10.0, False, "secret", "vt"),
    ]


def test_the_migration_copies_the_first_old_oss_config() -> None:
    copied = _run_copy(
        "apps.permits.migrations.0011_oss_config_to_public",
        "CREATE TEMP TABLE permits_ossconfig (id bigint PRIMARY KEY, mode varchar(16) NOT NULL,"
        " base_url varchar(200) NOT NULL, api_token varchar(255) NOT NULL, timeout_seconds double precision"
        " NOT NULL, simulate_timeout boolean NOT NULL) ON COMMIT DROP",
        "INSERT INTO permits_ossconfig VALUES"
        " (3, 'sandbox', '', '', 2.5, true), (2, 'http', 'https://oss.example', 'o', 4, false)",
        [],
    )
    # The code read the first row by id; a second one could never be used.
    assert copied == [("oss", "http", "https://oss.example", "o", "", 4.0, False, "", "")]


def test_no_tenant_schema_keeps_the_old_tables(tenants: TenantSet) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('permits_ossconfig', 'notifications_channelconfig')"
        )
        assert cursor.fetchone()[0] == 0

"""The transactional outbox: written with the change, delivered once, retried with backoff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.core import phones
from apps.notifications import services
from apps.notifications.channels import DeliveryError, validate_address
from apps.notifications.models import Channel, ChannelConfig, ChannelPreference, Message
from apps.notifications.tasks import deliver_due
from apps.sandbox.models import SandboxDelivery
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def warga(tenant_a: Tenant) -> User:
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        user.phone = "0812-3456-7890"
        user.save()
        ChannelPreference.objects.create(user=user, email=True, whatsapp=True)
    return user


def test_messages_commit_and_roll_back_with_the_change(tenant_a: Tenant, warga: User) -> None:
    with tenant_a:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.notify([warga], event="permits.approved", title="Izin disetujui", body="...", key="permit-1")
            raise RuntimeError("the permit change failed")
        assert not Message.objects.filter(key="permit-1").exists()


def test_notify_fans_out_to_chosen_channels_and_delivers_after_commit(
    tenant_a: Tenant, warga: User, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        with django_capture_on_commit_callbacks(execute=True):
            created = services.notify(
                [warga],
                event="reports.status",
                title="Laporan diproses",
                body="Sedang dikerjakan",
                key="rep-9",
                url="/laporan/9/",
            )
        assert {m.channel for m in created} == {"in_app", "email", "whatsapp"}
        statuses = dict(Message.objects.filter(key="rep-9").values_list("channel", "status"))
        assert statuses == {"in_app": "sent", "email": "sent", "whatsapp": "sent"}
        assert mail.outbox[0].to == ["warga@mojorejo.id"] and "/laporan/9/" in mail.outbox[0].body
        wa = SandboxDelivery.objects.get(channel="whatsapp")
        assert wa.address == "+6281234567890" and wa.title == "Laporan diproses"


def test_same_key_is_stored_and_sent_once(
    tenant_a: Tenant, warga: User, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                services.notify([warga, warga], event="e", title="t", body="b", key="same")
        assert Message.objects.filter(key="same").count() == 3  # one per channel
        assert SandboxDelivery.objects.filter(channel="whatsapp").count() == 1
        assert len(mail.outbox) == 1


def test_temporary_failures_back_off_then_succeed(tenant_a: Tenant, warga: User) -> None:
    with tenant_a:
        ChannelConfig.objects.create(service="whatsapp", simulate_failure=True)
        services.notify([warga], event="e", title="t", body="b", key="outage")
        wa = Message.objects.get(key="outage", channel="whatsapp")
        first = services.deliver(wa.pk)
        assert first is not None and first.status == "pending" and first.attempts == 1
        assert "unavailable" in first.last_error
        assert first.next_attempt_at is not None
        delay = first.next_attempt_at - timezone.now()
        assert timedelta(seconds=20) < delay <= timedelta(seconds=30)
        # not due yet: a second delivery attempt does nothing
        assert services.deliver(wa.pk).attempts == 1  # type: ignore[union-attr]
        # still failing when due: the delay doubles
        Message.objects.filter(pk=wa.pk).update(next_attempt_at=timezone.now())
        second = services.deliver(wa.pk)
        assert second is not None and second.attempts == 2
        assert timedelta(seconds=50) < second.next_attempt_at - timezone.now() <= timedelta(seconds=60)  # type: ignore[operator]
        # the provider recovers; the sweeper sends what is due
        ChannelConfig.objects.filter(service="whatsapp").update(simulate_failure=False)
        Message.objects.filter(pk=wa.pk).update(next_attempt_at=timezone.now())
        assert deliver_due() >= 1
        wa.refresh_from_db()
        assert wa.status == "sent" and wa.attempts == 3 and wa.last_error == ""
        assert SandboxDelivery.objects.filter(idempotency_key=str(wa.uuid)).count() == 1


def test_gives_up_after_the_last_attempt(tenant_a: Tenant, warga: User) -> None:
    with tenant_a:
        ChannelConfig.objects.create(service="whatsapp", simulate_failure=True)
        services.notify([warga], event="e", title="t", body="b", key="never")
        wa = Message.objects.get(key="never", channel="whatsapp")
        for _ in range(services.MAX_ATTEMPTS):
            Message.objects.filter(pk=wa.pk).update(next_attempt_at=None)
            services.deliver(wa.pk)
        wa.refresh_from_db()
        assert wa.status == "failed" and wa.attempts == services.MAX_ATTEMPTS


def test_permanent_failures_are_not_retried(tenant_a: Tenant) -> None:
    with tenant_a:
        user = User.objects.create(username="nomor-salah", phone="12345")
        ChannelPreference.objects.create(user=user, email=False, whatsapp=True)
        services.notify([user], event="e", title="t", body="b", key="bad-number")
        wa = Message.objects.get(key="bad-number", channel="whatsapp")
        delivered = services.deliver(wa.pk)
        assert delivered is not None and delivered.status == "failed" and "invalid phone" in delivered.last_error


def test_a_crash_after_sending_does_not_send_twice(tenant_a: Tenant, warga: User) -> None:
    """The provider saw the message but our commit was lost: the retry carries the same
    idempotency key and the provider (sandbox) answers with the first delivery."""
    with tenant_a:
        services.notify([warga], event="e", title="t", body="b", key="crash")
        wa = Message.objects.get(key="crash", channel="whatsapp")
        with mock.patch.object(Message, "save", side_effect=RuntimeError("worker killed")), pytest.raises(RuntimeError):
            services.deliver(wa.pk)
        # Our rollback also undid the sandbox's own record; a real provider would have kept
        # it, so put it back as the provider saw it.
        SandboxDelivery.objects.create(
            channel="whatsapp", address=wa.address, title="t", body="b", idempotency_key=str(wa.uuid)
        )
        services.deliver(wa.pk)
        assert SandboxDelivery.objects.filter(idempotency_key=str(wa.uuid)).count() == 1
        wa.refresh_from_db()
        assert wa.status == "sent"


def test_http_adapter_classifies_provider_errors(tenant_a: Tenant) -> None:
    import urllib.error

    from apps.notifications.channels import HttpSender, Outgoing

    with tenant_a:
        config = ChannelConfig(service="sms", mode="http", endpoint_url="https://sms.example/api", api_token="t")
        sender = HttpSender("sms", config)
        outgoing = Outgoing("+6281234567890", "t", "b", "", "k-1")
        for code, temporary in ((503, True), (429, True), (400, False), (401, False)):
            error = urllib.error.HTTPError("https://sms.example/api", code, "x", {}, None)  # type: ignore[arg-type]
            with mock.patch("urllib.request.urlopen", side_effect=error), pytest.raises(DeliveryError) as info:
                sender.send(outgoing)
            assert info.value.temporary is temporary
        with (
            mock.patch("urllib.request.urlopen", side_effect=urllib.error.URLError("timed out")),
            pytest.raises(DeliveryError) as info,
        ):
            sender.send(outgoing)
        assert info.value.temporary
        response = mock.MagicMock()
        response.__enter__.return_value.read.return_value = b'{"id": "prov-77"}'
        with mock.patch("urllib.request.urlopen", return_value=response) as call:
            assert sender.send(outgoing) == "prov-77"
        request = call.call_args.args[0]
        assert request.get_header("Idempotency-key") == "k-1"
        assert request.get_header("Authorization") == "Bearer t"


@pytest.mark.parametrize(("raw", "e164"), [("0812-3456-7890", "+6281234567890"), ("6281234567890", "+6281234567890")])
def test_normalize_phone(raw: str, e164: str) -> None:
    assert phones.to_e164(raw) == e164


@pytest.mark.parametrize("address", ["081234567890", "+62211234567", "+62812", "12345", ""])
def test_whatsapp_needs_an_e164_mobile_number(address: str) -> None:
    validate_address(Channel.WHATSAPP, "+6281234567890")
    with pytest.raises(DeliveryError):
        validate_address(Channel.WHATSAPP, address)


def test_inbox_page_and_api_show_only_my_notifications(client_a: Client, tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        me = User.objects.get(username="warga-mojorejo")
        other = User.objects.get(username="admin")
        services.notify([me], event="e", title="Untuk saya", body="b", key="k1")
        services.notify([other], event="e", title="Untuk admin", body="b", key="k2")
    client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    page = client_a.get("/notifikasi/").content.decode()
    assert "Untuk saya" in page and "Untuk admin" not in page
    api = client_a.get("/api/v1/notifications/").json()
    assert [n["title"] for n in api["results"]] == ["Untuk saya"]
    assert client_a.post("/api/v1/notifications/mark-read/", {}, content_type="application/json").json() == {
        "marked": 1
    }
    with tenant_b:
        assert not Message.objects.filter(title="Untuk saya").exists()


def test_preferences_need_a_reachable_address(client_a: Client, tenant_a: Tenant) -> None:
    client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    response = client_a.post("/notifikasi/pengaturan/", {"email": "on", "whatsapp": "on"})
    assert response.status_code == 422 and "nomor HP" in response.content.decode()
    ok = client_a.post("/notifikasi/pengaturan/", {"email": "on", "telegram": "on", "telegram_chat_id": "123456789"})
    assert ok.status_code == 302
    with tenant_a:
        preference = ChannelPreference.objects.get(user__username="warga-mojorejo")
        assert preference.channels() == [Channel.IN_APP, "email", "telegram"]

"""WhatsApp ordering: the Cloud API webhook (handshake, signature, replays) and the
conversation it drives, ending in a job for the user matched by phone number (or a guest)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from apps.idempotency.models import IdempotencyRecord
from apps.notifications.models import Channel, ChannelConfig, Message
from apps.tenancy.models import Tenant
from apps.tukang import whatsapp
from apps.tukang.models import Conversation, Job
from tests.conftest import client_for
from tests.tukang.conftest import People

pytestmark = pytest.mark.django_db
URL = "/api/v1/tukang/whatsapp/"
JOKO = "6281234560001"
STRANGER = "6281299990000"


def payload(sender: str, message_id: str, text: str = "", reply_id: str = "") -> dict[str, Any]:
    message: dict[str, Any] = {"from": sender, "id": message_id, "timestamp": "1700000000"}
    if reply_id:
        message |= {
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": reply_id, "title": text}},
        }
    else:
        message |= {"type": "text", "text": {"body": text}}
    value = {
        "messaging_product": "whatsapp",
        "contacts": [{"wa_id": sender, "profile": {"name": "X"}}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks: Any) -> None:
    """The webhook's work runs after commit; inside a test's transaction, run it at the end
    of each request (as a real commit would), tasks eagerly."""
    global CAPTURE
    CAPTURE = django_capture_on_commit_callbacks


CAPTURE: Any = None


def post(client: Client, body: dict[str, Any], secret: str | None = None) -> Any:
    raw = json.dumps(body).encode()
    signature = whatsapp.sign(raw, secret if secret is not None else whatsapp.sandbox_secret())
    with CAPTURE(execute=True):
        return client.post(URL, raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


def replies(phone: str) -> list[str]:
    return list(
        Message.objects.filter(channel=Channel.WHATSAPP, address=f"+{phone}", event="tukang.whatsapp")
        .order_by("id")
        .values_list("body", flat=True)
    )


def test_subscription_handshake(in_a: Tenant, client_a: Client) -> None:
    ok = client_a.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "kotakita-sandbox", "hub.challenge": "1158201444"}
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client_a.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "salah", "hub.challenge": "1"})
    assert bad.status_code == 403


def test_forged_or_missing_signature_is_refused_and_writes_nothing(people: People, client_a: Client) -> None:
    body = payload(JOKO, "wamid.forged", "halo")
    assert post(client_a, body, secret="not-the-secret").status_code == 403
    raw = json.dumps(body).encode()
    assert client_a.post(URL, raw, content_type="application/json").status_code == 403
    assert not IdempotencyRecord.objects.filter(owner="whatsapp").exists()
    assert not Conversation.objects.exists() and not replies(JOKO)


def test_real_mode_uses_the_tenant_app_secret(people: People, client_a: Client) -> None:
    ChannelConfig.objects.create(
        service=Channel.WHATSAPP, mode=ChannelConfig.Mode.HTTP, app_secret="meta-secret", verify_token="vt"
    )
    body = payload(JOKO, "wamid.real.1", "halo")
    assert post(client_a, body).status_code == 403  # the sandbox secret no longer counts
    assert post(client_a, body, secret="meta-secret").status_code == 200
    ok = client_a.get(URL, {"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"})
    assert ok.content == b"42"


def test_replay_is_answered_but_has_no_second_effect(people: People, client_a: Client) -> None:
    body = payload(JOKO, "wamid.replay.1", "halo")
    first = post(client_a, body)
    assert first.status_code == 200 and first.json()["received"] == 1
    again = post(client_a, body)
    assert again.status_code == 200 and again.json()["received"] == 0
    assert len(replies(JOKO)) == 1
    conversation = Conversation.objects.get(phone=f"+{JOKO}")
    assert conversation.state == "skill" and len(conversation.transcript) == 2
    # the task itself is repeatable too (a redelivered Celery task)
    whatsapp.handle_message({"id": "wamid.replay.1", "from": JOKO, "text": "halo", "reply_id": "", "name": ""})
    assert len(replies(JOKO)) == 1


def test_known_number_books_a_tukang(people: People, client_a: Client) -> None:
    steps = [("halo", ""), ("Listrik", "skill:listrik"), ("", ""), ("Stopkontak dapur korslet", ""), ("1", "")]
    for n, (text, reply_id) in enumerate(steps):
        if n == 2:  # pick Mas Wawan from the list by its row id
            reply_id, text = f"tukang:{people.wawan.pk}", "Mas Wawan"
        assert post(client_a, payload(JOKO, f"wamid.k.{n}", text, reply_id)).status_code == 200
    job = Job.objects.get(requester=people.warga)
    assert (job.tukang_id, job.skill, job.source) == (people.wawan.pk, "listrik", Job.Source.WHATSAPP)
    assert job.description == "Stopkontak dapur korslet"
    said = replies(JOKO)
    assert "Halo Joko" in said[0] and "Mas Wawan" in said[1] and f"Permintaan #{job.pk} terkirim" in said[-1]
    assert Message.objects.filter(recipient=people.wawan.user, event="tukang.job_requested").exists()
    assert Conversation.objects.get(phone=f"+{JOKO}").state == "idle"


def test_unknown_number_makes_a_guest_request(people: People, client_a: Client) -> None:
    for n, text in enumerate(["halo", "2", "1", "Lampu teras mati total", "1"]):
        post(client_a, payload(STRANGER, f"wamid.g.{n}", text))
    said = replies(STRANGER)
    assert any("belum terdaftar" in s for s in said)
    job = Job.objects.get(contact_phone=f"+{STRANGER}")
    assert job.requester is None and job.source == Job.Source.WHATSAPP
    # the guest hears of the quote on WhatsApp
    from apps.tukang import services

    tukang = job.tukang
    assert tukang is not None
    services.submit_quote(job, actor=tukang.user, amount=60_000)
    assert Message.objects.filter(address=f"+{STRANGER}", event="tukang.quoted", channel=Channel.WHATSAPP).exists()


def test_sandbox_page_plays_whatsapp(people: People, tenant_a: Tenant) -> None:
    admin = client_for(tenant_a)
    admin.force_login(people.admin)
    page = admin.get("/tukang/whatsapp-sandbox/")
    assert page.status_code == 200
    with CAPTURE(execute=True):
        sent = admin.post("/tukang/whatsapp-sandbox/", {"phone": "0812-3456-0001", "text": "halo"})
    assert sent.status_code == 302
    chat = admin.get("/tukang/whatsapp-sandbox/?phone=081234560001", HTTP_HX_REQUEST="true")
    assert "Cari tukang apa?" in chat.content.decode()
    warga = client_for(tenant_a)
    warga.force_login(people.warga)
    assert warga.get("/tukang/whatsapp-sandbox/").status_code == 404  # not DEBUG, not staff
    ChannelConfig.objects.create(service=Channel.WHATSAPP, mode=ChannelConfig.Mode.HTTP, app_secret="s")
    assert admin.get("/tukang/whatsapp-sandbox/").status_code == 404  # the real WhatsApp is configured


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"36755",
        b'"x"',
        b"{",
        b'{"entry": 5}',
        b'{"entry": [{"changes": [5]}]}',
        b'{"entry": [{"changes": [{"value": {"contacts": [{"wa_id": []}], "messages": [{"id": "m", "from": {}}]}}]}]}',
    ],
)
def test_any_body_is_answered_without_a_server_error(people: People, client_a: Client, raw: bytes) -> None:
    """Unsigned junk is refused as forged; signed junk that is not a notification is a 4xx or
    an empty 200 (schemathesis found 500s for a JSON array and a number)."""
    assert client_a.post(URL, raw, content_type="application/json").status_code == 403
    signed = client_a.post(
        URL,
        raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=whatsapp.sign(raw, whatsapp.sandbox_secret()),
    )
    assert signed.status_code in (200, 400, 422), signed.content
    if signed.status_code == 200:
        assert signed.json()["received"] == 0


def test_a_message_whose_task_was_lost_is_requeued_by_the_repair(people: People, client_a: Client) -> None:
    """The broker was down: the webhook recorded the message (202, its body kept) but its turn
    never ran. The hourly repair queues it again once it is older than the threshold; after its
    turn it is 200 and the repair leaves it alone."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.jobs.tasks import repair_tenant

    raw = json.dumps(payload(JOKO, "wamid.lost.1", "halo")).encode()
    response = client_a.post(  # no on-commit capture: the task is never run, as with the broker down
        URL,
        raw,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=whatsapp.sign(raw, whatsapp.sandbox_secret()),
    )
    assert response.status_code == 200 and response.json()["received"] == 1
    record = IdempotencyRecord.objects.get(owner="whatsapp", key="wamid.lost.1")
    assert record.status_code == whatsapp.RECORD_PENDING and not replies(JOKO)
    assert whatsapp.repair_lost_messages() == 0  # too young: its task may still be on its way
    IdempotencyRecord.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    assert repair_tenant()["whatsapp_requeued"] == 1  # eager in tests: the turn runs now
    assert len(replies(JOKO)) == 1
    assert IdempotencyRecord.objects.get(pk=record.pk).status_code == whatsapp.RECORD_DONE
    assert whatsapp.repair_lost_messages() == 0
    assert Conversation.objects.get(phone=f"+{JOKO}").state == "skill"


def test_choices_go_out_as_interactive_messages_and_the_sandbox_taps_them(people: People, tenant_a: Tenant) -> None:
    """The bot's list and buttons are queued in the outbox as Cloud API interactive messages
    (text fallback in the body); the sandbox page renders them as buttons, and tapping one
    sends an `interactive` reply through the signed webhook."""
    admin = client_for(tenant_a)
    admin.force_login(people.admin)
    with CAPTURE(execute=True):
        admin.post("/tukang/whatsapp-sandbox/", {"phone": "081234560001", "text": "halo"})
    menu = Message.objects.get(address=f"+{JOKO}", event="tukang.whatsapp")
    assert menu.payload is not None and menu.payload["type"] == "interactive" and menu.payload["to"] == JOKO
    assert menu.payload["interactive"]["type"] == "list" and "1. " in menu.body  # the fallback
    chat = admin.get("/tukang/whatsapp-sandbox/?phone=081234560001", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="wa-interactive-list"' in chat and 'value="skill:listrik"' in chat
    with CAPTURE(execute=True):  # tap "Listrik", then Mas Wawan, describe, tap "Ya, kirim"
        admin.post(
            "/tukang/whatsapp-sandbox/",
            {"phone": "081234560001", "text": "Listrik", "reply_id": "skill:listrik"},
            HTTP_HX_REQUEST="true",
        )
    with CAPTURE(execute=True):
        admin.post(
            "/tukang/whatsapp-sandbox/",
            {"phone": "081234560001", "text": "Mas Wawan", "reply_id": f"tukang:{people.wawan.pk}"},
        )
    with CAPTURE(execute=True):
        admin.post("/tukang/whatsapp-sandbox/", {"phone": "081234560001", "text": "Stopkontak dapur korslet"})
    chat = admin.get("/tukang/whatsapp-sandbox/?phone=081234560001", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="wa-interactive-button"' in chat and 'value="confirm:yes"' in chat
    confirm = Message.objects.filter(address=f"+{JOKO}", event="tukang.whatsapp").order_by("-id").first()
    assert confirm is not None and confirm.payload is not None
    assert confirm.payload["interactive"]["type"] == "button"
    with CAPTURE(execute=True):
        admin.post(
            "/tukang/whatsapp-sandbox/", {"phone": "081234560001", "text": "Ya, kirim", "reply_id": "confirm:yes"}
        )
    job = Job.objects.get(requester=people.warga)
    assert job.tukang_id == people.wawan.pk and job.source == Job.Source.WHATSAPP
    # the sandbox adapter recorded what would go out, interactive part included
    from apps.notifications.services import deliver
    from apps.sandbox.models import SandboxDelivery

    deliver(menu.pk)
    assert SandboxDelivery.objects.get(idempotency_key=str(menu.uuid)).payload == menu.payload

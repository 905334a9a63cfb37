"""WhatsApp ordering (Cloud API webhook format) for GoTukang.

The webhook (api/views.py) only verifies and records: `receive_webhook` checks the
`X-Hub-Signature-256` HMAC-SHA256 of the raw body with the tenant's app secret (forged → 403,
nothing written), records each message id once (an IdempotencyRecord of the current schema, owner "whatsapp",
apps.idempotency: a redelivery is answered 200 and does nothing) and queues one task per message after commit, so
Meta gets its 200 at once. `handle_message` (the task) runs one turn of the pure engine
(apps.tukang.bot) under the conversation's row lock and sends the replies through the
notifications outbox (notify_contact → the WhatsApp adapter of apps.notifications).

Secrets per tenant live in notifications' ChannelConfig (service "whatsapp"): in HTTP mode its
`app_secret`/`verify_token`; otherwise (sandbox) a secret derived from SECRET_KEY and the
schema, the one the local sandbox page signs with, so the real verification path always runs.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import phones
from apps.core.db import connection
from apps.core.errors import DomainError, Forbidden, ValidationFailed
from apps.core.money import rupiah
from apps.idempotency.models import IdempotencyRecord
from apps.notifications.models import Channel, ChannelConfig
from apps.notifications.services import notify_contact

from . import bot, selectors, services
from .models import Conversation, Job, Skill, Tukang

SIGNATURE_HEADER = "X-Hub-Signature-256"
RECORD_OWNER = "whatsapp"
TRANSCRIPT_KEEP = 40
# A recorded message is 202 (with the message as its body) until its turn ran, then 200: the
# hourly repair (`repair_lost_messages`, apps.jobs) re-queues the 202s older than this, whose
# task was lost (broker down when the webhook committed, or a worker died mid-task).
RECORD_PENDING, RECORD_DONE = 202, 200
LOST_AFTER_MINUTES = 10
REPAIR_BATCH = 200


class ForgedWebhook(Forbidden):
    pass


def _config() -> ChannelConfig | None:
    return ChannelConfig.objects.filter(service=Channel.WHATSAPP).first()


def sandbox_mode() -> bool:
    config = _config()
    return config is None or config.mode != ChannelConfig.Mode.HTTP


def sandbox_secret() -> str:
    schema = str(getattr(connection, "schema_name", ""))
    return hmac.new(settings.SECRET_KEY.encode(), f"tukang-whatsapp-sandbox:{schema}".encode(), "sha256").hexdigest()


def app_secret() -> str:
    config = _config()
    if config is not None and config.mode == ChannelConfig.Mode.HTTP:
        return config.app_secret  # "" (not configured) refuses everything
    return sandbox_secret()


def verify_token() -> str:
    config = _config()
    if config is not None and config.mode == ChannelConfig.Mode.HTTP:
        return config.verify_token
    return "kotakita-sandbox"


def sign(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def verify_subscription(mode: str, token: str, challenge: str) -> str:
    """Meta's GET handshake: echo the challenge when the verify token matches."""
    expected = verify_token()
    if mode != "subscribe" or not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Forbidden(_("Token verifikasi webhook salah."), code="bad_verify_token")
    return challenge


def check_signature(raw: bytes, header: str) -> None:
    secret = app_secret()
    if not secret or not header or not hmac.compare_digest(sign(raw, secret).encode(), header.strip().encode()):
        raise ForgedWebhook(_("Tanda tangan webhook tidak sah."), code="bad_signature")


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (anything else in a notification is ignored, never a 500)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_messages(payload: Any) -> list[dict[str, str]]:
    """The messages of a Cloud API `whatsapp_business_account` notification, flattened to
    {id, from, text, reply_id, name}; statuses and unsupported types are skipped."""
    found: list[dict[str, str]] = []
    for entry in _dicts(_dict(payload).get("entry")):
        for change in _dicts(entry.get("changes")):
            value = _dict(change.get("value"))
            names = {
                str(c.get("wa_id", "")): _dict(c.get("profile")).get("name", "") for c in _dicts(value.get("contacts"))
            }
            for message in _dicts(value.get("messages")):
                ids = message.get("id"), message.get("from")
                if not all(isinstance(part, str) and part for part in ids):  # Meta sends both as strings
                    continue
                text, reply_id = "", ""
                if message.get("type") == "text":
                    text = str(_dict(message.get("text")).get("body", ""))
                elif message.get("type") == "interactive":
                    interactive = _dict(message.get("interactive"))
                    reply = _dict(interactive.get("button_reply") or interactive.get("list_reply"))
                    reply_id, text = str(reply.get("id", "")), str(reply.get("title", ""))
                elif message.get("type") == "button":  # a template's quick-reply button
                    button = _dict(message.get("button"))
                    reply_id, text = str(button.get("payload", "")), str(button.get("text", ""))
                else:
                    text = ""  # media, location, ...: the engine answers with its help
                found.append(
                    {
                        "id": str(message["id"])[:200],
                        "from": str(message["from"])[:20],
                        "text": text[:2000],
                        "reply_id": reply_id[:200],
                        "name": str(names.get(message["from"], ""))[:100],
                    }
                )
    return found


@transaction.atomic
def receive_webhook(raw: bytes, signature: str) -> int:
    """Verify, record each new message id, queue its turn after commit. Returns how many new."""
    check_signature(raw, signature)
    try:
        payload = json.loads(raw or b"{}")
    except ValueError:
        raise ValidationFailed(_("Isi webhook bukan JSON."), code="invalid_json") from None
    from apps.core.tasks import enqueue_on_commit

    from .tasks import handle_whatsapp_message

    new = 0
    for message in parse_messages(payload):
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.create(
                    owner=RECORD_OWNER,
                    key=message["id"],
                    scope="tukang.whatsapp",
                    fingerprint=hashlib.sha256(json.dumps(message, sort_keys=True).encode()).hexdigest(),
                    status_code=RECORD_PENDING,
                    body=json.dumps(message, sort_keys=True),  # what the repair re-queues if the task is lost
                )
        except IntegrityError:
            continue  # Meta redelivers until it sees a 200: this one was taken already
        enqueue_on_commit(handle_whatsapp_message, message)
        new += 1
    return new


def user_by_phone(phone: str) -> User | None:
    """The account whose stored number (as typed: 0812..., 62812..., +62812...) is this one."""
    e164 = phones.to_e164(phone)
    if not e164:
        return None
    national = "0" + e164[3:]
    forms = {e164, e164[1:], national, f"{national[:4]}-{national[4:8]}-{national[8:]}"}
    for user in User.objects.filter(is_active=True, phone__in=forms).order_by("pk")[:2]:
        return user
    return None


class _Directory:
    def find(self, skill: str) -> list[bot.TukangOption]:
        units = dict(Tukang._meta.get_field("rate_unit").choices or [])
        return [
            bot.TukangOption(
                id=t.pk,
                name=t.name,
                rating=t.rating,
                rating_count=t.rating_count,
                rate_text=f"{rupiah(t.rate)} {units.get(t.rate_unit, '')}",
            )
            for t in selectors.directory(skill=skill)[: bot.MAX_LIST]
        ]


def _context(user: User | None) -> bot.Context:
    skills = [(code, str(label)) for code, label in Skill.choices]
    name = str(user) if user is not None else None
    register = ""
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and hasattr(tenant, "url"):
        register = tenant.url("/akun/daftar/")
    return bot.Context(skills=skills, directory=_Directory(), user_name=name, register_url=register)


@transaction.atomic
def handle_message(message: dict[str, str]) -> Conversation:
    """One turn for one incoming message; a second run for the same message id does nothing."""
    phone = phones.to_e164("+" + message["from"].lstrip("+")) or message["from"]
    conversation, _created = Conversation.objects.get_or_create(phone=phone)
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.last_message_id == message["id"]:
        return conversation
    user = user_by_phone(phone)
    incoming = bot.Incoming(text=message.get("text", ""), reply_id=message.get("reply_id", ""))
    result = bot.step(conversation.state, conversation.data, incoming, _context(user))
    replies = list(result.replies)
    if result.create is not None:
        replies.append(_create_job(result.create, user, phone))
    log = [*conversation.transcript, {"in": message.get("text") or message.get("reply_id", "")}]
    for index, reply in enumerate(replies):
        menu = result.menus.get(index)
        notify_contact(
            phone=phone,
            event="tukang.whatsapp",
            title="GoTukang",
            body=reply,  # the text fallback of an interactive reply
            key=f"wa:{message['id']}:{index}",
            payload=bot.cloud_api_message(phone, menu) if menu is not None else None,
        )
        turn: dict[str, Any] = {"out": reply}
        if menu is not None:  # the sandbox page shows its rows/buttons to tap
            turn |= {"kind": menu.kind, "body": menu.body, "choices": [[c.id, c.title] for c in menu.choices]}
        log.append(turn)
    conversation.state = result.state
    conversation.data = result.data
    conversation.transcript = log[-TRANSCRIPT_KEEP:]
    conversation.last_message_id = message["id"]
    conversation.save()
    _done(message["id"])
    return conversation


def _done(message_id: str) -> None:
    IdempotencyRecord.objects.filter(owner=RECORD_OWNER, key=message_id, status_code=RECORD_PENDING).update(
        status_code=RECORD_DONE, body=""
    )


def repair_lost_messages(*, older_than_minutes: int = LOST_AFTER_MINUTES, now: datetime | None = None) -> int:
    """Re-queue the turns of messages recorded more than `older_than_minutes` ago whose task
    never ran (hourly, from apps.jobs' repair): how many were queued. The turn itself is
    idempotent (the conversation's last message id), so a task that was only slow runs once."""
    from apps.core.tasks import publish

    from .tasks import handle_whatsapp_message

    cutoff = (now or timezone.now()) - timedelta(minutes=older_than_minutes)
    lost = IdempotencyRecord.objects.filter(
        owner=RECORD_OWNER, status_code=RECORD_PENDING, created_at__lt=cutoff
    ).order_by("created_at")[:REPAIR_BATCH]
    queued = 0
    for record in lost:
        try:
            message = json.loads(record.body)
        except ValueError:
            message = None
        if not isinstance(message, dict) or not message.get("id") or not message.get("from"):
            _done(record.key)  # nothing left to answer: never retried again
            continue
        if publish(handle_whatsapp_message, {str(k): str(v) for k, v in message.items()}):
            queued += 1
    return queued


def _create_job(draft: bot.JobDraft, user: User | None, phone: str) -> str:
    tukang = Tukang.objects.filter(pk=draft.tukang_id).first()
    if tukang is None:
        return "Maaf, tukang itu tidak ditemukan lagi. Ketik HALO untuk memilih lagi."
    try:
        with transaction.atomic():
            job = services.request_job(
                user,
                skill=draft.skill,
                description=draft.description,
                tukang=tukang,
                contact_phone=phone,
                source=Job.Source.WHATSAPP,
            )
    except DomainError as exc:
        return f"Maaf, permintaan belum bisa dikirim: {exc.message}"
    return (
        f"Permintaan #{job.pk} terkirim ke {tukang.name}. Tukang akan mengirim penawaran harga; "
        "Anda akan mendapat kabar di sini."
    )


def sandbox_send(phone: str, text: str, reply_id: str = "") -> int:
    """The sandbox page plays WhatsApp: a Cloud API notification, signed with the sandbox
    secret, through the same entry point (and signature check) as Meta's."""
    wa_id = phones.to_e164(phone).lstrip("+")
    if not wa_id:
        raise ValidationFailed(_("Nomor HP tidak valid, mis. 081234567890."), code="invalid_phone", field="phone")
    kind = "interactive" if reply_id else "text"
    message: dict[str, Any] = {"from": wa_id, "id": f"wamid.sandbox.{secrets.token_hex(12)}", "type": kind}
    if reply_id:  # a tapped button answers `button_reply`, a list row `list_reply` (as WhatsApp does)
        reply_type = "button_reply" if reply_id.startswith("confirm:") else "list_reply"
        message["interactive"] = {"type": reply_type, reply_type: {"id": reply_id, "title": text}}
    else:
        message["text"] = {"body": text}
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "sandbox",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "contacts": [{"wa_id": wa_id, "profile": {"name": ""}}],
                            "messages": [message],
                        },
                    }
                ],
            }
        ],
    }
    raw = json.dumps(payload).encode()
    return receive_webhook(raw, sign(raw, sandbox_secret()))


def transcript(phone: str) -> list[dict[str, str]]:
    e164 = phones.to_e164(phone)
    conversation = Conversation.objects.filter(phone=e164).first() if e164 else None
    return list(conversation.transcript) if conversation is not None else []

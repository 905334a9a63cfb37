"""notify() writes the outbox; deliver() sends one message once, with backoff on failure."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import phones
from apps.core.errors import ValidationFailed
from apps.tenancy.due_work import Kind, schedule_due

from . import badge
from .channels import DeliveryError, Outgoing, sender_for
from .models import Channel, ChannelPreference, Message

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=6)
# The outbox sweep is the safety net behind each message's own task: it looks at a message
# this long after the message was due, by when its task has normally delivered it.
SWEEP_GRACE = timedelta(minutes=2)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min, ... capped at 6 h."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def preference_for(user: User) -> ChannelPreference:
    return ChannelPreference.objects.filter(user=user).first() or ChannelPreference(user=user)


def _address(user: User, channel: str, preference: ChannelPreference) -> str:
    if channel == Channel.EMAIL:
        return user.email
    if channel in (Channel.WHATSAPP, Channel.SMS):
        # An unusable stored number is kept as typed: delivery then fails visibly ("invalid phone").
        return phones.to_e164(user.phone) or user.phone.strip()
    if channel == Channel.TELEGRAM:
        return preference.telegram_chat_id
    return ""


def notify(
    recipients: Iterable[User],
    *,
    event: str,
    title: str,
    body: str,
    key: str,
    url: str = "",
) -> list[Message]:
    """Queue a notification for each recipient on each channel they chose.

    Call it inside the transaction of the change it announces: the messages commit or roll
    back with it. The same `key` for the same recipient and channel is stored once, so a
    retried service call never notifies twice. Delivery starts after commit.
    """
    from apps.core.tasks import enqueue_on_commit

    from .tasks import deliver_message

    now = timezone.now()
    created: list[Message] = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        preference = preference_for(user)
        for channel in preference.channels():
            address = _address(user, channel, preference)
            if channel != Channel.IN_APP and not address:
                continue  # chosen but not reachable there (no phone / chat id / e-mail)
            in_app = channel == Channel.IN_APP
            message, made = Message.objects.get_or_create(
                key=key,
                recipient=user,
                channel=channel,
                defaults={
                    "address": address,
                    "event": event,
                    "title": title[:200],  # built by the announcing service
                    "body": body,
                    "url": url,
                    "status": Message.Status.SENT if in_app else Message.Status.PENDING,
                    "sent_at": now if in_app else None,
                },
            )
            if made:
                created.append(message)
    unread_for = {m.recipient_id for m in created if m.channel == Channel.IN_APP and m.recipient_id}
    if unread_for:
        # The menu's unread badge is cached per user: show the new message at the next page.
        transaction.on_commit(lambda: badge.forget(*unread_for))
    pending = [m.pk for m in created if m.status == Message.Status.PENDING]
    if pending:
        schedule_due(Kind.NOTIFICATIONS, now + SWEEP_GRACE)
        for pk in pending:
            enqueue_on_commit(deliver_message, pk)
    return created


def notify_contact(
    *,
    email: str = "",
    phone: str = "",
    event: str,
    title: str,
    body: str,
    key: str,
    url: str = "",
    payload: dict[str, Any] | None = None,
) -> list[Message]:
    """Queue a notification to someone without an account (e.g. an anonymous reporter who left
    a contact): an e-mail to `email`, a WhatsApp message to `phone`. Same transaction and
    idempotency rules as notify(); an unusable phone is skipped rather than stored.

    No unique index backs (key, address, channel) for these rows (every index costs each tenant
    schema, issue 17): callers send under a row lock of what they announce (a report's status
    change holds the report's lock), which serialises the get_or_create below."""
    from apps.core.tasks import enqueue_on_commit

    from .tasks import deliver_message

    targets: list[tuple[str, str]] = []
    if email.strip():
        targets.append((Channel.EMAIL, email.strip()[:254]))
    number = phones.to_e164(phone) if phone.strip() else None
    if number:
        targets.append((Channel.WHATSAPP, number))
    created: list[Message] = []
    for channel, address in targets:
        message, made = Message.objects.get_or_create(
            key=key,
            recipient=None,
            address=address,
            channel=channel,
            defaults={
                "event": event,
                "title": title[:200],  # built by the announcing service
                "body": body,
                "url": url,
                "payload": payload if channel == Channel.WHATSAPP else None,
            },
        )
        if made:
            created.append(message)
    if created:
        schedule_due(Kind.NOTIFICATIONS, timezone.now() + SWEEP_GRACE)
        for message in created:
            enqueue_on_commit(deliver_message, message.pk)
    return created


def deliver(message_id: int) -> Message | None:
    """Send one pending, due message. Safe to call twice or concurrently: the row lock and the
    status make a message go out once; the provider gets the message's UUID as idempotency key
    so even a crash between sending and committing does not produce a second delivery."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            # Only the message row: a contact's message has no recipient (a nullable outer join).
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=message_id, status=Message.Status.PENDING)
            .first()
        )
        if message is None or (message.next_attempt_at and message.next_attempt_at > now):
            return message
        message.attempts += 1
        outgoing = Outgoing(
            message.address, message.title, message.body, message.url, str(message.uuid), payload=message.payload
        )
        try:
            message.provider_id = sender_for(message.channel).send(outgoing)
        except DeliveryError as exc:
            message.last_error = str(exc)[:2000]
            if exc.temporary and message.attempts < MAX_ATTEMPTS:
                message.next_attempt_at = now + backoff(message.attempts)
                schedule_due(Kind.NOTIFICATIONS, message.next_attempt_at + SWEEP_GRACE)
            else:
                message.status = Message.Status.FAILED
                message.next_attempt_at = None
        else:
            message.status = Message.Status.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error = ""
        message.save()
    return message


def next_sweep_at() -> datetime | None:
    """When the outbox sweep next has something to look at: the earliest pending message's
    due time (its next attempt, or its creation) plus the grace its own task has."""
    first = (
        Message.objects.filter(status=Message.Status.PENDING)
        .aggregate(first=Min(Coalesce("next_attempt_at", "created_at")))
        .get("first")
    )
    return first + SWEEP_GRACE if first is not None else None


def due_message_ids(limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        Message.objects.filter(status=Message.Status.PENDING)
        .exclude(next_attempt_at__gt=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


@transaction.atomic
def mark_read(user: User, message_ids: Iterable[int] | None = None) -> int:
    mine = Message.objects.filter(recipient=user, channel=Channel.IN_APP, read_at__isnull=True)
    if message_ids is not None:
        mine = mine.filter(pk__in=list(message_ids))
    changed = mine.update(read_at=timezone.now())
    badge.forget(user.pk)  # the menu's badge shows the user's own action at once
    return changed


@transaction.atomic
def set_preferences(
    user: User, *, email: bool, whatsapp: bool, sms: bool, telegram: bool, telegram_chat_id: str = ""
) -> ChannelPreference:
    if (whatsapp or sms) and not user.phone:
        raise ValidationFailed(_("Isi nomor HP di profil dulu untuk memakai WhatsApp atau SMS."), code="no_phone")
    if telegram and not telegram_chat_id.strip().lstrip("-").isdigit():
        raise ValidationFailed(_("ID chat Telegram harus berupa angka."), code="invalid_chat_id")
    if email and not user.email:
        raise ValidationFailed(_("Isi alamat e-mail di profil dulu untuk memakai e-mail."), code="no_email")
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user,
        defaults={
            "email": email,
            "whatsapp": whatsapp,
            "sms": sms,
            "telegram": telegram,
            "telegram_chat_id": telegram_chat_id.strip() if telegram else "",
        },
    )
    return preference

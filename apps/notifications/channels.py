"""Delivery channels. E-mail through Django; WhatsApp, SMS and Telegram through an adapter.

Each channel has an HTTP implementation (a provider's JSON API, configured per tenant) and a
sandbox that records what would be sent. The sandbox behaves like a provider: it validates the
address, refuses what a provider would refuse (permanent failure), fails when asked to
simulate an outage (temporary failure), and de-duplicates by idempotency key, so retries
never send twice.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.mail import EmailMessage

from apps.core import phones
from apps.sandbox import services as sandbox_book
from apps.sandbox.services import SandboxUnavailable

from .models import Channel, ChannelConfig


class DeliveryError(Exception):
    """A failed send. `temporary` failures are retried with backoff; permanent ones are not."""

    def __init__(self, message: str, *, temporary: bool) -> None:
        super().__init__(message)
        self.temporary = temporary


@dataclass(frozen=True)
class Outgoing:
    address: str
    title: str
    body: str
    url: str
    idempotency_key: str
    # WhatsApp Cloud API interactive message (list/buttons); senders that cannot send it use `body`.
    payload: dict[str, Any] | None = None


class Sender(Protocol):
    def send(self, message: Outgoing) -> str:
        """Deliver and return the provider's message id, or raise DeliveryError."""


_CHAT_ID_RE = re.compile(r"^-?\d{5,20}$")


def _is_e164_mobile(address: str) -> bool:
    number = phones.parse(address)
    return number is not None and phones.is_mobile(number) and phones.to_e164(address) == address


def validate_address(channel: str, address: str) -> None:
    if channel in (Channel.WHATSAPP, Channel.SMS) and not _is_e164_mobile(address):
        raise DeliveryError(f"invalid phone number {address!r}", temporary=False)
    if channel == Channel.TELEGRAM and not _CHAT_ID_RE.match(address):
        raise DeliveryError(f"invalid Telegram chat id {address!r}", temporary=False)
    if channel == Channel.EMAIL and "@" not in address:
        raise DeliveryError(f"invalid e-mail address {address!r}", temporary=False)


class EmailSender:
    def send(self, message: Outgoing) -> str:
        text = f"{message.body}\n\n{message.url}" if message.url else message.body
        email = EmailMessage(
            subject=message.title, body=text, to=[message.address], headers={"Message-ID": message.idempotency_key}
        )
        try:
            email.send()
        except OSError as exc:  # SMTP down, DNS, connection refused
            raise DeliveryError(str(exc), temporary=True) from exc
        return message.idempotency_key


class SandboxSender:
    """Records instead of sending; see the module docstring."""

    def __init__(self, channel: str, config: ChannelConfig | None) -> None:
        self.channel = channel
        self.config = config

    def send(self, message: Outgoing) -> str:
        validate_address(self.channel, message.address)
        if self.config is not None and self.config.simulate_failure:
            raise DeliveryError(f"sandbox {self.channel}: provider unavailable (simulated)", temporary=True)
        try:
            record = sandbox_book.record_delivery(
                channel=self.channel,
                address=message.address,
                title=message.title,
                body=message.body,
                url=message.url,
                payload=message.payload if self.channel == Channel.WHATSAPP else None,
                idempotency_key=message.idempotency_key,
            )
        except SandboxUnavailable as exc:  # production: no provider configured for the channel
            raise DeliveryError(f"sandbox {self.channel}: {exc}", temporary=False) from exc
        return f"sandbox-{record.pk}"


class HttpSender:
    """POST {to, title, text, url} as JSON with a bearer token and an Idempotency-Key header.

    The shape most Indonesian WhatsApp/SMS gateways and a Telegram relay accept; 5xx and
    timeouts are temporary, 4xx permanent.
    """

    def __init__(self, channel: str, config: ChannelConfig, timeout: float = 10.0) -> None:
        self.channel = channel
        self.config = config
        self.timeout = timeout

    def send(self, message: Outgoing) -> str:
        validate_address(self.channel, message.address)
        payload = json.dumps(
            {
                "to": message.address,
                "title": message.title,
                "text": message.body,
                "url": message.url,
                "sender": self.config.sender,
                # WhatsApp gateways that speak the Cloud API send this; the others send `text`.
                **({"interactive": message.payload} if message.payload and self.channel == Channel.WHATSAPP else {}),
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
            self.config.endpoint_url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.config.api_token}",
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"HTTP {exc.code} from provider", temporary=exc.code >= 500 or exc.code == 429) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryError(f"provider unreachable: {exc}", temporary=True) from exc
        except ValueError as exc:
            raise DeliveryError("provider answered with invalid JSON", temporary=True) from exc
        return str(body.get("id") or body.get("message_id") or message.idempotency_key)


def sender_for(channel: str) -> Sender:
    if channel == Channel.EMAIL:
        return EmailSender()
    config = ChannelConfig.objects.filter(service=channel).first()
    if config is not None and config.mode == ChannelConfig.Mode.HTTP and config.endpoint_url:
        return HttpSender(channel, config)
    return SandboxSender(channel, config)

"""Transactional outbox of notifications, users' channel choices and per-tenant channel set-up."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.integrations.models import ServiceConfig, ServiceManager


class Channel(models.TextChoices):
    IN_APP = "in_app", _("Di aplikasi")
    EMAIL = "email", _("E-mail")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")


class Message(models.Model):
    """One notification to one person on one channel, written in the same transaction as the
    change that caused it, and delivered after commit (with retries) by a Celery task."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        SENT = "sent", _("Terkirim")
        FAILED = "failed", _("Gagal")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Empty for a contact without an account (an anonymous reporter's e-mail or phone, see
    # notify_contact): such a message has only its `address` and is never listed in-app.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("penerima"),
    )
    channel = models.CharField(_("kanal"), max_length=16, choices=Channel.choices)
    address = models.CharField(_("alamat tujuan"), max_length=254, blank=True)
    event = models.CharField(_("peristiwa"), max_length=64)
    key = models.CharField(max_length=200, help_text=_("Kunci idempotensi dari layanan pengirim"))
    title = models.CharField(_("judul"), max_length=200)
    body = models.TextField(_("isi"))
    url = models.CharField(max_length=500, blank=True)
    # WhatsApp only: a Cloud API interactive message (list/buttons, apps.tukang's bot) sent where
    # the adapter can; `body` is its text fallback. (A column: the table has its TOAST already.)
    payload = models.JSONField(_("pesan interaktif"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("percobaan"))
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("dibuat"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("terkirim pada"))
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notifikasi")
        verbose_name_plural = _("notifikasi")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["key", "recipient", "channel"], name="notification_once_per_key"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient or self.address}: {self.title}"


class ChannelPreference(models.Model):
    """Which channels a user wants besides the in-app list (always on). One per user: the user
    is the key (apps.core.column_keys)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="channel_preference",
        verbose_name=_("pengguna"),
    )
    email = models.BooleanField(_("e-mail"), default=True)
    whatsapp = models.BooleanField(_("WhatsApp"), default=False)
    sms = models.BooleanField(_("SMS"), default=False)
    telegram = models.BooleanField(_("Telegram"), default=False)
    telegram_chat_id = models.CharField(_("ID chat Telegram"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("pilihan kanal")
        verbose_name_plural = _("pilihan kanal")

    def __str__(self) -> str:
        return str(self.user)

    def channels(self) -> list[str]:
        chosen = [Channel.IN_APP.value]
        chosen += [name for name in ("email", "whatsapp", "sms", "telegram") if getattr(self, name)]
        return chosen


class ChannelConfig(ServiceConfig):
    """How this tenant reaches WhatsApp/SMS/Telegram: a provider's HTTP API, or the sandbox. Its
    rows of the public apps.integrations table (one per channel, `service`); `objects` sees only
    the current tenant's."""

    CHANNELS = (ServiceConfig.Service.WHATSAPP, ServiceConfig.Service.SMS, ServiceConfig.Service.TELEGRAM)

    objects: ClassVar[ServiceManager] = ServiceManager(*CHANNELS)

    class Meta:
        proxy = True
        verbose_name = _("konfigurasi kanal")
        verbose_name_plural = _("konfigurasi kanal")

    def clean(self) -> None:
        super().clean()
        if self.service not in self.CHANNELS:
            raise ValidationError({"service": _("Pilih WhatsApp, SMS atau Telegram.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.service not in self.CHANNELS:  # a row its own manager would never see again
            raise ValueError(f"a channel config for {self.service!r}")
        super().save(*args, **kwargs)

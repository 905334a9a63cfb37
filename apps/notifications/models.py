"""Transactional outbox of notifications, users' channel choices and per-tenant channel set-up."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    """Which channels a user wants besides the in-app list (always on)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
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


class ChannelConfig(models.Model):
    """How this tenant reaches WhatsApp/SMS/Telegram: a provider's HTTP API, or the sandbox."""

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox (dicatat, tidak dikirim)")
        HTTP = "http", _("HTTP API penyedia")

    channel = models.CharField(
        _("kanal"),
        max_length=16,
        choices=[(c.value, c.label) for c in (Channel.WHATSAPP, Channel.SMS, Channel.TELEGRAM)],
    )
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.SANDBOX)
    endpoint_url = models.URLField(_("URL API"), blank=True)
    api_token = models.CharField(_("token API"), max_length=255, blank=True)
    sender = models.CharField(_("pengirim"), max_length=64, blank=True)
    simulate_outage = models.BooleanField(
        _("simulasikan gangguan"), default=False, help_text=_("Hanya sandbox: setiap kiriman gagal sementara.")
    )
    # Incoming WhatsApp (Cloud API webhooks, apps.tukang.whatsapp): the Meta app secret that signs
    # X-Hub-Signature-256, and the token Meta echoes when the webhook is subscribed. In sandbox
    # mode a secret derived per tenant (the sandbox page's) is used instead.
    app_secret = models.CharField(_("app secret (webhook)"), max_length=128, blank=True)
    verify_token = models.CharField(_("verify token (webhook)"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("konfigurasi kanal")
        verbose_name_plural = _("konfigurasi kanal")
        constraints = [
            # channel: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["channel"], name="notifications_channel_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} ({self.get_mode_display()})"

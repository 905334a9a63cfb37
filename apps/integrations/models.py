"""How each tenant reaches the outside services (OSS, WhatsApp, SMS, Telegram): one public table
for all tenants, every row keyed by its schema (issue 17, docs/design/schema-cost.md
"Outside-service configs").

They used to be two tables in every tenant schema (`permits_ossconfig`,
`notifications_channelconfig`: 7 `pg_class` rows per kelurahan). The names the code uses stay:
`permits.OssConfig` and `notifications.ChannelConfig` are proxies of `ServiceConfig` whose
default manager sees only the current schema's rows of their own service(s), so the tenant
admin (its search_path includes public) lists and edits only its own. The platform (archive,
removal, restore) uses `all_schemas`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.schema_keyed import CurrentSchemaManager, current_schema


class ServiceManager(CurrentSchemaManager):
    """The current schema's configs of the given services only (a proxy's default manager)."""

    def __init__(self, *services: str) -> None:
        super().__init__()
        self.services = services

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(service__in=self.services)


class ServiceConfig(models.Model):
    """One tenant's way of reaching one outside service: its HTTP API, or the local sandbox."""

    class Service(models.TextChoices):
        OSS = "oss", "OSS"
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")
        TELEGRAM = "telegram", _("Telegram")

    class Mode(models.TextChoices):
        SANDBOX = "sandbox", _("Sandbox (lokal)")
        HTTP = "http", _("HTTP API")

    schema_name = models.CharField(_("skema tenant"), max_length=63, editable=False)
    service = models.CharField(_("layanan"), max_length=16, choices=Service.choices)
    mode = models.CharField(_("mode"), max_length=16, choices=Mode.choices, default=Mode.SANDBOX)
    endpoint_url = models.URLField(_("URL API"), blank=True)
    api_token = models.CharField(_("token API"), max_length=255, blank=True)
    sender = models.CharField(_("pengirim"), max_length=64, blank=True)
    timeout_seconds = models.FloatField(_("batas waktu (detik)"), default=10.0)
    # OSS's "simulate timeout" and the channels' "simulate outage" were the same switch.
    simulate_failure = models.BooleanField(
        _("simulasikan gangguan"), default=False, help_text=_("Hanya sandbox: setiap panggilan gagal.")
    )
    # Incoming WhatsApp (Cloud API webhooks, apps.tukang.whatsapp): the Meta app secret that signs
    # X-Hub-Signature-256, and the token Meta echoes when the webhook is subscribed. In sandbox
    # mode a secret derived per tenant (the sandbox page's) is used instead.
    app_secret = models.CharField(_("app secret (webhook)"), max_length=128, blank=True)
    verify_token = models.CharField(_("verify token (webhook)"), max_length=128, blank=True)

    objects = CurrentSchemaManager()
    all_schemas = models.Manager()  # noqa: DJ012 - a second manager (the platform), after the default

    class Meta:
        verbose_name = _("konfigurasi layanan luar")
        verbose_name_plural = _("konfigurasi layanan luar")
        constraints = [
            # One config per service in a tenant; also the index of every lookup (schema, service).
            models.UniqueConstraint(fields=["schema_name", "service"], name="integrations_service_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_service_display()} ({self.get_mode_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._fill_schema()
        super().save(*args, **kwargs)

    def _fill_schema(self) -> None:
        if not self.schema_name:
            self.schema_name = current_schema()

    def clean(self) -> None:
        super().clean()
        self._fill_schema()

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        # schema_name is no form field (editable=False) but clean() filled it: without it the
        # admin would skip the (schema, service) check and answer a second config with a 500.
        super().validate_constraints(exclude={*(exclude or ())} - {"schema_name"})

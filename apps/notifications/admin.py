from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ChannelConfig, ChannelPreference, Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin[Message]):
    list_display = ["created_at", "recipient", "channel", "event", "title", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "event"]
    search_fields = ["title", "recipient__username", "address", "key"]
    readonly_fields = [f.name for f in Message._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(ChannelConfig)
class ChannelConfigAdmin(admin.ModelAdmin[ChannelConfig]):
    """The current tenant's channel rows of the public apps.integrations table (the proxy's
    default manager narrows to them; a new row gets this tenant's schema on save)."""

    list_display = ["service", "mode", "endpoint_url", "simulate_failure"]
    fields = ["service", "mode", "endpoint_url", "api_token", "sender", "simulate_failure"]
    fields += ["app_secret", "verify_token"]  # incoming WhatsApp (apps.tukang.whatsapp)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "service":  # the channels only, not OSS (permits' own config)
            kwargs["choices"] = [(c.value, c.label) for c in ChannelConfig.CHANNELS]
        return super().formfield_for_choice_field(db_field, request, **kwargs)


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin[ChannelPreference]):
    list_display = ["user", "email", "whatsapp", "sms", "telegram"]

from django.contrib import admin

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
    list_display = ["channel", "mode", "endpoint_url", "simulate_outage"]


@admin.register(ChannelPreference)
class ChannelPreferenceAdmin(admin.ModelAdmin[ChannelPreference]):
    list_display = ["user", "email", "whatsapp", "sms", "telegram"]

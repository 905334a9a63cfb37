from django.contrib import admin

from .models import Conversation, Job, Quote, Tukang


@admin.register(Tukang)
class TukangAdmin(admin.ModelAdmin[Tukang]):
    list_display = ["name", "user", "rate", "rate_unit", "available", "rating_count", "is_active"]
    list_filter = ["available", "is_active"]
    search_fields = ["name", "user__username"]
    readonly_fields = ["rating_sum", "rating_count", "payment_account"]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ["id", "skill", "requester", "contact_phone", "tukang", "status", "dispute", "rating", "created_at"]
    list_filter = ["status", "dispute", "skill", "source"]
    search_fields = ["description", "contact_phone", "requester__username", "tukang__name"]
    # Status, money and rating change through apps.tukang.services only.
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin[Quote]):
    list_display = ["job", "tukang", "amount", "status", "created_at"]
    readonly_fields = [f.name for f in Quote._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin[Conversation]):
    list_display = ["phone", "state", "updated_at"]
    search_fields = ["phone"]
    readonly_fields = [f.name for f in Conversation._meta.fields]

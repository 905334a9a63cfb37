from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import admin as core_admin
from apps.core.errors import DomainError

from . import services
from .models import (
    ApiKey,
    Category,
    CategoryAttribute,
    Opd,
    Report,
    ReportFollower,
    ReportPhoto,
    ReportSettings,
    SlaReminder,
)


@admin.register(ReportSettings)
class ReportSettingsAdmin(admin.ModelAdmin[ReportSettings]):
    list_display = ["__str__", "allow_anonymous", "reopen_days", "max_distance_km"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReportSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: ReportSettings | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ReportSettings, form: Any, change: bool) -> None:
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(Opd)
class OpdAdmin(core_admin.PairThroughAdmin):
    list_display = ["name", "code", "contact", "email", "active"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["staff"]


class CategoryAttributeInline(admin.StackedInline[CategoryAttribute, Category]):
    model = CategoryAttribute
    extra = 0


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["name", "code", "unit", "agency", "sla_hours", "escalation_hours", "active", "order"]
    list_filter = ["unit", "active"]
    search_fields = ["name", "code", "keywords"]
    inlines = [CategoryAttributeInline]

    @admin.display(description=gettext_lazy("penanggung jawab"))
    def agency(self, obj: Category) -> str:
        return obj.agency_name


@admin.register(ApiKey)
class ApiKeyAdmin(core_admin.ApiKeyAdmin):
    list_display = ["name", "prefix", "contact_email", "created_at", "last_used_at", "status"]
    fields = ["name", "contact_email", "prefix", "created_at", "last_used_at", "revoked_at"]

    def create_key(self, data: dict[str, Any]) -> tuple[ApiKey, str]:
        return services.create_api_key(name=data["name"], contact_email=data["contact_email"])

    def revoke_key(self, key: ApiKey) -> None:
        services.revoke_api_key(key)


class ReportPhotoInline(admin.TabularInline[ReportPhoto, Report]):
    model = ReportPhoto
    extra = 0
    fields = readonly_fields = ("image", "content_type", "size")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportFollowerInline(admin.TabularInline[ReportFollower, Report]):
    model = ReportFollower
    extra = 0
    fields = readonly_fields = ("user", "supporter", "created_at")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _bulk(
    action: Callable[[Report, User], Report], label: str | Promise
) -> Callable[[Any, HttpRequest, QuerySet[Report]], None]:
    def run(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        done = 0
        for report in queryset:
            try:
                action(report, request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, f"{report.code}: {exc.message}")
            else:
                done += 1
        if done:
            messages.success(request, _("%(n)d laporan diperbarui.") % {"n": done})

    run.short_description = label  # type: ignore[attr-defined]
    run.__name__ = f"bulk_{action.__name__}"
    return run


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin[Report]):
    """Status changes go through the services (admin actions here, buttons on the report page)."""

    list_display = ["code", "category", "status", "support_count", "source", "created_at", "status_changed_at"]
    list_filter = ["status", "category", "source"]
    search_fields = ["code", "description", "address"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "code",
        "category",
        "description",
        "attributes",
        "status",
        "status_changed_at",
        "status_notes",
        "lat",
        "lng",
        "address",
        "reporter",
        "contact_name",
        "contact_email",
        "contact_phone",
        "source",
        "api_key",
        "media_url",
        "support_count",
        "duplicate_of",
        "assignee",
        "resolved_at",
        "created_at",
        "updated_at",
        "timeline",
    ]
    exclude = ["account_id", "device_id"]
    # The public timeline (ReportUpdate rows of core_event), with who acted (staff only).
    timeline = core_admin.timeline_field(gettext_lazy("Perkembangan"))
    inlines = [ReportPhotoInline, ReportFollowerInline]
    actions = [
        _bulk(services.verify, gettext_lazy("Verifikasi laporan terpilih")),
        _bulk(services.start_work, gettext_lazy("Tandai sedang dikerjakan")),
        _bulk(services.close, gettext_lazy("Tutup laporan yang sudah selesai")),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Report | None = None) -> bool:
        return False


@admin.register(SlaReminder)
class SlaReminderAdmin(admin.ModelAdmin[SlaReminder]):
    """Read-only: the SLA sweep writes these rows (core_event, subject "report_sla")."""

    list_display = fields = readonly_fields = ("report", "level", "stage_started_at", "created_at", "recipients")
    list_filter = ["action"]

    @admin.display(description=gettext_lazy("laporan"))
    def report(self, obj: SlaReminder) -> int:
        return obj.report_id

    @admin.display(description=gettext_lazy("tingkat"))
    def level(self, obj: SlaReminder) -> str:
        return obj.get_action_display()

    @admin.display(description=gettext_lazy("tahap dimulai"))
    def stage_started_at(self, obj: SlaReminder) -> str:
        return str(obj.data_value("stage_started_at", ""))

    @admin.display(description=gettext_lazy("penerima"))
    def recipients(self, obj: SlaReminder) -> int:
        return obj.recipients

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SlaReminder | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SlaReminder | None = None) -> bool:
        return False

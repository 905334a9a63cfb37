"""Platform admin (public site only): the franchise operator's console for tenants.

It is a separate AdminSite so that no tenant's /admin/ ever lists the tenant registry.
"""

from __future__ import annotations

from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import AdminSite
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.accounts.admin import UserAdmin
from apps.accounts.models import User
from apps.core.errors import DomainError

from . import boundaries, operations, placement, services
from .api.permissions import is_franchise_operator
from .models import ActivationJob, Domain, PooledSchema, Region, Tenant, TenantArchive, TenantOperationJob


class PlatformAdminSite(AdminSite):
    site_header = _("KotaKita — operator platform")
    site_title = _("KotaKita operator")
    index_title = _("Tenant, wilayah dan aktivasi")


platform_admin_site = PlatformAdminSite(name="platform_admin")


class PlatformUserAdmin(UserAdmin):
    """Platform users are deactivated, never deleted: tenant-only tables (RT/RW, ...) refer to
    the user model, and those tables do not exist in the public schema."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


platform_admin_site.register(User, PlatformUserAdmin)
platform_admin_site.register(Group, GroupAdmin)
# Login attempts of every tenant (public tables; usernames are "<schema>:<username>",
# apps.accounts.lockout). Deleting an attempt unlocks that user in that tenant.
platform_admin_site.register(AccessAttempt, AccessAttemptAdmin)
platform_admin_site.register(AccessLog, AccessLogAdmin)
platform_admin_site.register(AccessFailureLog, AccessFailureLogAdmin)


class ActivateForm(forms.Form):
    code = forms.CharField(label=_("Kode wilayah"), help_text=_("Mis. 35.77.03.1001 (kelurahan) atau 35.77 (kota)"))
    tenant_type = forms.ChoiceField(
        label=_("Jenis"),
        choices=[("", _("(dari kode)")), ("kota", _("Kota/Kabupaten")), ("kelurahan", _("Desa/Kelurahan"))],
        required=False,
    )
    slug = forms.SlugField(label=_("Subdomain"), required=False, help_text=_("Kosongkan untuk dibuat dari nama"))
    admin_email = forms.EmailField(label=_("E-mail admin"), required=False)


_PLACEMENT = "_placement"  # set on each tenant of the change list page


class DomainInline(admin.TabularInline[Domain, Tenant]):
    model = Domain
    extra = 0


class TenantForm(forms.ModelForm[Tenant]):
    """The platform admin's tenant form, with the boundary GeoJSON upload (apps.tenancy.boundaries)."""

    boundary_file = forms.FileField(
        label=_("Berkas GeoJSON batas wilayah"),
        required=False,
        help_text=_("Polygon atau MultiPolygon, koordinat WGS84 (bujur, lintang), paling besar 1 MB."),
    )
    remove_boundary = forms.BooleanField(label=_("Hapus batas wilayah (kembali ke radius)"), required=False)

    class Meta:
        model = Tenant
        fields = ["name", "slug", "plan"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("boundary_file")
        if upload is not None:
            try:
                self.instance.boundary = boundaries.read_upload(upload)
            except DomainError as error:
                self.add_error("boundary_file", str(error.message))
        elif data.get("remove_boundary"):
            self.instance.boundary = None
        return data


@admin.register(Tenant, site=platform_admin_site)
class TenantAdmin(admin.ModelAdmin[Tenant]):
    list_display = [
        "name",
        "region_id",
        "tenant_type",
        "slug",
        "parent",
        "plan",
        "status",
        "created_at",
        "node",
        "archive_link",
    ]
    list_filter = ["tenant_type", "status", "plan"]
    search_fields = ["name", "region__code", "slug"]
    form = TenantForm
    readonly_fields = [
        "schema_name",
        "region",
        "tenant_type",
        "parent",
        "lat",
        "lng",
        "boundary_summary",
        "status",
        "created_at",
        "node",
    ]
    fields = [
        "name",
        "region",
        "tenant_type",
        "schema_name",
        "slug",
        "parent",
        "lat",
        "lng",
        "boundary_summary",
        "boundary_file",
        "remove_boundary",
        "plan",
        "status",
        "node",
    ]
    inlines = [DomainInline]
    actions = ["suspend", "reactivate", "remove"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return super().get_queryset(request).exclude(tenant_type=Tenant.Type.PUBLIC).select_related("parent")

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        """The node of every tenant on the page in two queries (apps.tenancy.placement), not two
        per row."""
        changelist = super().get_changelist_instance(request)
        found = placement.tenant_placements(changelist.result_list)
        for tenant in changelist.result_list:
            setattr(tenant, _PLACEMENT, found.get(tenant.pk))
        return changelist

    @admin.display(description=_("Node"))
    def node(self, obj: Tenant) -> str:
        if obj.pk is None:
            return ""
        place = getattr(obj, _PLACEMENT) if hasattr(obj, _PLACEMENT) else placement.placement_of(obj.schema_name)
        if place is None or place.node is None:
            return str(_("(belum ada)"))
        text = f"{place.node_label} · {filesizeformat(place.size_bytes)}"
        if not place.distributed:
            return text
        return format_html(
            '{} <a href="{}">{}</a>', text, reverse("operator:move_tenant", args=[obj.region_id]), _("Pindahkan")
        )

    @admin.display(description=_("Batas wilayah"))
    def boundary_summary(self, obj: Tenant) -> str:
        return boundaries.describe(obj.boundary)

    @admin.display(description=_("Arsip"))
    def archive_link(self, obj: Tenant) -> str:
        if not obj.region_id:
            return ""
        return format_html(
            '<a href="{}">{}</a>', reverse("operator:archive_tenant", args=[obj.region_id]), _("Arsipkan")
        )

    def get_urls(self) -> list[Any]:
        return [
            path("activate/", self.admin_site.admin_view(self.activate_view), name="tenancy_tenant_activate"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("platform_admin:tenancy_tenant_activate"))

    def activate_view(self, request: HttpRequest) -> HttpResponse:
        """Queue the activation (apps.tenancy.operations) and open its job page, whose progress
        bar ends on the new tenant's address and its admin's set-password link."""
        form = ActivateForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = operations.do_start_activate_region(
                    form.cleaned_data["code"],
                    tenant_type=form.cleaned_data["tenant_type"] or None,
                    slug=form.cleaned_data["slug"] or None,
                    admin_email=form.cleaned_data["admin_email"],
                    actor=request.user,  # type: ignore[arg-type]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                return HttpResponseRedirect(reverse("operator:tenant_job", args=[job.pk]))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta}
        return TemplateResponse(request, "admin/tenancy/tenant/activate.html", context)

    @admin.action(description=_("Tangguhkan tenant terpilih"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.suspend_tenant(tenant, reason=_("Ditangguhkan operator"), actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("%(n)d tenant ditangguhkan.") % {"n": queryset.count()})

    @admin.action(description=_("Aktifkan kembali tenant terpilih"))
    def reactivate(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> None:
        for tenant in queryset:
            services.reactivate_tenant(tenant, actor=request.user)  # type: ignore[arg-type]
        self.message_user(request, _("%(n)d tenant aktif kembali.") % {"n": queryset.count()})

    @admin.action(description=_("Arsipkan lalu hapus tenant terpilih"))
    def remove(self, request: HttpRequest, queryset: QuerySet[Tenant]) -> HttpResponse | None:
        """Queues one archive job per tenant (apps.tenancy.operations) and opens its progress
        page (or the job list for several)."""
        if not is_franchise_operator(request.user):
            self.message_user(request, _("Hanya operator yang bisa mengarsipkan tenant."), level=messages.ERROR)
            return None
        started = []
        for tenant in list(queryset):
            try:
                started.append(operations.do_start_archive(tenant, reason=_("Dihapus operator"), actor=request.user))  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, f"{tenant.name}: {exc.message}", level=messages.ERROR)
        if len(started) == 1:
            return HttpResponseRedirect(reverse("operator:tenant_job", args=[started[0].pk]))
        if started:
            self.message_user(request, _("%(n)d tenant sedang diarsipkan.") % {"n": len(started)})
            return HttpResponseRedirect(reverse("operator:jobs"))
        return None

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removal always archives first: use the action


@admin.register(Region, site=platform_admin_site)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["code", "name", "level", "lat", "lng"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def progress_link(url_name: str) -> Any:
    @admin.display(description=_("Kemajuan"))
    def link(obj: ActivationJob | TenantOperationJob) -> str:
        return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), _("Buka halaman kemajuan"))

    return link


@admin.register(ActivationJob, site=platform_admin_site)
class ActivationJobAdmin(admin.ModelAdmin[ActivationJob]):
    list_display = [
        "scope",
        "total",
        "done",
        "status",
        "created_at",
        "finished_at",
        progress_link("operator:activation_job"),
    ]
    readonly_fields = ["scope", "total", "done", "failed", "status", "created_by", "started_at", "finished_at"]
    exclude = ["codes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(TenantArchive, site=platform_admin_site)
class TenantArchiveAdmin(admin.ModelAdmin[TenantArchive]):
    list_display = ["code", "name", "schema_name", "size_bytes", "created_at", "removed_by"]
    actions = ["restore"]

    @admin.action(description=_("Pulihkan arsip terpilih"))
    def restore(self, request: HttpRequest, queryset: QuerySet[TenantArchive]) -> HttpResponse | None:
        """Queues one restore job per archive, under its own code (another code: /operator/arsip/)."""
        if not is_franchise_operator(request.user):
            self.message_user(request, _("Hanya operator yang bisa memulihkan tenant."), level=messages.ERROR)
            return None
        started = []
        for archive in list(queryset):
            try:
                started.append(operations.do_start_restore(archive, actor=request.user))  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, f"{archive.name}: {exc.message}", level=messages.ERROR)
        if len(started) == 1:
            return HttpResponseRedirect(reverse("operator:tenant_job", args=[started[0].pk]))
        if started:
            return HttpResponseRedirect(reverse("operator:jobs"))
        return None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TenantOperationJob, site=platform_admin_site)
class TenantOperationJobAdmin(admin.ModelAdmin[TenantOperationJob]):
    list_display = [
        "kind",
        "code",
        "name",
        "status",
        "done",
        "total",
        "created_at",
        progress_link("operator:tenant_job"),
    ]
    list_filter = ["kind", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PooledSchema, site=platform_admin_site)
class PooledSchemaAdmin(admin.ModelAdmin[PooledSchema]):
    list_display = ["schema_name", "tenant_type", "fingerprint", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


__all__ = ["platform_admin_site"]

from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.tenancy import operations, placement
from apps.tenancy.models import ActivationJob, Domain, Region, Tenant, TenantOperationJob, absolute_url

# What TenantSerializer.url reads, for a list of tenants.
PRIMARY_DOMAIN_PREFETCH = Prefetch(
    "domains", queryset=Domain.objects.filter(is_primary=True), to_attr="primary_domains"
)


class RegionSerializer(serializers.ModelSerializer[Region]):
    kind = serializers.CharField(read_only=True)
    tenant_slug = serializers.SerializerMethodField()

    class Meta:
        model = Region
        fields = ["code", "name", "level", "kind", "parent", "lat", "lng", "tenant_slug"]

    def get_tenant_slug(self, obj: Region) -> str | None:
        tenant = getattr(obj, "tenant", None)
        return tenant.slug if tenant else None


class TenantSerializer(serializers.ModelSerializer[Tenant]):
    code = serializers.CharField(source="region_id", read_only=True)
    url = serializers.SerializerMethodField()
    node = serializers.SerializerMethodField(help_text="The database node holding the tenant, host:port")
    size_bytes = serializers.SerializerMethodField(help_text="The size of the tenant's tables on its node")
    parent_code = serializers.CharField(source="parent.region_id", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Tenant
        fields = [
            "id",
            "code",
            "name",
            "tenant_type",
            "slug",
            "url",
            "schema_name",
            "parent_code",
            "lat",
            "lng",
            "plan",
            "status",
            "status_reason",
            "created_at",
            "node",
            "size_bytes",
        ]
        read_only_fields = fields

    def _placement(self, obj: Tenant) -> placement.Placement | None:
        # A list passes the page's placements in the context (two queries for the page).
        known = self.context.get("placements")
        if known is not None:
            found: placement.Placement | None = known.get(obj.pk)
            return found
        return placement.placement_of(obj.schema_name)

    def get_node(self, obj: Tenant) -> str | None:
        place = self._placement(obj)
        return place.node_label if place and place.node else None

    def get_size_bytes(self, obj: Tenant) -> int | None:
        place = self._placement(obj)
        return place.size_bytes if place else None

    def get_url(self, obj: Tenant) -> str:
        # A list prefetches the primary domain (PRIMARY_DOMAIN_PREFETCH): no query per tenant.
        primary = getattr(obj, "primary_domains", None)
        if primary is None:
            return obj.url()
        return absolute_url(primary[0].domain if primary else settings.KOTAKITA_BASE_DOMAIN)


class ActivateSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=20, help_text=_("Kode Kemendagri, mis. 35.77.03.1001"))
    tenant_type = serializers.ChoiceField(choices=["kota", "kelurahan"], required=False)
    slug = serializers.CharField(max_length=63, required=False)
    plan = serializers.CharField(max_length=32, required=False)
    # No `default=""`: an empty default is not a valid `format: email` value in the schema.
    # Omitted or empty both mean "no e-mail" (activate_region's own default).
    admin_email = serializers.EmailField(required=False, allow_blank=True)
    admin_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class StatusChangeSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)


class ActivationJobSerializer(serializers.ModelSerializer[ActivationJob]):
    rate_per_second = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()

    class Meta:
        model = ActivationJob
        fields = [
            "id",
            "scope",
            "total",
            "done",
            "failed",
            "status",
            "rate_per_second",
            "seconds_left",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = [name for name in fields if name != "scope"]

    def _elapsed(self, obj: ActivationJob) -> float | None:
        if obj.started_at is None:
            return None
        end = obj.finished_at or timezone.now()
        return max((end - obj.started_at).total_seconds(), 1e-3)

    def get_rate_per_second(self, obj: ActivationJob) -> float | None:
        elapsed = self._elapsed(obj)
        return round(obj.done / elapsed, 2) if elapsed else None

    def get_seconds_left(self, obj: ActivationJob) -> int | None:
        rate = self.get_rate_per_second(obj)
        return round((obj.total - obj.done) / rate) if rate else None


class TenantOperationJobSerializer(serializers.ModelSerializer[TenantOperationJob]):
    url = serializers.SerializerMethodField(help_text=_("Alamat API pekerjaan ini: tanyakan kemajuannya di sini"))
    page_url = serializers.SerializerMethodField(help_text=_("Halaman operator pekerjaan ini (bilah kemajuan)"))
    # Made now, never stored, and only for one job asked for by id (context "with_link"): a list
    # would open every new tenant's schema. Empty until then, and once the admin chose a password.
    set_password_url = serializers.SerializerMethodField(
        help_text=_("Aktivasi yang selesai: tautan admin tenant baru untuk membuat kata sandi")
    )

    class Meta:
        model = TenantOperationJob
        fields = [
            "id",
            "url",
            "page_url",
            "kind",
            "status",
            "code",
            "name",
            "schema_name",
            "reason",
            "archive",
            "as_code",
            "target_node",
            "done",
            "total",
            "step",
            "error",
            "result",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "set_password_url",
        ]
        read_only_fields = fields

    def get_set_password_url(self, obj: TenantOperationJob) -> str:
        if not self.context.get("with_link") or obj.kind != TenantOperationJob.Kind.ACTIVATE:
            return ""
        return operations.set_password_url(obj) if obj.status == TenantOperationJob.Status.DONE else ""

    # Paths, not absolute URLs: never built from the caller's Host header.
    def get_url(self, obj: TenantOperationJob) -> str:
        return reverse("tenant-job-detail", args=[obj.pk], urlconf="config.urls_public")

    def get_page_url(self, obj: TenantOperationJob) -> str:
        return reverse("operator:tenant_job", args=[obj.pk], urlconf="config.urls_public")


class RestoreSerializer(serializers.Serializer[Any]):
    archive = serializers.IntegerField(min_value=1, help_text="Id of the tenant archive to restore")
    as_code = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)


class MoveSerializer(serializers.Serializer[Any]):
    node = serializers.CharField(max_length=270, help_text="The target node, host:port (or its Citus node id)")
    transfer_mode = serializers.ChoiceField(choices=list(placement.TRANSFER_MODES), required=False, default="auto")


class NodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="node.id")
    node = serializers.CharField(source="node.label")
    coordinator = serializers.BooleanField(source="node.coordinator")
    active = serializers.BooleanField(source="node.active")
    holds_tenants = serializers.BooleanField(source="node.holds_tenants")
    tenants = serializers.IntegerField()
    size_bytes = serializers.IntegerField()


class PlannedMoveSerializer(serializers.Serializer[Any]):
    schema_name = serializers.CharField()
    source_node = serializers.CharField(source="source.label")
    target_node = serializers.CharField(source="target.label")
    size_bytes = serializers.IntegerField()

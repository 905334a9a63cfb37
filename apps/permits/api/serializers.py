from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.accounts.models import User
from apps.permits import certificate, selectors, workflow
from apps.permits.models import Permit, PermitEvent
from apps.rtrw.models import RukunTetangga


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PermitSerializer(serializers.ModelSerializer[Permit]):
    """A permit as its viewer may see it: the NIK only masked, never the files' storage paths."""

    status_label = serializers.CharField(source="get_status_display", read_only=True)
    risk_label = serializers.CharField(source="get_risk_level_display", read_only=True)
    applicant = serializers.SerializerMethodField()
    rt: serializers.StringRelatedField[Any] = serializers.StringRelatedField()
    lat = serializers.FloatField(read_only=True, allow_null=True)
    lng = serializers.FloatField(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    has_ktp_scan = serializers.SerializerMethodField()
    has_premises_photo = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text=_("Langkah yang boleh diambil pengguna ini sekarang."))
    certificate_url = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Permit
        fields = [
            "id",
            "status",
            "status_label",
            "status_reason",
            "applicant",
            "owner_name",
            "nik_masked",
            "business_name",
            "kbli_code",
            "kbli_title",
            "risk_level",
            "risk_label",
            "address",
            "lat",
            "lng",
            "capital",
            "workers",
            "products",
            "rt",
            "nib",
            "nib_business_name",
            "number",
            "issued_at",
            "revoked_at",
            "submitted_at",
            "due_at",
            "overdue",
            "has_ktp_scan",
            "has_premises_photo",
            "actions",
            "certificate_url",
            "verification_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _request(self) -> Any:
        return self.context.get("request")

    @extend_schema_field(PersonSerializer)
    def get_applicant(self, obj: Permit) -> dict[str, Any]:
        return {"id": obj.applicant_id, "name": str(obj.applicant)}

    def get_overdue(self, obj: Permit) -> bool:
        return obj.is_overdue()

    def get_has_ktp_scan(self, obj: Permit) -> bool:
        return bool(obj.ktp_scan)

    def get_has_premises_photo(self, obj: Permit) -> bool:
        return bool(obj.premises_photo)

    def get_actions(self, obj: Permit) -> list[str]:
        request = self._request()
        return selectors.available_actions(obj, request.user) if request is not None else []

    def get_certificate_url(self, obj: Permit) -> str | None:
        request = self._request()
        if obj.status not in (workflow.ISSUED, workflow.REVOKED) or request is None:
            return None
        return request.build_absolute_uri(f"/api/v1/permits/{obj.pk}/certificate/")

    def get_verification_url(self, obj: Permit) -> str | None:
        request = self._request()
        if not obj.verification_token or request is None:
            return None
        # The tenant's address is read once per response (a list shares this context), not per permit.
        memo = cast(dict[str, Any], self.context)
        site = memo.get("_tenant_site")
        if site is None:
            site = memo["_tenant_site"] = request.tenant.url("")
        return f"{site}{certificate.verification_path(obj.verification_token)}"


class PermitCreateSerializer(serializers.Serializer[Any]):
    applicant = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Hanya petugas: pemohon yang diwakili. Kosong = diri sendiri."),
    )
    nik = serializers.CharField(write_only=True, max_length=24, help_text=_("16 digit; disimpan terenkripsi."))
    owner_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    business_name = serializers.CharField(max_length=150)
    kbli_code = serializers.CharField(max_length=5, help_text=_("KBLI 2020, 5 digit (lihat /kbli/)."))
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    capital = serializers.IntegerField(help_text=_("Rupiah, di luar tanah dan bangunan; paling banyak 1.000.000.000."))
    workers = serializers.IntegerField(min_value=0)
    products = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    ktp_scan = serializers.FileField(required=False, allow_null=True, help_text=_("JPEG/PNG/PDF, maks. 2 MB."))
    premises_photo = serializers.FileField(required=False, allow_null=True, help_text=_("JPEG/PNG, maks. 2 MB."))
    rt = serializers.PrimaryKeyRelatedField(queryset=RukunTetangga.objects.all(), required=False, allow_null=True)
    submit = serializers.BooleanField(required=False, default=False, help_text=_("Langsung ajukan."))


class PermitUpdateSerializer(serializers.Serializer[Any]):
    nik = serializers.CharField(write_only=True, max_length=24, required=False, allow_blank=True)
    owner_name = serializers.CharField(required=False, max_length=150)
    business_name = serializers.CharField(required=False, max_length=150)
    kbli_code = serializers.CharField(required=False, max_length=5)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    capital = serializers.IntegerField(required=False)
    workers = serializers.IntegerField(required=False, min_value=0)
    products = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    ktp_scan = serializers.FileField(required=False)
    premises_photo = serializers.FileField(required=False)
    rt = serializers.PrimaryKeyRelatedField(queryset=RukunTetangga.objects.all(), required=False)


class StepSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=_("Wajib untuk return, reject dan revoke; catatan untuk langkah lain."),
    )


class NibSerializer(serializers.Serializer[Any]):
    nib = serializers.CharField(max_length=20, help_text=_("13 digit"))


class NikSearchSerializer(serializers.Serializer[Any]):
    nik = serializers.CharField(write_only=True, max_length=24)


class PermitEventSerializer(serializers.ModelSerializer[PermitEvent]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor = serializers.SerializerMethodField()
    actor_role_label = serializers.CharField(source="get_actor_role_display", read_only=True)
    permit = serializers.IntegerField(source="subject_id", read_only=True)
    reason = serializers.CharField(source="note", read_only=True)

    class Meta:
        model = PermitEvent
        fields = [
            "id",
            "permit",
            "action",
            "action_label",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "actor_role_label",
            "reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_actor(self, obj: PermitEvent) -> str | None:
        return str(obj.actor) if obj.actor is not None else None


class KbliSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    title = serializers.CharField()
    section = serializers.CharField()
    risk_level = serializers.ChoiceField(source="risk", choices=Permit.Risk.choices)


class QueueItemSerializer(serializers.Serializer[Any]):
    permit = PermitSerializer()
    overdue = serializers.BooleanField()
    mine = serializers.BooleanField(help_text=_("Menunggu tindakan pengguna ini."))


class VerificationSerializer(serializers.Serializer[Any]):
    valid = serializers.BooleanField()
    status = serializers.ChoiceField(choices=[workflow.ISSUED, workflow.REVOKED])
    number = serializers.CharField()
    business_name = serializers.CharField()
    kbli_code = serializers.CharField()
    kbli_title = serializers.CharField()
    issued_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    owner = serializers.CharField(help_text=_("Nama pemilik tersamar"))
    kelurahan = serializers.CharField()

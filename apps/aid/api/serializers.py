from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.aid.models import (
    Beneficiary,
    Distribution,
    Enrolment,
    FundingSource,
    ImportBatch,
    Program,
    TargetType,
)
from apps.core.files import private_url
from apps.core.nik import age_on


class IdListField(serializers.ListField):
    """Ids in, ids out; reads a many-to-many manager. Unknown ids are the service's to judge."""

    def to_representation(self, data: Any) -> list[Any]:
        if hasattr(data, "all"):
            data = sorted(obj.pk for obj in data.all())
        return super().to_representation(data)


class ProgramSerializer(serializers.ModelSerializer[Program]):
    target_type = serializers.ChoiceField(choices=TargetType.choices)
    funding_source = serializers.ChoiceField(choices=FundingSource.choices)
    allowed_rts = IdListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text=_("ID RT sasaran (lihat /api/v1/rt/); kosong = semua RT."),
    )
    excludes = IdListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        default=list,
        help_text=_("ID program yang tidak boleh diterima bersamaan (berlaku dua arah)."),
    )
    active_count = serializers.SerializerMethodField()

    class Meta:
        model = Program
        fields = [
            "id",
            "name",
            "description",
            "target_type",
            "funding_source",
            "start_date",
            "end_date",
            "quota",
            "amount",
            "max_household_income",
            "min_age",
            "max_age",
            "allowed_rts",
            "excludes",
            "active_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "active_count", "created_at", "updated_at"]
        extra_kwargs = {"name": {"validators": []}, "quota": {"min_value": 1}}

    def get_active_count(self, obj: Program) -> int:
        count = getattr(obj, "active_count", None)
        if count is None:
            count = obj.enrolments.filter(status=Enrolment.Status.ACTIVE).count()
        return int(count)


class BeneficiarySerializer(serializers.ModelSerializer[Beneficiary]):
    """Personal data: the NIK and No. KK go in, only their masked forms come out."""

    nik = serializers.CharField(write_only=True, max_length=32, help_text=_("16 digit; tidak pernah dikembalikan."))
    kk = serializers.CharField(
        write_only=True, max_length=32, required=False, allow_blank=True, help_text=_("16 digit; opsional.")
    )
    rw = serializers.IntegerField(write_only=True, min_value=1)
    rt = serializers.IntegerField(write_only=True, min_value=1)
    rt_label = serializers.CharField(source="rt.__str__", read_only=True)
    age = serializers.SerializerMethodField()
    user: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            "nik",
            "kk",
            "nik_masked",
            "kk_masked",
            "name",
            "address",
            "rw",
            "rt",
            "rt_label",
            "sex",
            "age",
            "household_income",
            "user",
            "created_at",
        ]
        read_only_fields = ["id", "nik_masked", "kk_masked", "sex", "age", "user", "created_at"]
        extra_kwargs = {"household_income": {"min_value": 0}}

    def get_age(self, obj: Beneficiary) -> int:
        return age_on(obj.birth_date, timezone.localdate())


class NikLookupSerializer(serializers.Serializer[Any]):
    nik = serializers.CharField(max_length=32)


class EnrolmentSerializer(serializers.ModelSerializer[Enrolment]):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    beneficiary = serializers.PrimaryKeyRelatedField(queryset=Beneficiary.objects.all())
    program_name = serializers.CharField(source="program.name", read_only=True)
    beneficiary_name = serializers.CharField(source="beneficiary.name", read_only=True)
    nik_masked = serializers.CharField(source="beneficiary.nik_masked", read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "program",
            "program_name",
            "beneficiary",
            "beneficiary_name",
            "nik_masked",
            "status",
            "source",
            "created_at",
        ]
        read_only_fields = ["id", "status", "source", "created_at"]
        validators: list[Any] = []


class DistributionSerializer(serializers.ModelSerializer[Distribution]):
    enrolment = serializers.PrimaryKeyRelatedField(queryset=Enrolment.objects.all())
    program = serializers.IntegerField(source="enrolment.program_id", read_only=True)
    program_name = serializers.CharField(source="enrolment.program.name", read_only=True)
    beneficiary = serializers.IntegerField(source="enrolment.beneficiary_id", read_only=True)
    beneficiary_name = serializers.CharField(source="enrolment.beneficiary.name", read_only=True)
    nik_masked = serializers.CharField(source="enrolment.beneficiary.nik_masked", read_only=True)
    officer_name = serializers.SerializerMethodField()
    proof_url = serializers.SerializerMethodField()
    amount = serializers.IntegerField(required=False, min_value=0)
    period = serializers.CharField(max_length=7)

    class Meta:
        model = Distribution
        fields = [
            "id",
            "enrolment",
            "program",
            "program_name",
            "beneficiary",
            "beneficiary_name",
            "nik_masked",
            "period",
            "amount",
            "status",
            "distributed_on",
            "officer_name",
            "failure_reason",
            "proof_url",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "distributed_on", "failure_reason", "updated_at"]
        validators: list[Any] = []

    def get_officer_name(self, obj: Distribution) -> str | None:
        return str(obj.officer) if obj.officer else None

    def get_proof_url(self, obj: Distribution) -> str | None:
        """Staff-only URL that sends the photo (private files are never linked directly)."""
        return private_url(obj, "proof") or None


class DistributeSerializer(serializers.Serializer[Any]):
    distributed_on = serializers.DateField()
    proof = serializers.FileField(
        required=False, allow_empty_file=True, help_text=_("Foto JPEG/PNG/WebP, maks. 2 MB (multipart).")
    )


class FailSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=1000, allow_blank=True)


class PlanPeriodSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(max_length=7, help_text=_("TTTT-BB"))


class PlanPeriodResultSerializer(serializers.Serializer[Any]):
    created = serializers.IntegerField()


class ConflictProgramSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class ConflictEnrolmentSerializer(serializers.Serializer[Any]):
    enrolment = serializers.IntegerField(source="pk")
    program = serializers.IntegerField(source="program_id")
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    name = serializers.CharField(source="beneficiary.name")
    nik_masked = serializers.CharField(source="beneficiary.nik_masked")
    kk_masked = serializers.CharField(source="beneficiary.kk_masked")
    rt = serializers.CharField(source="beneficiary.rt.__str__")


class ConflictSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=["exclusion", "duplicate", "over_quota"])
    message = serializers.CharField()
    programs = ConflictProgramSerializer(many=True)
    enrolments = ConflictEnrolmentSerializer(many=True)


class ImportUploadSerializer(serializers.Serializer[Any]):
    program = serializers.PrimaryKeyRelatedField(queryset=Program.objects.all())
    file = serializers.FileField(
        help_text=_("Berkas .xlsx atau .csv: kolom NIK, No KK, Nama, Alamat, RT, RW, Penghasilan.")
    )


class RowErrorSerializer(serializers.Serializer[Any]):
    line = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    who = serializers.CharField(help_text=_("NIK yang disamarkan"))


class ImportBatchSerializer(serializers.ModelSerializer[ImportBatch]):
    id = serializers.UUIDField(source="uuid", read_only=True)
    program_name = serializers.CharField(source="program.name", read_only=True)
    valid_rows = serializers.SerializerMethodField()
    row_errors = RowErrorSerializer(source="errors", many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "program",
            "program_name",
            "file_name",
            "status",
            "row_count",
            "valid_rows",
            "row_errors",
            "created_at",
            "confirmed_at",
            "job_phase",  # "preview" (the dry run) or "apply" (the confirm), each a background job
            "job_state",  # poll until "done" (or "failed")
            "progress_done",
            "progress_total",
            "job_error",
        ]
        read_only_fields = fields

    def get_valid_rows(self, obj: ImportBatch) -> int:
        return max(obj.row_count - len(obj.errors), 0)

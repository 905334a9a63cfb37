"""Export of distributions (xlsx/csv) with django-import-export: masked NIK only, and cells that
a spreadsheet would run as a formula are neutralised."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX

from .models import Distribution

FORMATS: dict[str, Any] = {"xlsx": XLSX, "csv": CSV}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class DistributionResource(resources.ModelResource):
    program = fields.Field(attribute="enrolment__program__name", column_name="Program")
    period = fields.Field(attribute="period", column_name="Periode")
    name = fields.Field(attribute="enrolment__beneficiary__name", column_name="Nama")
    nik = fields.Field(attribute="enrolment__beneficiary__nik_masked", column_name="NIK (disamarkan)")
    kk = fields.Field(attribute="enrolment__beneficiary__kk_masked", column_name="No. KK (disamarkan)")
    rt = fields.Field(column_name="RT/RW")
    amount = fields.Field(attribute="amount", column_name="Nilai (Rp)")
    status = fields.Field(column_name="Status")
    distributed_on = fields.Field(column_name="Tanggal disalurkan")
    officer = fields.Field(column_name="Petugas")
    failure_reason = fields.Field(attribute="failure_reason", column_name="Alasan gagal")

    class Meta:
        model = Distribution
        fields = (
            "id",
            "program",
            "period",
            "name",
            "nik",
            "kk",
            "rt",
            "amount",
            "status",
            "distributed_on",
            "officer",
            "failure_reason",
        )
        export_order = (
            "id",
            "program",
            "period",
            "name",
            "nik",
            "kk",
            "rt",
            "amount",
            "status",
            "distributed_on",
            "officer",
            "failure_reason",
        )

    def dehydrate_rt(self, obj: Distribution) -> str:
        rt = obj.enrolment.beneficiary.rt
        return f"{rt.number:02d}/{rt.rw.number:02d}"

    def dehydrate_status(self, obj: Distribution) -> str:
        return str(obj.get_status_display())

    def dehydrate_distributed_on(self, obj: Distribution) -> str:
        return obj.distributed_on.isoformat() if obj.distributed_on else ""

    def dehydrate_officer(self, obj: Distribution) -> str:
        return str(obj.officer) if obj.officer else ""

    def export_field(self, field: Any, instance: Any, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        if isinstance(value, str) and value.startswith(_FORMULA_START):
            return "'" + value
        return value


def export_distributions(queryset: QuerySet[Distribution], file_format: str) -> tuple[bytes, str, str]:
    """(content, content type, extension) of the distributions as xlsx or csv."""
    fmt = FORMATS[file_format]()
    dataset = DistributionResource().export(queryset=queryset)
    data = fmt.export_data(dataset)
    content = data.encode("utf-8-sig") if isinstance(data, str) else bytes(data)
    return content, fmt.get_content_type(), file_format

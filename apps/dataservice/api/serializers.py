"""Shapes of the data API's answers (used for the output and for the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class BoundSerializer(serializers.Serializer[Any]):
    metric = serializers.CharField()
    field = serializers.CharField(help_text="value, count atau distinct")
    day = serializers.FloatField()
    week = serializers.FloatField()
    month = serializers.FloatField()


class BudgetPolicySerializer(serializers.Serializer[Any]):
    family = serializers.CharField()
    epsilon_per_release = serializers.FloatField(help_text="Dibelanjakan sekali per kelompok sel baru")
    epsilon_per_period = serializers.FloatField(help_text="Anggaran per bulan data dan wilayah anggaran")


class CataloguePrivacySerializer(serializers.Serializer[Any]):
    mechanism = serializers.CharField()
    note = serializers.CharField()
    budgets = BudgetPolicySerializer(many=True)


class IndicatorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Kode indikator, mis. `gmv`")
    family = serializers.CharField(help_text="Cakupan (scope) yang dibutuhkan kunci API")
    family_label = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField()
    dimension = serializers.CharField(allow_null=True, help_text="Rincian yang tersedia dengan breakdown=dimension")
    allowed = serializers.BooleanField(help_text="Kunci ini mempunyai cakupan indikator ini")
    contribution_bounds = BoundSerializer(many=True, help_text="Batas kontribusi satu entitas per sel")


class CatalogueSerializer(serializers.Serializer[Any]):
    privacy = CataloguePrivacySerializer()
    region_prefixes = serializers.ListField(child=serializers.CharField(), help_text="Wilayah yang boleh dibaca kunci")
    results = IndicatorSerializer(many=True)


class ResultRowSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    dimension = serializers.CharField(help_text="Nilai dimensi (sektor KBLI, kategori...), kosong untuk total")
    value = serializers.FloatField(allow_null=True, help_text="Nilai berderau; null bila ditahan atau tanpa nilai")
    error_95 = serializers.FloatField(allow_null=True, help_text="Setengah lebar selang 95% di sekitar nilai")
    epsilon = serializers.FloatField(allow_null=True, help_text="Epsilon yang dibelanjakan saat nilai pertama dirilis")
    mechanism = serializers.CharField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="Nilai ditahan (periode belum selesai)")
    reason = serializers.CharField(
        allow_null=True,
        help_text=("period_open, no_value (rasio tanpa penyebut) atau below_k (jawaban lebih sedikit dari k)"),
    )


class RegionRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class QueryPrivacySerializer(serializers.Serializer[Any]):
    mechanism = serializers.CharField()
    epsilon_spent = serializers.FloatField(help_text="Epsilon dibelanjakan permintaan ini (0 bila semua nilai ulangan)")
    epsilon_per_release = serializers.FloatField()
    epsilon_per_period = serializers.FloatField()
    confidence = serializers.FloatField()
    note = serializers.CharField()


class QueryResponseSerializer(serializers.Serializer[Any]):
    indicator = IndicatorSerializer()
    region = RegionRefSerializer()
    date_from = serializers.DateField(help_text="Awal periode pertama (diselaraskan ke granularitas)")
    date_to = serializers.DateField(help_text="Akhir periode terakhir (diselaraskan ke granularitas)")
    granularity = serializers.CharField()
    breakdown = serializers.CharField()
    privacy = QueryPrivacySerializer()
    suppressed_cells = serializers.IntegerField()
    results = ResultRowSerializer(many=True)


class UsageDaySerializer(serializers.Serializer[Any]):
    day = serializers.DateField()
    requests = serializers.IntegerField()
    rows = serializers.IntegerField()
    cells = serializers.IntegerField()
    suppressed_cells = serializers.IntegerField()
    throttled = serializers.IntegerField()


class UsageSerializer(serializers.Serializer[Any]):
    key_prefix = serializers.CharField()
    per_minute = serializers.IntegerField()
    per_day = serializers.IntegerField()
    results = UsageDaySerializer(many=True)


class BudgetSpendSerializer(serializers.Serializer[Any]):
    family = serializers.CharField()
    region_code = serializers.CharField(help_text="Wilayah anggaran (kecamatan, atau kota/provinsi)")
    period = serializers.CharField(help_text="Bulan data, YYYY-MM")
    spent = serializers.FloatField()
    remaining = serializers.FloatField()
    releases = serializers.IntegerField()


class BudgetSerializer(serializers.Serializer[Any]):
    budgets = BudgetPolicySerializer(many=True)
    results = BudgetSpendSerializer(many=True)

"""Shapes of the data API's answers (used for the output and for the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class IndicatorSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Kode indikator, mis. `gmv`")
    family = serializers.CharField(help_text="Cakupan (scope) yang dibutuhkan kunci API")
    family_label = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    unit = serializers.CharField()
    dimension = serializers.CharField(allow_null=True, help_text="Rincian yang tersedia dengan breakdown=dimension")
    allowed = serializers.BooleanField(help_text="Kunci ini mempunyai cakupan indikator ini")


class CatalogueSerializer(serializers.Serializer[Any]):
    k = serializers.IntegerField(help_text="Ambang k-anonimitas: sel dari kurang dari k entitas disembunyikan")
    region_prefixes = serializers.ListField(child=serializers.CharField(), help_text="Wilayah yang boleh dibaca kunci")
    results = IndicatorSerializer(many=True)


class ResultRowSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    region_code = serializers.CharField()
    region_name = serializers.CharField()
    dimension = serializers.CharField(help_text="Nilai dimensi (sektor KBLI, kategori...), kosong untuk total")
    value = serializers.FloatField(allow_null=True, help_text="null bila disembunyikan atau tidak ada data")
    entities = serializers.IntegerField(allow_null=True, help_text="Jumlah entitas berbeda di balik nilai")
    suppressed = serializers.BooleanField()
    reason = serializers.CharField(
        allow_null=True, help_text="below_k, complement, differencing, individual_disclosure atau period_overlap"
    )


class RegionRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class QueryResponseSerializer(serializers.Serializer[Any]):
    indicator = IndicatorSerializer()
    region = RegionRefSerializer()
    date_from = serializers.DateField(help_text="Awal periode pertama (diselaraskan ke granularitas)")
    date_to = serializers.DateField(help_text="Akhir periode terakhir (diselaraskan ke granularitas)")
    granularity = serializers.CharField()
    breakdown = serializers.CharField()
    k = serializers.IntegerField()
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

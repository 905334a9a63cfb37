from django.db.models import Count, QuerySet
from rest_framework import serializers, viewsets

from apps.rtrw.models import RukunTetangga


class RukunTetanggaSerializer(serializers.ModelSerializer[RukunTetangga]):
    rw = serializers.IntegerField(source="rw.number", read_only=True)
    name = serializers.CharField(source="__str__", read_only=True)
    ketua_name = serializers.CharField(source="ketua.__str__", read_only=True, default=None)
    residents = serializers.IntegerField(source="resident_count", read_only=True)  # annotated

    class Meta:
        model = RukunTetangga
        fields = ["id", "rw", "number", "name", "ketua_name", "residents"]


class RukunTetanggaViewSet(viewsets.ReadOnlyModelViewSet[RukunTetangga]):
    """RT units of this kelurahan with their RW and ketua."""

    serializer_class = RukunTetanggaSerializer

    def get_queryset(self) -> QuerySet[RukunTetangga]:
        return (
            RukunTetangga.objects.select_related("rw", "ketua")
            .annotate(resident_count=Count("residents"))
            .order_by("rw__number", "number")
        )

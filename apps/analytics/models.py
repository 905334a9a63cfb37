"""Daily facts of every tenant, rolled up into the public schema.

One row = one metric of one tenant on one day, optionally broken down by one dimension
(a KBLI sector, a product category, a report category...). This narrow table feeds the city
dashboards, the Data-as-a-Service API and tenant billing, so nothing outside a tenant ever
reads that tenant's own rows.

`entity_keys` holds anonymous keys (keyed hashes, see `apps.facts.metrics.entity_key`) of
the distinct entities (shops, households, reporters...) behind the value. They let a consumer
count distinct entities over any union of regions and days exactly, which is what k-anonymity
and the differencing auditor in `apps.analytics.privacy` need; they can never be turned back
into an id without the platform's key. `entity_values` / `entity_counts` hold each of those entities' own share.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import Tenant


class DailyFact(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="daily_facts")
    # Copied from tenant.region_id so regions of any level are a prefix match
    # ("35.77" = Kota Madiun, "35.77.03" = Kecamatan Taman).
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    day = models.DateField(_("tanggal"))
    metric = models.CharField(_("indikator"), max_length=64)
    # "" is the tenant's total for the metric; otherwise one value of the metric's dimension.
    dimension = models.CharField(_("rincian"), max_length=64, blank=True, default="")
    # Sum of the metric (a count, rupiah, minutes...); `count` is how many events made it,
    # so averages (e.g. resolution time) are value / count.
    value = models.BigIntegerField(_("nilai"), default=0)
    count = models.IntegerField(_("jumlah kejadian"), default=0)
    entity_keys = ArrayField(models.BigIntegerField(), default=list, blank=True)
    # Parallel to `entity_keys` (same order): each entity's own part of `value` and of `count`,
    # so a release can clamp every entity exactly (see FactRow). Empty on facts rolled up
    # before they existed (`manage.py rollup_facts` recomputes them) and on metrics whose
    # producer does not attribute them.
    entity_values = ArrayField(models.BigIntegerField(), default=list, blank=True)
    entity_counts = ArrayField(models.BigIntegerField(), default=list, blank=True)
    computed_at = models.DateTimeField(_("dihitung"), auto_now=True)

    class Meta:
        verbose_name = _("fakta harian")
        verbose_name_plural = _("fakta harian")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "day", "metric", "dimension"], name="analytics_fact_one_per_tenant_day"
            ),
            models.CheckConstraint(condition=models.Q(count__gte=0), name="analytics_fact_count_non_negative"),
        ]
        indexes = [
            models.Index(fields=["metric", "day", "region_code"], name="analytics_fact_metric_day"),
            models.Index(fields=["region_code", "day"], name="analytics_fact_region_day"),
        ]

    def __str__(self) -> str:
        return f"{self.region_code} {self.day} {self.metric}/{self.dimension}={self.value}"

    @property
    def entities(self) -> int:
        return len(self.entity_keys)

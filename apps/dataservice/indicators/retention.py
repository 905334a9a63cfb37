"""Active residents and trading UMKM per month (family `retention`), k-anonymous like the
satisfaction family: a cell of fewer than k residents or shops is suppressed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric

from .base import K_RESPONSES, Aggregate, Family, Indicator

RETENTION: tuple[Indicator, ...] = (
    Indicator(
        "active_residents",
        Family.RETENTION,
        _("Warga aktif"),
        _("warga"),
        Metric.ACTIVE_RESIDENTS,
        Aggregate.DISTINCT,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "umkm_trading",
        Family.RETENTION,
        _("UMKM yang bertransaksi"),
        _("usaha"),
        Metric.UMKM_TRADING,
        Aggregate.DISTINCT,
        min_responses=K_RESPONSES,
    ),
)

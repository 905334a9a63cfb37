"""Each fact carries every entity's own share of its value and count (DailyFact.entity_values /
entity_counts, parallel to entity_keys), which the data API clamps per entity."""

from __future__ import annotations

import datetime

import pytest

from apps.analytics import services
from apps.analytics.models import DailyFact
from apps.core.errors import ValidationFailed
from apps.dataservice.indicators import INDICATORS
from apps.facts.metrics import FactRow, Metric, entity_key
from apps.reports import services as reports

from .conftest import Town, at, sell, yesterday

pytestmark = pytest.mark.django_db


def _shares(fact: DailyFact) -> tuple[dict[int, int], dict[int, int]]:
    values = dict(zip(fact.entity_keys, fact.entity_values, strict=True)) if fact.entity_values else {}
    counts = dict(zip(fact.entity_keys, fact.entity_counts, strict=True)) if fact.entity_counts else {}
    return values, counts


def test_the_producers_write_each_shops_and_reporters_own_share(town: Town) -> None:
    day = yesterday()
    m = town.market
    sell(m, [(m.nasi, 2), (m.madumongso, 1)], day)  # Bu Sri 24.000, Bu Yati 18.000
    sell(m, [(m.sambal, 1)], day)  # Bu Sri again: 25.000
    w = town.world
    first = w.file(w.sampah, now=at(day, 8))
    w.file(w.jalan, north=30, reporter=w.tetangga, now=at(day, 9))
    reports.resolve(first, w.lurah, "Sudah diangkut", now=at(day, 14))

    services.rollup_tenant_day(town.tenant, day)

    schema = town.tenant.schema_name
    sri, yati = (entity_key("shop", schema, shop.pk) for shop in (m.pecel, m.oleh))
    got = {(f.metric, f.dimension): f for f in DailyFact.objects.filter(tenant=town.tenant, day=day)}
    assert _shares(got[(Metric.GMV, "")]) == ({sri: 49_000, yati: 18_000}, {sri: 2, yati: 1})
    assert _shares(got[(Metric.PLATFORM_FEES, "")])[1] == {sri: 2, yati: 1}
    assert _shares(got[(Metric.UNITS_SOLD, "")])[0] == {sri: 3, yati: 1}
    assert _shares(got[(Metric.GMV, "bumbu")]) == ({sri: 25_000}, {sri: 1})
    assert _shares(got[(Metric.UMKM_ACTIVE, "")])[0] == {sri: 1, yati: 1}  # a shop counts once
    assert _shares(got[(Metric.REPORTS_RESOLVED, "sampah")])[0] == {entity_key("user", schema, w.warga.pk): 6 * 60}
    assert len(_shares(got[(Metric.REPORTS_OPENED, "")])[0]) == 2
    released = {metric for indicator in INDICATORS for metric in indicator.metrics}
    for (metric, _dimension), fact in got.items():
        values, counts = _shares(fact)
        if metric not in released:
            continue
        # Every metric the data API releases is attributed, and (no anonymous report here) exactly.
        assert values, metric
        assert sum(values.values()) == fact.value, metric
        assert not counts or sum(counts.values()) == fact.count, metric


def test_merge_adds_up_the_shares_of_one_entity() -> None:
    rows = [
        FactRow(Metric.GMV, 100, 1, entity_keys=frozenset({9}), entity_values={9: 100}, entity_counts={9: 1}),
        FactRow(Metric.GMV, 70, 2, entity_keys=frozenset({8, 9}), entity_values={8: 50, 9: 20}, entity_counts={8: 2}),
    ]
    (merged,) = services.merge(rows)
    assert (merged.value, merged.entity_values, merged.entity_counts) == (170, {8: 50, 9: 120}, {8: 2, 9: 1})


@pytest.mark.parametrize(
    "row",
    [
        FactRow(Metric.GMV, 10, 1, entity_keys=frozenset({1}), entity_values={2: 10}),  # not an entity of the fact
        FactRow(Metric.GMV, 10, 1, entity_keys=frozenset({1, 2}), entity_values={1: 11, 2: -1}),  # negative
        FactRow(Metric.GMV, 10, 1, entity_keys=frozenset({1, 2}), entity_counts={1: 1, 2: 1}),  # more than count
    ],
)
def test_shares_that_do_not_fit_their_fact_are_refused(
    town: Town, monkeypatch: pytest.MonkeyPatch, row: FactRow
) -> None:
    day = yesterday() - datetime.timedelta(days=3)
    monkeypatch.setattr(services, "producers", lambda: [lambda _day: [row]])
    with pytest.raises(ValidationFailed):
        services.rollup_tenant_day(town.tenant, day)
    assert not DailyFact.objects.filter(tenant=town.tenant, day=day).exists()

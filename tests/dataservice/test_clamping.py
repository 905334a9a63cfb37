"""Exact per-entity clamping: each entity's own share of the facts (DailyFact.entity_values /
entity_counts), summed over the period and clamped at the contribution bound, so one shop far
above the others in its tenant-day moves a released cell by at most the bound."""

from __future__ import annotations

import datetime
import logging

import pytest

from apps.dataservice import dp, selectors
from apps.dataservice.indicators import BY_CODE, GMV_BOUND, ORDERS_BOUND, FactRow, Part, contributions
from apps.facts.metrics import Metric

from .conftest import JAN, Facts, api, entity_keys, get

BIG = 50_000_000  # one shop's sales in the tenant-day
SMALL = [400_000, 250_000, 900_000, 120_000]  # four small shops of the same tenant-day


def _month_total(indicator: str, part: int = 0, **params: str) -> dict[int, float]:
    query = selectors.parse_query(
        {"indicator": indicator, "region": "35.77.03.1001", "from": "2026-01-01", "to": "2026-01-31"}
        | {"granularity": "month"}
        | params
    )
    return selectors.build_tables(query)[0].total.parts[part]


def test_the_clamped_total_is_the_sum_of_each_entitys_contribution_up_to_the_bound() -> None:
    shares = {1: float(BIG), 2: 400_000.0, 3: 250_000.0, 4: 900_000.0, 5: 120_000.0}
    expected = min(BIG, GMV_BOUND.month) + sum(SMALL)
    assert dp.clamped_total(shares, GMV_BOUND.month) == expected
    # Sensitivity: removing any one shop moves the total by at most the bound.
    for key in shares:
        without = {k: v for k, v in shares.items() if k != key}
        assert dp.clamped_total(shares, GMV_BOUND.month) - dp.clamped_total(without, GMV_BOUND.month) <= (
            GMV_BOUND.month
        )


@pytest.mark.django_db
def test_one_big_shop_in_a_tenant_day_is_bounded_exactly(facts: Facts) -> None:
    shops = entity_keys(5)
    values = [BIG, *SMALL]
    facts.add("35.77.03.1001", Metric.GMV, sum(values), shops, count=60, values=values, counts=[40, 5, 5, 5, 5])

    gmv = _month_total("gmv")
    assert gmv == {k: float(v) for k, v in zip(shops, values, strict=True)}
    clamped = dp.clamped_total(gmv, GMV_BOUND.month)
    assert clamped == sum(min(v, GMV_BOUND.month) for v in values) == GMV_BOUND.month + sum(SMALL)
    # Without the big shop the cell moves by exactly the bound: the sensitivity the noise assumes.
    assert clamped - dp.clamped_total({k: v for k, v in gmv.items() if k != shops[0]}, GMV_BOUND.month) == (
        GMV_BOUND.month
    )
    orders = _month_total("orders")
    assert dp.clamped_total(orders, ORDERS_BOUND.month) == 40 + 20  # all below the bound of 150


@pytest.mark.django_db
def test_the_equal_split_of_a_legacy_fact_does_not_bound_the_big_shop(
    facts: Facts, caplog: pytest.LogCaptureFixture
) -> None:
    """Why the shares are needed: split equally, the big shop's 50 jt become 10.3 jt per shop and
    its removal moves the clamped total by far more than the bound. Such facts are logged."""
    shops = entity_keys(5)
    facts.add("35.77.03.1001", Metric.GMV, BIG + sum(SMALL), shops, count=60)  # no shares: legacy
    with caplog.at_level(logging.WARNING, logger="apps.dataservice.selectors"):
        gmv = _month_total("gmv")
    assert "no per-entity shares" in caplog.text
    assert len(set(gmv.values())) == 1  # every shop the same share
    with_big = dp.clamped_total(gmv, GMV_BOUND.month)
    truly_without_big = dp.clamped_total({k: float(v) for k, v in zip(shops[1:], SMALL, strict=True)}, GMV_BOUND.month)
    assert with_big - truly_without_big > 4 * GMV_BOUND.month  # 48.3 jt for a bound of 10 jt


@pytest.mark.django_db
def test_an_entity_is_clamped_over_the_sum_of_its_days_and_per_granularity(facts: Facts) -> None:
    big, small = entity_keys(2)
    for day in (JAN, JAN + datetime.timedelta(days=1)):
        facts.add("35.77.03.1001", Metric.GMV, 8_000_000 + 300_000, [big, small], day=day, values=[8_000_000, 300_000])
    month = _month_total("gmv")
    assert month == {big: 16_000_000.0, small: 600_000.0}
    assert dp.clamped_total(month, GMV_BOUND.month) == GMV_BOUND.month + 600_000  # 16 jt > 10 jt over the month
    query = selectors.parse_query(
        {"indicator": "gmv", "region": "35.77.03.1001", "from": "2026-01-01", "to": "2026-01-02", "granularity": "day"}
    )
    for table in selectors.build_tables(query):
        assert dp.clamped_total(table.total.parts[0], GMV_BOUND.day) == GMV_BOUND.day + 300_000


@pytest.mark.django_db
def test_a_shop_in_two_categories_is_clamped_jointly_from_its_own_shares(facts: Facts) -> None:
    big, small = entity_keys(2)
    facts.add("35.77.03.1001", Metric.GMV, 9_000_000, [big, small], dimension="makanan", values=[8_000_000, 1_000_000])
    facts.add("35.77.03.1001", Metric.GMV, 8_000_000, [big], dimension="bumbu", values=[8_000_000])
    query = selectors.parse_query(
        {"indicator": "gmv", "region": "35.77.03.1001", "from": "2026-01-01", "to": "2026-01-31"}
        | {"granularity": "month", "breakdown": "dimension"}
    )
    table = selectors.build_tables(query)[0]
    cells = {c.dimension: c.parts[0] for c in table.children}
    assert cells == {"bumbu": {big: 8_000_000.0}, "makanan": {big: 8_000_000.0, small: 1_000_000.0}}
    bumbu, makanan = dp.clamp_group([cells["bumbu"], cells["makanan"]], GMV_BOUND.month)
    # The big shop's 16 jt over both categories are scaled to 10 jt in all: 5 jt each.
    assert (bumbu, makanan) == (5_000_000, 5_000_000 + 1_000_000)


def test_a_part_of_a_fact_no_entity_holds_is_not_released() -> None:
    """An anonymous report is in the fact's value but in no reporter's share: it cannot be
    bounded, so it is left out (as a fact without entity keys is)."""
    row = FactRow(Metric.REPORTS_OPENED, value=5, count=0, entity_keys=[7, 9], entity_values=[1, 2])
    assert contributions(Part(Metric.REPORTS_OPENED, "value", GMV_BOUND), [row]) == {7: 1.0, 9: 2.0}
    assert contributions(Part(Metric.REPORTS_OPENED, "distinct", GMV_BOUND), [row]) == {7: 1.0, 9: 1.0}


@pytest.mark.django_db
def test_the_api_releases_the_exactly_clamped_sum(key: tuple[object, str], facts: Facts, exact: None) -> None:
    _api_key, raw = key
    shops = entity_keys(5)
    values = [BIG, *SMALL]
    facts.add("35.77.03.1001", Metric.GMV, sum(values), shops, count=200, values=values, counts=[180, 5, 5, 5, 5])
    body = get(api(raw), indicator="gmv", region="35.77.03.1001").json()
    assert body["results"][0]["value"] == GMV_BOUND.month + sum(SMALL)
    orders = get(api(raw), indicator="orders", region="35.77.03.1001").json()
    assert orders["results"][0]["value"] == ORDERS_BOUND.month + 20
    assert BY_CODE["gmv"].parts[0].bound == GMV_BOUND

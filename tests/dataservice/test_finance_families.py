"""The finance families of the data API (issue 20): levies, invoices and invoice financing.
Every released cell needs at least k contributors (payers or shops), counted by a noisy number
of distinct entities released for the threshold alone (`Indicator.k_by_entities`)."""

from __future__ import annotations

import pytest

from apps.dataservice import release
from apps.dataservice.indicators import BY_CODE, K_CONTRIBUTORS, Family
from apps.dataservice.models import ApiKey
from apps.facts.metrics import Metric

from .conftest import Facts, MakeKey, api, entity_keys, get

pytestmark = pytest.mark.django_db
A, B = "35.77.03.1001", "35.77.03.1002"


def test_every_finance_indicator_needs_k_contributors_counted_by_a_noisy_distinct_part() -> None:
    finance = [i for i in BY_CODE.values() if i.family in (Family.LEVIES, Family.INVOICES, Family.FINANCING)]
    assert len(finance) == 14
    for indicator in finance:
        assert indicator.min_responses == K_CONTRIBUTORS == 5, indicator.code
        last = indicator.parts[-1]
        assert (last.metric, last.field) == (indicator.metric, "distinct"), indicator.code


def test_a_kelurahan_of_fewer_than_k_shops_is_suppressed(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _key, raw = key
    six, two = entity_keys(6), entity_keys(2)
    facts.add(A, Metric.INVOICES_ISSUED, 6_000_000, six, count=6, values=[1_000_000] * 6, counts=[1] * 6)
    facts.add(B, Metric.INVOICES_ISSUED, 9_000_000, two, count=3, values=[4_000_000, 5_000_000], counts=[1, 2])
    answer = get(api(raw), indicator="invoices_value", region="35.77.03", breakdown="region")
    assert answer.status_code == 200, answer.content
    cells = {r["region_code"]: r for r in answer.json()["results"]}
    assert cells[A]["value"] == 6_000_000 and not cells[A]["suppressed"]
    # Two shops: not released, whatever their (large) amounts.
    assert cells[B] | {"region_name": ""} == cells[B] | {
        "region_name": "",
        "value": None,
        "error_95": None,
        "suppressed": True,
        "reason": "below_k",
    }
    # The kecamatan holds 8 shops: released (every share within the 50 jt monthly bound).
    assert cells["35.77.03"]["value"] == 6_000_000 + 4_000_000 + 5_000_000
    # A kelurahan without any invoice has no contributor either.
    assert cells["35.77.03.1003"]["reason"] == "below_k"


def test_ratio_of_a_finance_family_with_its_threshold_part(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _key, raw = key
    shops = entity_keys(5)
    facts.add(
        A, Metric.INVOICE_PAY_DAYS, 10 + 20 + 30 + 40 + 50, shops, count=5, values=[10, 20, 30, 40, 50], counts=[1] * 5
    )
    facts.add(
        A, Metric.INVOICE_PAY_DAYS, 60, shops[:2], count=2, dimension="pemerintah", values=[20, 40], counts=[1, 1]
    )
    answer = get(api(raw), indicator="invoice_days_to_pay", region=A, breakdown="dimension").json()
    days = {r["dimension"]: (r["value"], r["reason"]) for r in answer["results"]}
    assert days == {"": (30.0, None), "pemerintah": (None, "below_k")}


def test_levies_by_levy_at_the_kota_and_a_key_without_the_scope(make_key: MakeKey, facts: Facts, exact: None) -> None:
    _key, raw = make_key()
    payers = entity_keys(7)
    facts.add("35.77", Metric.LEVY_BILLED, 700_000, payers, count=7, values=[100_000] * 7, counts=[1] * 7)
    facts.add(
        "35.77", Metric.LEVY_BILLED, 600_000, payers[:6], count=6, dimension="SMP", values=[100_000] * 6, counts=[1] * 6
    )
    facts.add("35.77", Metric.LEVY_BILLED, 100_000, payers[6:], count=1, dimension="PSR", values=[100_000], counts=[1])
    facts.add("35.77", Metric.LEVY_COLLECTED, 350_000, payers[:5], count=5, values=[70_000] * 5, counts=[1] * 5)
    facts.add(
        "35.77",
        Metric.LEVY_COLLECTED,
        350_000,
        payers[:5],
        count=5,
        dimension="SMP",
        values=[70_000] * 5,
        counts=[1] * 5,
    )
    billed = get(api(raw), indicator="levy_billed", region="35.77", breakdown="dimension").json()
    assert {r["dimension"]: r["value"] for r in billed["results"]} == {"": 700_000, "SMP": 600_000, "PSR": None}
    rate = get(api(raw), indicator="levy_collection_rate", region="35.77").json()
    assert rate["results"][0]["value"] == 50.0
    _key, other = make_key(name="tanpa retribusi", scopes=["umkm", "invoices"])
    refused = get(api(other), indicator="levy_collected", region="35.77")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "scope_denied"


def test_the_threshold_reads_the_noisy_count_not_the_exact_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """Five exact contributors whose noisy count comes out below k are suppressed (the decision
    is post-processing of the released count), and two whose noisy count is above k are not."""
    indicator = BY_CODE["financing_disbursed"]
    shifts = iter([[0.0], [-1.5], [0.0], [3.5]])

    def noise(values: list[float], scale: float, epsilon: float, sensitivity: float) -> list[float]:
        return [v + s for v, s in zip(values, next(shifts), strict=True)]

    from apps.dataservice.selectors import RawCell

    five = RawCell(A, "", (dict.fromkeys(range(5), 1000000.0), dict.fromkeys(range(5), 1.0)))
    two = RawCell(B, "", (dict.fromkeys(range(2), 1000000.0), dict.fromkeys(range(2), 1.0)))
    assert release.noisy_values(indicator, "month", [five], 0.5, noise) == [(None, None)]
    [(value, error)] = release.noisy_values(indicator, "month", [two], 0.5, noise)
    assert value == 2_000_000 and error is not None

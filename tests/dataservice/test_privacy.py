"""Differential privacy of the data API: noise from OpenDP with contribution bounds, one shared
budget per family, month and region for every partner, the same answer for the same cell, and
the attacks that defeated suppression (two colluding partners, three-cell isolation, dimension
versus total, repetition) — each asserted statistically with a seeded Laplace of the same scale.
"""

from __future__ import annotations

import datetime
import statistics
import threading
from typing import Any

import numpy as np
import pytest
from django.db import connections
from django.test import Client

from apps.analytics.models import DailyFact
from apps.dataservice import dp, release, selectors, services
from apps.dataservice.indicators import BY_CODE, GMV_BOUND, ORDERS_BOUND
from apps.dataservice.models import ApiKey, BudgetSpend, Partner, PrivacyBudget, ReleasedValue
from apps.facts.metrics import Metric
from tests.conftest import TenantSet

from .conftest import Facts, MakeKey, api, entity_keys, get

TRIALS = 4000


def first(body: dict[str, Any]) -> dict[str, Any]:
    return body["results"][0]


def by_place(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["dimension"] or r["region_code"]: r for r in body["results"]}


def second_partner(make_key: MakeKey, name: str = "Bank Mitra Kedua") -> str:
    other = services.ensure_partner(name=name)
    _key, raw = make_key(partner=other, name="kedua")
    return raw


class Fresh:
    """Fresh releases of one query's cells with a given noise (no budget, nothing stored): what
    the API would have answered had each been the first request. The raw cells are read once."""

    def __init__(self, **params: str) -> None:
        self.query = selectors.parse_query({"from": "2026-01-01", "to": "2026-01-31", **params})
        self.table = selectors.build_tables(self.query)[0]

    def __call__(self, noise: dp.Noise) -> dict[str, float]:
        out: dict[str, float] = {}
        for group in ([self.table.total], self.table.children):
            if not group:
                continue
            values = release.noisy_values(self.query.indicator, self.query.granularity, group, 0.5, noise)
            for cell, (value, _error) in zip(group, values, strict=True):
                assert value is not None
                out[cell.dimension or cell.region_code] = value
        return out


def recovered_share(errors: list[float], own_value: float) -> float:
    """Share of trials in which the attacker's estimate lands within the shop's own value."""
    return sum(1 for e in errors if abs(e) < own_value) / len(errors)


# --- mechanism, bounds and the shared answer ----------------------------------------------------


@pytest.mark.django_db
def test_each_value_states_mechanism_epsilon_and_its_95_percent_error(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 2_500_000, entity_keys(4), count=30)
    body = get(api(raw), indicator="gmv", region="35.77.03.1001").json()
    cell = first(body)
    scale = GMV_BOUND.month / 0.5
    assert cell["mechanism"] == "laplace (OpenDP 0.16)" and cell["epsilon"] == 0.5
    assert cell["error_95"] == pytest.approx(scale * np.log(1 / 0.05), rel=1e-6)
    assert cell["value"] != 2_500_000  # noise (equal with probability 0)
    assert body["privacy"] == body["privacy"] | {"epsilon_spent": 0.5, "epsilon_per_period": 20.0, "confidence": 0.95}
    assert "entities" not in cell  # an exact count of shops would itself disclose


@pytest.mark.django_db
def test_a_shop_above_its_contribution_bound_is_clamped(key: tuple[ApiKey, str], facts: Facts, exact: None) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000_000, entity_keys(1), count=400)  # one giant
    facts.add("35.77.03.1001", Metric.GMV, 3_000_000, entity_keys(3), count=9)
    assert first(get(api(raw), indicator="gmv", region="35.77.03.1001").json())["value"] == GMV_BOUND.month + 3_000_000
    orders = first(get(api(raw), indicator="orders", region="35.77.03.1001").json())
    assert orders["value"] == ORDERS_BOUND.month + 9


def test_a_group_is_clamped_jointly_over_its_cells() -> None:
    """An entity in two categories adds at most the bound over both (L1), not per category."""
    assert dp.clamp_group([{1: 80.0, 2: 10.0}, {1: 120.0}], bound=100.0) == [50.0, 60.0]
    assert dp.clamp_group([{1: -5.0, 2: 10.0}], bound=100.0) == [10.0]


def test_opendp_refuses_a_scale_that_would_spend_more_than_epsilon() -> None:
    with pytest.raises(ValueError, match="spends"):
        dp.opendp_noise([1.0], scale=1.0, epsilon=0.5, sensitivity=1.0)
    assert len(dp.opendp_noise([1.0, 2.0], scale=dp.scale_for(1.0, 0.5), epsilon=0.5, sensitivity=1.0)) == 2


@pytest.mark.django_db
def test_the_same_cell_gets_the_same_answer_for_every_partner_and_is_paid_once(
    key: tuple[ApiKey, str], make_key: MakeKey, facts: Facts
) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, entity_keys(6), count=20)
    one = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region").json()
    spent = sorted(BudgetSpend.objects.values_list("region_code", "period", "spent"))
    assert spent == [("35.77.03", datetime.date(2026, 1, 1), 1.0)]  # the total and the breakdown
    for _ in range(5):
        again = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region").json()
        assert again["results"] == one["results"] and again["privacy"]["epsilon_spent"] == 0
    theirs = get(api(second_partner(make_key)), indicator="gmv", region="35.77.03.1001").json()
    assert first(theirs)["value"] == by_place(one)["35.77.03.1001"]["value"]
    assert sorted(BudgetSpend.objects.values_list("region_code", "period", "spent")) == spent
    assert ReleasedValue.objects.filter(region_code="35.77.03.1001").count() == 1


@pytest.mark.django_db
def test_periods_not_yet_over_are_withheld_and_spend_nothing(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    today = datetime.date.today()
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, entity_keys(6), count=20, day=today)
    cell = first(
        get(api(raw), indicator="gmv", region="35.77.03.1001", **{"from": str(today), "to": str(today)}).json()
    )
    assert cell == cell | {"value": None, "suppressed": True, "reason": "period_open"}
    assert not BudgetSpend.objects.exists() and not ReleasedValue.objects.exists()


@pytest.mark.django_db
def test_a_week_across_two_months_is_charged_to_both_and_kota_cells_to_every_kecamatan(
    key: tuple[ApiKey, str], facts: Facts
) -> None:
    _api_key, raw = key
    get(
        api(raw),
        indicator="orders",
        region="35.77.03.1001",
        granularity="week",
        **{"from": "2026-01-26", "to": "2026-02-01"},
    )
    assert set(BudgetSpend.objects.values_list("region_code", "period")) == {
        ("35.77.03", datetime.date(2026, 1, 1)),
        ("35.77.03", datetime.date(2026, 2, 1)),
    }
    get(api(raw), indicator="orders", region="35.77", **{"from": "2026-03-01", "to": "2026-03-31"})
    march = set(BudgetSpend.objects.filter(period=datetime.date(2026, 3, 1)).values_list("region_code", flat=True))
    assert {"35.77", "35.77.01", "35.77.02", "35.77.03"} <= march


# --- the budget ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_exhausted_budget_refuses_new_cells_for_every_partner_with_a_clear_429(
    key: tuple[ApiKey, str], make_key: MakeKey, facts: Facts
) -> None:
    _api_key, raw = key
    services.set_privacy_budget(family="commerce", epsilon_per_release=1.0, epsilon_per_period=2.0)
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, entity_keys(6), count=20)
    shown = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region")
    assert shown.status_code == 200 and shown.json()["privacy"]["epsilon_spent"] == 2.0
    before = (ReleasedValue.objects.count(), list(BudgetSpend.objects.values_list("spent", flat=True)))
    for client in (api(raw), api(second_partner(make_key))):  # colluding partners share the budget
        refused = get(client, indicator="orders", region="35.77.03.1001")
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "privacy_budget_exhausted"
        assert "Anggaran privasi" in error["message"] and "35.77.03" in error["message"]
    assert (ReleasedValue.objects.count(), list(BudgetSpend.objects.values_list("spent", flat=True))) == before
    # What was released stays available, free; other months have their own budget.
    assert get(api(raw), indicator="gmv", region="35.77.03.1002").status_code == 200
    february = get(api(raw), indicator="orders", region="35.77.03.1001", **{"from": "2026-02-01", "to": "2026-02-28"})
    assert february.status_code == 200


def test_set_privacy_budget_validates_its_input(db: None) -> None:
    from apps.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="tidak dikenal"):
        services.set_privacy_budget(family="rahasia", epsilon_per_release=1, epsilon_per_period=2)
    with pytest.raises(ValidationFailed, match="per rilis"):
        services.set_privacy_budget(family="umkm", epsilon_per_release=0, epsilon_per_period=2)
    with pytest.raises(ValidationFailed, match="per bulan"):
        services.set_privacy_budget(family="umkm", epsilon_per_release=2, epsilon_per_period=1)
    assert services.set_privacy_budget(family="umkm", epsilon_per_release=0.2, epsilon_per_period=5).family == "umkm"


def _committed_facts(tenants: TenantSet, rows: list[tuple[str, int, int, list[int]]]) -> list[DailyFact]:
    return [
        DailyFact.objects.create(
            tenant=tenants.kota,
            region_code=code,
            day=datetime.date(2025, 6, day),
            metric=Metric.GMV,
            value=value,
            count=1,
            entity_keys=keys,
        )
        for code, day, value, keys in rows
    ]


def _race(api_key: ApiKey, regions: list[str]) -> list[Any]:
    answers: list[Any] = []
    barrier = threading.Barrier(len(regions))

    def ask(region: str) -> None:
        try:
            query = selectors.parse_query(
                {"indicator": "gmv", "region": region, "from": "2025-06-01", "to": "2025-06-30"}
            )
            barrier.wait()
            try:
                answers.append(release.run_query(api_key, query).rows[0].value)
            except Exception as exc:  # the refusal is the answer under test
                answers.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask, args=(r,)) for r in regions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def _cleanup(partner: Partner, made: list[DailyFact]) -> None:
    DailyFact.objects.filter(pk__in=[f.pk for f in made]).delete()
    ReleasedValue.objects.filter(period_start=datetime.date(2025, 6, 1)).delete()
    BudgetSpend.objects.filter(period=datetime.date(2025, 6, 1)).delete()
    partner.delete()


def test_concurrent_identical_first_queries_release_once(committed: None, tenants: TenantSet) -> None:
    partner = services.ensure_partner(name="Uji Serentak Sama")
    api_key, _raw = services.create_api_key(
        partner=partner, name="a", scopes=["commerce"], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    made = _committed_facts(tenants, [("35.77.03.1001", 1, 1_000_000, entity_keys(6))])
    try:
        answers = _race(api_key, ["35.77.03.1001"] * 3)
        assert len(set(answers)) == 1 and not isinstance(answers[0], Exception)
        assert ReleasedValue.objects.filter(period_start=datetime.date(2025, 6, 1)).count() == 1
        assert BudgetSpend.objects.get(period=datetime.date(2025, 6, 1)).spent == 0.5
    finally:
        _cleanup(partner, made)


def test_concurrent_requests_cannot_both_spend_the_last_of_the_budget(committed: None, tenants: TenantSet) -> None:
    partner = services.ensure_partner(name="Uji Serentak Anggaran")
    api_key, _raw = services.create_api_key(
        partner=partner, name="a", scopes=["commerce"], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    services.set_privacy_budget(family="commerce", epsilon_per_release=1.0, epsilon_per_period=1.0)
    made = _committed_facts(
        tenants, [("35.77.03.1001", 1, 1_000_000, entity_keys(6)), ("35.77.03.1002", 2, 2_000_000, entity_keys(6))]
    )
    try:
        answers = _race(api_key, ["35.77.03.1001", "35.77.03.1002"])
        refused = [a for a in answers if isinstance(a, Exception)]
        assert len(refused) == 1 and getattr(refused[0], "code", "") == "privacy_budget_exhausted"
        assert BudgetSpend.objects.get(period=datetime.date(2025, 6, 1)).spent == 1.0
    finally:
        _cleanup(partner, made)
        PrivacyBudget.objects.filter(family="commerce").delete()


# --- attacks ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_two_colluding_partners_cannot_difference_out_one_shop(make_key: MakeKey, facts: Facts) -> None:
    """The attack of issue 22: partner A reads the kota, partner B the kecamatan holding every
    shop but one; kota - kecamatan was that shop's GMV exactly. Now each value is noisy (the
    same for both partners), and the difference's error dwarfs the shop's sales."""
    lone_gmv = 777_777
    kecamatan = entity_keys(9)
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, kecamatan[:5], count=20)
    facts.add("35.77.03.1002", Metric.GMV, 3_000_000, kecamatan[5:], count=15)
    facts.add("35.77.01.1003", Metric.GMV, lone_gmv, entity_keys(1), count=3)
    _key, raw = make_key()
    kota = first(get(api(raw), indicator="gmv", region="35.77").json())
    rest = first(get(api(second_partner(make_key)), indicator="gmv", region="35.77.03").json())
    assert kota["value"] is not None and rest["value"] is not None  # answered, not refused
    assert kota["error_95"] + rest["error_95"] > 10 * lone_gmv
    # Statistically, over fresh releases with the same noise scale (fixed seed):
    noise = dp.SeededNoise(seed=22)
    kota_fresh, rest_fresh = Fresh(indicator="gmv", region="35.77"), Fresh(indicator="gmv", region="35.77.03")
    errors = [kota_fresh(noise)["35.77"] - rest_fresh(noise)["35.77.03"] - lone_gmv for _ in range(TRIALS)]
    assert recovered_share(errors, lone_gmv) < 0.05
    assert statistics.median(abs(e) for e in errors) > 10 * lone_gmv


@pytest.mark.django_db
def test_three_cells_cannot_isolate_a_small_group(key: tuple[ApiKey, str], facts: Facts) -> None:
    """Kecamatan = kelurahan A + kelurahan B + a pair of shops in C: kecamatan - A - B."""
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=6)
    facts.add("35.77.03.1002", Metric.GMV, 2_000_000, entity_keys(7), count=7)
    pair_gmv = 555_555
    facts.add("35.77.03.1003", Metric.GMV, pair_gmv, entity_keys(2), count=2)
    answers = [
        first(get(api(raw), indicator="gmv", region=r).json()) for r in ("35.77.03.1001", "35.77.03.1002", "35.77.03")
    ]
    assert all(a["value"] is not None for a in answers)
    assert sum(a["error_95"] for a in answers) > 10 * pair_gmv
    noise = dp.SeededNoise(seed=3)
    cells = {r: Fresh(indicator="gmv", region=r) for r in ("35.77.03.1001", "35.77.03.1002", "35.77.03")}
    errors = []
    for _ in range(TRIALS):
        a, b, total = (cells[r](noise)[r] for r in ("35.77.03.1001", "35.77.03.1002", "35.77.03"))
        errors.append(total - a - b - pair_gmv)
    assert recovered_share(errors, pair_gmv) < 0.05


@pytest.mark.django_db
def test_a_dimension_against_the_total_does_not_isolate_a_lone_category(key: tuple[ApiKey, str], facts: Facts) -> None:
    """Orders of the kelurahan (total request) minus the categories with many shops (breakdown
    request) would leave the one shop selling crafts."""
    _api_key, raw = key
    many, lone = entity_keys(8), entity_keys(1)
    facts.add("35.77.03.1001", Metric.GMV, 5_000_000, many + lone, count=49)
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, many, count=40, dimension="makanan")
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, lone, count=9, dimension="kerajinan")
    total = first(get(api(raw), indicator="orders", region="35.77.03.1001").json())
    table = by_place(get(api(raw), indicator="orders", region="35.77.03.1001", breakdown="dimension").json())
    assert total["value"] == table["35.77.03.1001"]["value"]  # the same cell, the same answer
    assert total["error_95"] + table["makanan"]["error_95"] > 10 * 9
    noise = dp.SeededNoise(seed=5)
    fresh = Fresh(indicator="orders", region="35.77.03.1001", breakdown="dimension")
    errors = []
    for _ in range(TRIALS):
        values = fresh(noise)
        errors.append(values["35.77.03.1001"] - values["makanan"] - 9)
    assert recovered_share(errors, 9) < 0.05


@pytest.mark.django_db
def test_repeating_a_query_cannot_average_the_noise_away(
    key: tuple[ApiKey, str], make_key: MakeKey, facts: Facts
) -> None:
    _api_key, raw = key
    lone_gmv = 77_777
    facts.add("35.77.03.1001", Metric.GMV, lone_gmv, entity_keys(1), count=1)
    raws = [raw, second_partner(make_key), second_partner(make_key, "Peneliti Ketiga")]
    answers = [first(get(api(raws[i % 3]), indicator="gmv", region="35.77.03.1001").json()) for i in range(30)]
    assert len({a["value"] for a in answers}) == 1  # the mean of 30 answers is the first answer
    assert answers[0]["error_95"] > 10 * lone_gmv
    assert BudgetSpend.objects.get().spent == 0.5
    # Had every request been noised afresh, 30 answers would average the error down ~sqrt(30):
    # the released value's error is that of one draw (seeded, statistically).
    noise = dp.SeededNoise(seed=30)
    fresh = Fresh(indicator="gmv", region="35.77.03.1001")
    single = [fresh(noise)["35.77.03.1001"] - lone_gmv for _ in range(TRIALS)]
    assert recovered_share(single, lone_gmv) < 0.05


# --- operators ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_operators_see_budgets_and_spend_through_the_api_and_partners_do_not(
    key: tuple[ApiKey, str], facts: Facts, operator_client: Client, django_assert_max_num_queries: Any
) -> None:
    _api_key, raw = key
    get(api(raw), indicator="gmv", region="35.77.03", breakdown="region")
    get(api(raw), indicator="umkm_active", region="35.77.01.1001")
    with django_assert_max_num_queries(12):
        body = operator_client.get("/api/v1/data/budget/", {"family": "commerce"}).json()
    assert {b["family"] for b in body["budgets"]} >= {"commerce", "umkm"}
    assert body["results"] == [
        {
            "family": "commerce",
            "region_code": "35.77.03",
            "period": "2026-01",
            "spent": 1.0,
            "remaining": 19.0,
            "releases": 1,
        }
    ]
    assert (
        len(operator_client.get("/api/v1/data/budget/", {"period": "2026-01", "region": "35.77.01"}).json()["results"])
        == 1
    )
    bad = operator_client.get("/api/v1/data/budget/", {"period": "januari"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_period"
    assert api(raw).get("/api/v1/data/budget/").status_code in (401, 403)


@pytest.mark.django_db
def test_operators_set_a_family_budget_in_the_admin(operator_client: Client) -> None:
    response = operator_client.post(
        "/admin/dataservice/privacybudget/add/",
        {"family": "delivery", "epsilon_per_release": "0.25", "epsilon_per_period": "8"},
        follow=True,
    )
    assert response.status_code == 200
    assert BY_CODE["deliveries"].family == "delivery"
    from apps.dataservice.budget import policy_for

    assert policy_for("delivery").epsilon_per_release == 0.25 and policy_for("delivery").epsilon_per_period == 8
    wrong = operator_client.post(
        "/admin/dataservice/privacybudget/add/",
        {"family": "umkm", "epsilon_per_release": "5", "epsilon_per_period": "1"},
    )
    assert wrong.status_code == 200 and "paling sedikit epsilon per rilis" in wrong.content.decode()
    for page in ("budgetspend", "releasedvalue", "privacybudget"):
        assert operator_client.get(f"/admin/dataservice/{page}/").status_code == 200

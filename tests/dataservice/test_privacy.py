"""k-anonymity of the data API: primary and complementary suppression within a table, and the
differencing auditor across separate requests (per integrator, whatever key it uses)."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connections
from django.test import override_settings

from apps.analytics.metrics import Metric
from apps.analytics.models import DailyFact
from apps.dataservice import selectors, services
from apps.dataservice.models import ApiKey, ReleasedCell
from tests.conftest import TenantSet

from .conftest import Facts, MakeKey, api, entity_keys, get


def cells(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["dimension"] or r["region_code"]: r for r in body["results"]}


@pytest.mark.django_db
def test_a_cell_of_fewer_than_k_entities_is_suppressed(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 2_500_000, entity_keys(4), count=30)
    body = get(api(raw), indicator="gmv", region="35.77.03.1001").json()
    cell = body["results"][0]
    assert body["k"] == 5
    assert cell == cell | {"value": None, "entities": None, "suppressed": True, "reason": "below_k"}
    assert "2500000" not in str(body)
    facts.add("35.77.03.1001", Metric.GMV, 100_000, entity_keys(1), count=1)  # now 5 shops
    cell = get(api(raw), indicator="gmv", region="35.77.03.1001").json()["results"][0]
    assert cell["value"] == 2_600_000 and cell["entities"] == 5 and not cell["suppressed"]


@pytest.mark.django_db
@override_settings(DATASERVICE_K=3)
def test_k_is_a_setting(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 2_500_000, entity_keys(4), count=30)
    body = get(api(raw), indicator="gmv", region="35.77.03.1001").json()
    assert body["k"] == 3 and body["results"][0]["value"] == 2_500_000


@pytest.mark.django_db
def test_complementary_suppression_within_a_table(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    shops = entity_keys(15)
    facts.add("35.77.03.1001", Metric.UMKM_NEW, 15, shops)
    facts.add("35.77.03.1001", Metric.UMKM_NEW, 6, shops[:6], dimension="10")
    facts.add("35.77.03.1001", Metric.UMKM_NEW, 7, shops[6:13], dimension="47")
    facts.add("35.77.03.1001", Metric.UMKM_NEW, 2, shops[13:], dimension="56")
    body = get(api(raw), indicator="umkm_new", region="35.77.03.1001", breakdown="dimension").json()
    by_sector = cells(body)
    assert by_sector["35.77.03.1001"]["value"] == 15
    assert by_sector["56"]["reason"] == "below_k"
    # Total - sector 10 - sector 47 would give sector 56: the smaller of the two goes too.
    assert by_sector["10"]["reason"] == "complement" and by_sector["10"]["value"] is None
    assert by_sector["47"]["value"] == 7
    assert body["suppressed_cells"] == 2


@pytest.mark.django_db
def test_a_differencing_attempt_across_requests_is_refused(make_key: MakeKey, facts: Facts) -> None:
    """Kota total, then the same minus one shop (the kecamatan of all but one): refused."""
    _api_key, raw = make_key()
    kecamatan = entity_keys(9)
    lone = entity_keys(1)
    facts.add("35.77.03.1001", Metric.GMV, 4_000_000, kecamatan[:5], count=20)
    facts.add("35.77.03.1002", Metric.GMV, 3_000_000, kecamatan[5:], count=15)
    facts.add("35.77.01.1003", Metric.GMV, 777_777, lone, count=3)  # one shop in another kecamatan

    kota = get(api(raw), indicator="gmv", region="35.77").json()["results"][0]
    assert kota["value"] == 7_777_777 and kota["entities"] == 10
    attempt = get(api(raw), indicator="gmv", region="35.77.03").json()["results"][0]
    assert attempt["suppressed"] and attempt["value"] is None and attempt["reason"] == "differencing"
    # The same through a breakdown of the kota: the kecamatan cells are held back too.
    table = cells(get(api(raw), indicator="gmv", region="35.77", breakdown="region").json())
    assert table["35.77"]["value"] == 7_777_777
    assert table["35.77.03"]["value"] is None and table["35.77.01"]["value"] is None
    # Another key of the same integrator is audited together with the first.
    _second, second_raw = make_key(name="kunci kedua")
    again = get(api(second_raw), indicator="gmv", region="35.77.03").json()["results"][0]
    assert again["reason"] == "differencing"
    # A different integrator has been released nothing yet: it may read the kecamatan (once).
    other = services.ensure_partner(name="Peneliti Lain")
    _third, third_raw = make_key(partner=other, name="peneliti")
    theirs = get(api(third_raw), indicator="gmv", region="35.77.03").json()["results"][0]
    assert theirs["value"] == 7_000_000
    refused = get(api(third_raw), indicator="gmv", region="35.77").json()["results"][0]
    assert refused["reason"] == "differencing"
    assert ReleasedCell.objects.filter(requester=other.requester).count() == 1


@pytest.mark.django_db
def test_combining_three_requests_to_isolate_one_shop_is_refused(key: tuple[ApiKey, str], facts: Facts) -> None:
    """Kecamatan = kelurahan A + kelurahan B + one shop: asking A, B, then the kecamatan would
    give that shop's value exactly."""
    _api_key, raw = key
    a, b, lone = entity_keys(6), entity_keys(7), entity_keys(1)
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, a, count=6)
    facts.add("35.77.03.1002", Metric.GMV, 2_000_000, b, count=7)
    facts.add("35.77.03.1003", Metric.GMV, 555_555, lone, count=1)
    assert get(api(raw), indicator="gmv", region="35.77.03.1001").json()["results"][0]["value"] == 1_000_000
    assert get(api(raw), indicator="gmv", region="35.77.03.1002").json()["results"][0]["value"] == 2_000_000
    total = get(api(raw), indicator="gmv", region="35.77.03").json()["results"][0]
    assert total["suppressed"] and total["reason"] == "individual_disclosure"


@pytest.mark.django_db
def test_periods_are_separate_measures_but_repeating_a_query_is_allowed(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    facts.add("35.77.03.1001", Metric.GMV, 1_000_000, entity_keys(6), count=6)
    first = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region").json()
    second = get(api(raw), indicator="gmv", region="35.77.03", breakdown="region").json()
    assert first["results"] == second["results"]
    assert all(not r["suppressed"] for r in second["results"])
    # Recorded once per distinct entity set.
    assert ReleasedCell.objects.count() == 1


def test_concurrent_requests_cannot_both_pass_the_auditor(committed: None, tenants: TenantSet) -> None:
    """The kota total and the kecamatan (one shop less) asked at the same moment by one
    integrator: the per-integrator lock makes the second wait and be refused."""
    partner = services.ensure_partner(name="Uji Serentak Audit")
    api_key, _raw = services.create_api_key(
        partner=partner, name="a", scopes=["commerce"], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    made = [
        DailyFact.objects.create(
            tenant=tenants.kota,
            region_code=code,
            day=datetime.date(2025, 6, day),
            metric=Metric.GMV,
            value=value,
            count=1,
            entity_keys=keys,
        )
        for code, day, value, keys in (
            ("35.77.03.1001", 1, 1_000_000, entity_keys(6)),
            ("35.77.01.1001", 2, 123_456, entity_keys(1)),
        )
    ]
    try:
        answers: dict[str, bool] = {}
        barrier = threading.Barrier(2)

        def ask(region: str) -> None:
            try:
                query = selectors.parse_query(
                    {"indicator": "gmv", "region": region, "from": "2025-06-01", "to": "2025-06-30"}
                )
                barrier.wait()
                answers[region] = not services.run_query(api_key, query).rows[0].suppressed
            finally:
                connections.close_all()

        threads = [threading.Thread(target=ask, args=(r,)) for r in ("35.77", "35.77.03")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(answers.values()) == [False, True]
    finally:
        DailyFact.objects.filter(pk__in=[f.pk for f in made]).delete()
        ReleasedCell.objects.filter(requester=partner.requester).delete()
        partner.delete()


# --- mixing granularities ---------------------------------------------------------------------

KELURAHAN = "35.77.03.1001"
MON, SUN = datetime.date(2026, 1, 5), datetime.date(2026, 1, 11)


def _a_week_with_one_lone_day(facts: Facts) -> list[int]:
    """Six shops sell Monday to Saturday, one other shop alone on Sunday: the week has 7 shops
    (released), Sunday 1 (suppressed). Returns the lone shop's key."""
    shops, lone = entity_keys(6), entity_keys(1)
    for offset in range(6):
        facts.add(KELURAHAN, Metric.GMV, 1_000_000 + offset, shops, count=6, day=MON + datetime.timedelta(days=offset))
    facts.add(KELURAHAN, Metric.GMV, 424_242, lone, count=2, day=SUN)
    return lone


def _period(**params: str) -> dict[str, str]:
    return {"indicator": "gmv", "region": KELURAHAN, **params}


@pytest.mark.django_db
def test_a_week_then_its_days_cannot_isolate_the_suppressed_day(key: tuple[ApiKey, str], facts: Facts) -> None:
    """Week minus the six released days would be Sunday: one shop's sales."""
    _api_key, raw = key
    _a_week_with_one_lone_day(facts)
    week = get(api(raw), **_period(granularity="week", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    assert week["results"][0]["value"] == 6_424_257 and week["results"][0]["entities"] == 7
    days = get(api(raw), **_period(granularity="day", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    assert len(days["results"]) == 7 and days["suppressed_cells"] == 7
    assert {r["reason"] for r in days["results"]} == {"period_overlap"}
    assert all(r["value"] is None and r["entities"] is None for r in days["results"])
    # Another indicator of the same metric (orders, avg_price) is held to the same periods.
    orders = get(api(raw), **_period(indicator="orders", granularity="day", **{"from": "2026-01-10"})).json()
    assert {r["reason"] for r in orders["results"] if r["period_start"] <= "2026-01-11"} == {"period_overlap"}
    # So is the kecamatan through its region breakdown (the kelurahan's day is a cell there).
    kecamatan = get(
        api(raw), indicator="gmv", region="35.77.03", breakdown="region", granularity="day", **{"from": "2026-01-10"}
    ).json()
    assert all(r["suppressed"] for r in kecamatan["results"] if r["period_start"] <= "2026-01-11")
    # Asking for the week again is fine; so is the month after it (January overlaps the week).
    again = get(api(raw), **_period(granularity="week", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    assert again["results"][0]["value"] == week["results"][0]["value"]
    month = get(api(raw), **_period()).json()["results"][0]
    assert month["reason"] == "period_overlap"


@pytest.mark.django_db
def test_days_then_their_week_cannot_isolate_the_suppressed_day(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    _a_week_with_one_lone_day(facts)
    days = get(api(raw), **_period(granularity="day", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    by_day = {r["period_start"]: r for r in days["results"]}
    assert by_day["2026-01-05"]["value"] == 1_000_000 and by_day["2026-01-10"]["value"] == 1_000_005
    assert by_day["2026-01-11"]["reason"] == "below_k"
    week = get(api(raw), **_period(granularity="week", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    assert week["results"][0] == week["results"][0] | {"value": None, "suppressed": True, "reason": "period_overlap"}
    assert "424242" not in str(week) and "6424257" not in str(week)
    # A different integrator may read the week (once it has read no day of it).
    other = services.ensure_partner(name="Peneliti Mingguan")
    _other_key, other_raw = services.create_api_key(
        partner=other, name="m", scopes=["commerce"], region_prefixes=["35.77"], per_minute=100, per_day=100
    )
    theirs = get(api(other_raw), **_period(granularity="week", **{"from": "2026-01-05", "to": "2026-01-11"})).json()
    assert theirs["results"][0]["value"] == 6_424_257


@pytest.mark.django_db
def test_a_month_and_its_weeks_are_not_mixed_but_separate_periods_are(key: tuple[ApiKey, str], facts: Facts) -> None:
    _api_key, raw = key
    shops, lone = entity_keys(6), entity_keys(1)
    for day in (datetime.date(2026, 2, 2), datetime.date(2026, 2, 9), datetime.date(2026, 3, 2)):
        facts.add(KELURAHAN, Metric.GMV, 2_000_000, shops, count=6, day=day)
    facts.add(KELURAHAN, Metric.GMV, 313_131, lone, count=1, day=datetime.date(2026, 2, 16))
    facts.add(KELURAHAN, Metric.UNITS_SOLD, 50, shops, count=6, day=datetime.date(2026, 2, 2))
    february = get(api(raw), **_period(**{"from": "2026-02-01", "to": "2026-02-28"})).json()["results"][0]
    assert february["value"] == 4_313_131 and february["entities"] == 7
    # Weeks of February (Jan 26 - Mar 1) all overlap the released month.
    weeks = get(api(raw), **_period(granularity="week", **{"from": "2026-02-01", "to": "2026-02-28"})).json()
    assert len(weeks["results"]) == 5 and {r["reason"] for r in weeks["results"]} == {"period_overlap"}
    # Weeks that lie wholly in March are released, and then the month of March is not.
    march = get(api(raw), **_period(granularity="week", **{"from": "2026-03-02", "to": "2026-03-29"})).json()
    assert [r["value"] for r in march["results"]] == [2_000_000, 0, 0, 0]
    assert (
        get(api(raw), **_period(**{"from": "2026-03-01", "to": "2026-03-31"})).json()["results"][0]["reason"]
        == "period_overlap"
    )
    # Months that touch no released week are still months; another metric keeps its own periods.
    april = get(api(raw), **_period(**{"from": "2026-04-01", "to": "2026-04-30"})).json()["results"][0]
    assert april == april | {"value": 0, "suppressed": False}
    units = get(
        api(raw), **_period(indicator="units_sold", granularity="day", **{"from": "2026-02-02", "to": "2026-02-02"})
    ).json()
    assert units["results"][0]["value"] == 50 and not units["results"][0]["suppressed"]

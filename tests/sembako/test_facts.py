"""Sembako Pintar facts of a past day, computed by hand from a small round: paid orders per
payment method (bansos in kind vs money), units per commodity, savings against the reference
price known that day; the lurah dashboard and its export show them."""

from __future__ import annotations

import csv
import datetime
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.analytics import services as rollup
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.pangan.models import FoodPrice
from apps.sembako import facts, services
from apps.sembako.models import HouseholdOrder, Round
from tests.analytics.app.test_dashboard import signed_in

from .conftest import World, key, open_round

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() - timedelta(days=2)


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def _round_of_the_day(world: World) -> Round:
    """Joko pays 5 kg rice + 2 l oil by wallet (Rp94.500), Sari 4 kg + 1 l with her bansos
    (Rp66.000), Andi's order (rice and eggs) is never paid; the round closes, all on DAY."""
    round = open_round(world)
    ids = {i.name: i.pk for i in round.items.all()}
    beras, minyak, telur = ids["Beras medium"], ids["Minyak goreng curah"], ids["Telur ayam"]
    joko, _ = services.place_order(world.joko, round, quantities={beras: 5, minyak: 2})
    services.pay_with_wallet(joko, actor=world.joko, idempotency_key=key())
    sari, _ = services.place_order(world.sari, round, quantities={beras: 4, minyak: 1})
    services.redeem_bansos(sari, actor=world.sari)
    services.place_order(world.andi, round, quantities={beras: 3, telur: 2})
    services.close_round(round, actor=world.organiser)
    HouseholdOrder.objects.filter(paid_at__isnull=False).update(paid_at=_at(DAY))
    Round.objects.filter(pk=round.pk).update(created_at=_at(DAY, 8), closed_at=_at(DAY, 20))
    # A price published after DAY must not change DAY's savings.
    FoodPrice.objects.create(
        commodity="Beras Medium", area="Madiun", unit="kg", day=DAY + timedelta(days=1), price=20_000
    )
    return round


def test_the_facts_of_a_past_day_are_computed_from_the_paid_orders(world: World) -> None:
    _round_of_the_day(world)
    first = list(facts.daily_facts(DAY))
    assert first == list(facts.daily_facts(DAY))
    assert list(facts.daily_facts(DAY - timedelta(days=1))) == []
    rows = {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in first}
    assert rows[(Metric.SEMBAKO_ROUNDS_OPENED, "")] == (1, 0, 1)
    assert rows[(Metric.SEMBAKO_ROUNDS_CLOSED, "")] == (1, 0, 1)
    assert rows[(Metric.SEMBAKO_ORDERS, "")] == (160_500, 2, 2)  # Andi never paid
    assert rows[(Metric.SEMBAKO_ORDERS, "wallet")] == (94_500, 1, 1)
    assert rows[(Metric.SEMBAKO_ORDERS, "bansos")] == (66_000, 1, 1)
    assert rows[(Metric.SEMBAKO_UNITS, "")] == (12, 4, 2)
    assert rows[(Metric.SEMBAKO_UNITS, "Beras Medium")] == (9, 2, 2)
    assert rows[(Metric.SEMBAKO_UNITS, "Minyak Goreng Curah")] == (3, 2, 2)
    # Reference 13.250/kg rice and 17.500/l oil: Joko 750x5 + 1.500x2, Sari 750x4 + 1.500x1.
    assert rows[(Metric.SEMBAKO_SAVINGS, "")] == (11_250, 12, 2)
    assert rows[(Metric.ACTIVE_RESIDENTS, "")][2] == 2
    orders = next(r for r in first if r.metric == Metric.SEMBAKO_ORDERS and r.dimension == "")
    assert sorted(orders.entity_values.values()) == [66_000, 94_500]
    assert sorted(orders.entity_counts.values()) == [1, 1]


def test_the_lurah_dashboard_and_its_export_show_sembako(world: World) -> None:
    _round_of_the_day(world)
    rollup.rollup_tenant_day(world.tenant, DAY)
    assert DailyFact.objects.filter(tenant=world.tenant, day=DAY, metric=Metric.SEMBAKO_ORDERS).count() == 3
    client = signed_in(world.tenant)
    page = client.get("/dasbor/?rentang=7h")
    assert page.status_code == 200
    kpis = {k["key"]: k["value"] for k in page.context["data"]["kpis"]}
    assert kpis["sembako_households"] == 2 and kpis["sembako_amount"] == 160_500
    assert kpis["sembako_bansos"] == 66_000 and kpis["sembako_money"] == 94_500
    assert kpis["sembako_units"] == 12 and kpis["sembako_savings"] == 11_250
    assert kpis["sembako_rounds_opened"] == 1 and kpis["sembako_rounds_closed"] == 1
    html = page.content.decode()
    assert 'data-testid="kpi-sembako_bansos"' in html and 'data-testid="sembako-pay"' in html
    assert "Rp66.000" in html.split('data-testid="sembako-pay"')[1].split("</table>")[0]
    exported = client.get("/dasbor/ekspor/csv/?rentang=7h")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    start = rows.index(["Pesanan sembako per cara bayar (Rp)"])
    assert sorted(map(tuple, rows[start + 2 : start + 4])) == [("Bansos sembako", "66000"), ("KotaKitaPay", "94500")]
    assert ["Ringkasan"] in rows
    assert any(r[1:3] == ["Dibayar dengan bansos sembako", "Rp66.000"] for r in rows)

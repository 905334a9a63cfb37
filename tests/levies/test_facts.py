"""Daily levy facts (kota schemas only): billed, collected, fines and overdue per levy and per
kelurahan, against figures worked out by hand from six bills."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.analytics import services as rollup
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.levies import services
from apps.levies.facts import daily_facts
from apps.levies.models import Levy, LevyBill
from apps.tenancy.models import Tenant
from tests.levies.conftest import World

pytestmark = pytest.mark.django_db

D = timezone.localdate() - datetime.timedelta(days=5)
A, B = "35.77.03.1001", "35.77.03.1002"  # Mojorejo, Pandean


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def bill(
    world: World,
    levy: Levy,
    kel: Tenant,
    payer: str,
    *,
    issued: datetime.date,
    due: datetime.date,
    paid: tuple[datetime.date, int] | None = None,
    cancelled: bool = False,
) -> LevyBill:
    made = services.do_issue_bill(
        levy, kelurahan=kel, payer_name=payer.title(), payer_account=payer, due_on=due, actor=world.officer
    )
    changes: dict[str, object] = {"created_at": at(issued)}
    if paid is not None:
        changes.update(status=LevyBill.Status.PAID, paid_at=at(paid[0], 14), paid_amount=paid[1], channel="cash")
    if cancelled:
        changes["status"] = LevyBill.Status.CANCELLED
    LevyBill.objects.filter(pk=made.pk).update(**changes)
    return made


def figures(day: datetime.date) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in daily_facts(day)}


@pytest.fixture
def bills(world: World) -> World:
    before = D - datetime.timedelta(days=40)
    with world.kota:
        bill(world, world.sampah, world.kel, "joko", issued=D, due=D + datetime.timedelta(days=30))  # open
        bill(world, world.pasar, world.kel, "joko", issued=D, due=D + datetime.timedelta(days=30), paid=(D, 60_000))
        # Paid late on D: 15.000 principal + 300 fine (2% of one started month).
        bill(
            world,
            world.sampah,
            world.other_kel,
            "siti",
            issued=before,
            due=D - datetime.timedelta(days=10),
            paid=(D, 15_300),
        )
        bill(world, world.pasar, world.other_kel, "budi", issued=before, due=D - datetime.timedelta(days=10))  # overdue
        bill(world, world.sampah, world.kel, "ani", issued=D, due=D + datetime.timedelta(days=30), cancelled=True)
        # Overdue at the end of D, paid the next day.
        bill(
            world,
            world.pasar,
            world.other_kel,
            "dewi",
            issued=before,
            due=D - datetime.timedelta(days=10),
            paid=(D + datetime.timedelta(days=1), 60_000),
        )
    return world


def test_levy_facts_of_a_day_by_levy_and_by_kelurahan(bills: World) -> None:
    smp, psr = bills.sampah.code, bills.pasar.code
    with bills.kota:
        got = figures(D)
    assert got == {
        # Issued on D (the cancelled bill is void): Joko's two bills in Mojorejo.
        (Metric.LEVY_BILLED, ""): (75_000, 2, 1),
        (Metric.LEVY_BILLED, smp): (15_000, 1, 1),
        (Metric.LEVY_BILLED, psr): (60_000, 1, 1),
        (Metric.LEVY_BILLED_KEL, ""): (75_000, 2, 1),
        (Metric.LEVY_BILLED_KEL, A): (75_000, 2, 1),
        # Paid on D: Joko's pasar bill (Mojorejo) and Siti's late sampah bill (Pandean).
        (Metric.LEVY_COLLECTED, ""): (75_300, 2, 2),
        (Metric.LEVY_COLLECTED, smp): (15_300, 1, 1),
        (Metric.LEVY_COLLECTED, psr): (60_000, 1, 1),
        (Metric.LEVY_COLLECTED_KEL, ""): (75_300, 2, 2),
        (Metric.LEVY_COLLECTED_KEL, A): (60_000, 1, 1),
        (Metric.LEVY_COLLECTED_KEL, B): (15_300, 1, 1),
        (Metric.LEVY_FINES, ""): (300, 1, 1),
        (Metric.LEVY_FINES, smp): (300, 1, 1),
        # Past due and unpaid at the end of D: Budi's and Dewi's pasar bills in Pandean.
        (Metric.LEVY_OVERDUE, ""): (120_000, 2, 2),
        (Metric.LEVY_OVERDUE, psr): (120_000, 2, 2),
        (Metric.LEVY_OVERDUE_KEL, ""): (120_000, 2, 2),
        (Metric.LEVY_OVERDUE_KEL, B): (120_000, 2, 2),
    }
    with bills.kota:
        after = figures(D + datetime.timedelta(days=1))
    assert after[(Metric.LEVY_COLLECTED, psr)] == (60_000, 1, 1)  # Dewi paid
    assert after[(Metric.LEVY_OVERDUE, "")] == (60_000, 1, 1)  # Budi only
    assert (Metric.LEVY_BILLED, "") not in after


def test_each_payers_share_is_attributed_and_a_day_without_arrears_says_zero(bills: World) -> None:
    with bills.kota:
        rows = {(r.metric, r.dimension): r for r in daily_facts(D)}
        collected = rows[(Metric.LEVY_COLLECTED, "")]
        assert sorted(collected.entity_values.values()) == [15_300, 60_000]
        assert sorted(collected.entity_counts.values()) == [1, 1]
        LevyBill.objects.filter(status=LevyBill.Status.OPEN).update(
            status=LevyBill.Status.PAID, paid_at=at(D - datetime.timedelta(days=20)), paid_amount=1
        )
        LevyBill.objects.filter(payer_account="dewi").update(paid_at=at(D - datetime.timedelta(days=20)))
        quiet = figures(D + datetime.timedelta(days=3))
    # Bills exist but nothing is overdue: a level of 0, so the dashboards do not show a stale one.
    assert quiet == {(Metric.LEVY_OVERDUE, ""): (0, 0, 0), (Metric.LEVY_OVERDUE_KEL, ""): (0, 0, 0)}


def test_only_the_kota_produces_levy_facts_and_the_roll_up_stores_them(bills: World) -> None:
    with bills.kel:
        assert list(daily_facts(D)) == []  # a kelurahan schema has no levy tables
    rollup.rollup_tenant_day(bills.kota, D)
    stored = DailyFact.objects.get(tenant=bills.kota, day=D, metric=Metric.LEVY_COLLECTED_KEL, dimension=B)
    assert (stored.value, stored.count, stored.entity_values, stored.region_code) == (15_300, 1, [15_300], "35.77")
    rollup.rollup_tenant_day(bills.kel, D)
    assert not DailyFact.objects.filter(tenant=bills.kel, metric__startswith="levy_").exists()

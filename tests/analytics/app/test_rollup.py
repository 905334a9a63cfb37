"""The roll-up: producers, idempotency, late data, isolation, tasks, command, incremental."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.analytics import services, tasks
from apps.analytics.models import DailyFact
from apps.core.errors import ValidationFailed
from apps.facts import registry
from apps.facts.metrics import FactRow, Metric
from apps.reports import services as reports
from apps.tenancy.models import Tenant

from .conftest import Town, at, facts, sell, yesterday

pytestmark = pytest.mark.django_db


def test_marketplace_and_reports_produce_their_daily_facts(town: Town) -> None:
    day = yesterday()
    m = town.market
    sell(m, [(m.nasi, 2), (m.madumongso, 1)], day)  # two shops: 24.000 + 18.000
    sell(m, [(m.keripik, 1)], day - datetime.timedelta(days=1))  # another day: not counted
    w = town.world
    first = w.file(w.sampah, now=at(day, 8))
    w.file(w.jalan, north=30, reporter=w.tetangga, now=at(day, 9))
    reports.resolve(first, w.lurah, "Sudah diangkut", now=at(day, 14))

    result = services.rollup_tenant_day(town.tenant, day)

    got = facts(town.tenant, day)
    assert result.written == len(got)
    assert got[(Metric.GMV, "")] == (42_000, 2, 2)
    assert got[(Metric.GMV, "makanan")] == (24_000, 1, 1)
    assert got[(Metric.GMV, "oleh-oleh")] == (18_000, 1, 1)
    assert got[(Metric.UNITS_SOLD, "")][:2] == (3, 2)
    assert got[(Metric.UMKM_ACTIVE, "")] == (2, 0, 2)
    assert got[(Metric.REPORTS_OPENED, "")] == (2, 0, 2)
    assert got[(Metric.REPORTS_OPENED, "sampah")] == (1, 0, 1)
    assert got[(Metric.REPORTS_RESOLVED, "sampah")] == (6 * 60, 1, 1)  # 08:00 -> 14:00
    # Joko bought, Warga and Tetangga reported: three distinct residents (merged across apps).
    assert got[(Metric.ACTIVE_RESIDENTS, "")][0] == 3
    assert all(f.region_code == "35.77.03.1001" for f in DailyFact.objects.filter(tenant=town.tenant))


def test_rolling_up_a_day_twice_changes_nothing(town: Town) -> None:
    day = yesterday()
    m = town.market
    sell(m, [(m.nasi, 1)], day)
    services.rollup_tenant_day(town.tenant, day)
    before = facts(town.tenant, day)
    again = services.rollup_tenant_day(town.tenant, day)
    assert facts(town.tenant, day) == before
    assert again.removed == again.written == len(before)
    assert DailyFact.objects.filter(tenant=town.tenant, day=day, metric=Metric.GMV, dimension="").count() == 1


def test_running_a_day_again_corrects_it_after_late_data(town: Town) -> None:
    day = yesterday()
    m = town.market
    sell(m, [(m.nasi, 1)], day)
    services.rollup_tenant_day(town.tenant, day)
    assert facts(town.tenant, day)[(Metric.GMV, "")][:2] == (12_000, 1)
    sell(m, [(m.sambal, 2)], day)  # a payment of that day arrives late
    services.rollup_tenant_day(town.tenant, day)
    got = facts(town.tenant, day)
    assert got[(Metric.GMV, "")][:2] == (62_000, 2)
    assert got[(Metric.GMV, "bumbu")][:2] == (50_000, 1)


def test_a_failing_producer_leaves_the_previous_facts_in_place(town: Town, monkeypatch: pytest.MonkeyPatch) -> None:
    day = yesterday()
    sell(town.market, [(town.market.nasi, 1)], day)
    services.rollup_tenant_day(town.tenant, day)
    before = facts(town.tenant, day)

    def broken(day: datetime.date) -> list[FactRow]:
        raise RuntimeError("producer down")

    monkeypatch.setattr(services, "producers", lambda: [broken])
    with pytest.raises(RuntimeError):
        services.rollup_tenant_day(town.tenant, day)
    assert facts(town.tenant, day) == before


def test_a_tenants_facts_are_built_from_its_own_rows_only(town: Town, tenant_b: Tenant) -> None:
    day = yesterday()
    sell(town.market, [(town.market.nasi, 3)], day)
    services.rollup_tenant_day(tenant_b, day)
    services.rollup_tenant_day(town.tenant, day)
    assert (Metric.GMV, "") not in facts(tenant_b, day)
    assert (Metric.UMKM_ACTIVE, "") not in facts(tenant_b, day)
    assert facts(town.tenant, day)[(Metric.GMV, "")][0] == 36_000
    assert set(DailyFact.objects.filter(tenant=tenant_b).values_list("region_code", flat=True)) <= {"35.77.03.1002"}


def test_entity_keys_differ_between_tenants_for_the_same_primary_key() -> None:
    from apps.facts.metrics import entity_key

    assert entity_key("user", "kel_a", 1) != entity_key("user", "kel_b", 1)
    assert entity_key("user", "kel_a", 1) == entity_key("user", "kel_a", 1)
    assert 0 <= entity_key("shop", "kel_a", 7) < 2**63


def test_merge_unites_distinct_residents_and_adds_up_sums() -> None:
    rows = [
        FactRow(Metric.ACTIVE_RESIDENTS, 0, entity_keys=frozenset({1, 2})),
        FactRow(Metric.ACTIVE_RESIDENTS, 0, entity_keys=frozenset({2, 3})),
        FactRow(Metric.GMV, 100, 1, entity_keys=frozenset({9})),
        FactRow(Metric.GMV, 50, 2, entity_keys=frozenset({8})),
    ]
    merged = {(r.metric, r.dimension): r for r in services.merge(rows)}
    assert merged[(Metric.ACTIVE_RESIDENTS, "")].value == 3
    assert (merged[(Metric.GMV, "")].value, merged[(Metric.GMV, "")].count) == (150, 3)
    assert merged[(Metric.GMV, "")].entity_keys == {8, 9}


def test_every_app_with_facts_registered_its_producer() -> None:
    from apps.analytics import checks

    labels = set(registry.registered())
    assert {"accounts", "marketplace", "payments", "permits", "reports", "aid"} <= labels
    assert {"community", "fulfillment", "lending"} <= labels
    assert {"sembako", "tukang"} <= labels  # issue 21
    assert {"levies", "invoicing", "factoring"} <= labels  # issue 20: finance facts
    assert checks.producers_registered() == []
    assert len(services.producers()) == len(labels)


def test_an_unregistered_producer_stops_the_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    from apps.analytics import checks

    monkeypatch.setattr(registry, "_producers", {k: v for k, v in registry.registered().items() if k != "permits"})
    [error] = checks.producers_registered()
    assert error.id == "facts.E001" and "apps.permits" in error.msg
    with pytest.raises(SystemCheckError, match=r"facts\.E001"):
        call_command("check")


def test_a_producer_is_registered_once() -> None:
    with pytest.raises(ValueError, match="already registered"):
        registry.register("permits", lambda day: [])
    with pytest.raises(TypeError):
        registry.register("newapp", "apps.newapp.facts")  # type: ignore[arg-type]


def test_future_days_and_the_public_schema_are_refused(tenant_a: Tenant, db: None) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.rollup_tenant_day(tenant_a, timezone.localdate() + datetime.timedelta(days=1))
    assert "belum terjadi" in str(exc.value.message)
    public = Tenant.objects.get(schema_name="public")
    with pytest.raises(ValidationFailed):
        services.rollup_tenant_day(public, yesterday())
    assert not DailyFact.objects.filter(day__gt=timezone.localdate()).exists()


def test_the_beat_job_rolls_up_yesterday_and_the_look_back_window_everywhere(
    tenants: Any, db: None, settings: Any
) -> None:
    settings.ANALYTICS_LOOKBACK_DAYS = 2
    queued = tasks.rollup_everywhere()
    assert queued == Tenant.objects.filter(status="active", tenant_type__in=["kota", "kelurahan"]).count()
    days = {yesterday() - datetime.timedelta(days=n) for n in range(3)}
    for tenant in (tenants.kota, tenants.a, tenants.b):
        assert set(DailyFact.objects.filter(tenant=tenant).values_list("day", flat=True)) == days
        # every tenant has registered residents, so each day has at least that fact
        assert DailyFact.objects.filter(tenant=tenant, metric=Metric.RESIDENTS_REGISTERED).count() == 3


def test_a_key_event_rolls_up_today_after_commit_once_per_debounce_window(
    town: Town, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.delete(services.debounce_key(town.tenant.pk))
    calls: list[int] = []
    original = tasks.rollup_today.apply_async

    def counted(args: tuple[int, ...], countdown: int) -> Any:
        calls.append(args[0])
        return original(args=args, countdown=countdown)

    monkeypatch.setattr(tasks.rollup_today, "apply_async", counted)
    w = town.world
    with django_capture_on_commit_callbacks(execute=True):
        report = w.file(w.sampah)  # a new report is a key event
    assert calls == [town.tenant.pk]
    today = timezone.localdate()
    assert facts(town.tenant, today)[(Metric.REPORTS_OPENED, "sampah")][0] == 1
    # Within the window another event does not queue a second roll-up...
    cache.add(services.debounce_key(town.tenant.pk), 1, 60)
    with django_capture_on_commit_callbacks(execute=True):
        reports.resolve(report, w.lurah, "Beres")
    assert calls == [town.tenant.pk]
    # ...and nothing is queued before the transaction commits.
    cache.delete(services.debounce_key(town.tenant.pk))
    with django_capture_on_commit_callbacks(execute=False) as pending:
        w.file(w.jalan, north=50)
    assert calls == [town.tenant.pk] and pending


def test_the_backfill_command(tenant_a: Tenant, tenant_b: Tenant, db: None, capsys: Any) -> None:
    until = yesterday()
    since = until - datetime.timedelta(days=2)
    call_command("rollup_facts", "--tenant", tenant_a.slug, "--since", since.isoformat(), "--until", until.isoformat())
    assert DailyFact.objects.filter(tenant=tenant_a).values("day").distinct().count() == 3
    assert not DailyFact.objects.filter(tenant=tenant_b).exists()
    assert "3 days" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("rollup_facts", "--tenant", "tidak-ada")
    with pytest.raises(CommandError):
        call_command("rollup_facts", "--since", until.isoformat(), "--until", since.isoformat())


@pytest.fixture
def permit_media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"


def test_permit_facts_rebuild_the_sla_state_of_each_day_and_give_shops_their_kbli_sector(
    tenant_a: Tenant, db: None, permit_media: None
) -> None:
    from apps.marketplace import services as market
    from apps.marketplace.models import Shop
    from tests.permits.conftest import advance, make_people, submitted_permit

    d0 = timezone.localdate() - datetime.timedelta(days=10)
    with tenant_a:
        people = make_people("pm-")
        permit = submitted_permit(people, now=at(d0, 9))  # KBLI 56102: sector 56
        permit = advance(permit, people, "recommended", now=at(d0 + datetime.timedelta(days=4), 9))
        advance(permit, people, "issued", now=at(d0 + datetime.timedelta(days=5), 9))
        shop = market.open_shop(people.owner, name="Pecel Bu Sri", address="Jl. Mojorejo No. 12")
        Shop.objects.filter(pk=shop.pk).update(created_at=at(d0))
    for offset in range(7):
        services.rollup_tenant_day(tenant_a, d0 + datetime.timedelta(days=offset))
    submitted = facts(tenant_a, d0)
    assert submitted[(Metric.PERMITS_SUBMITTED, "")][:2] == (1, 0)
    assert (Metric.PERMITS_OVERDUE, "") not in submitted
    # Submitted on d0 with 3 days to recommend: late from the end of d0 + 3 until d0 + 4.
    assert (Metric.PERMITS_OVERDUE, "") not in facts(tenant_a, d0 + datetime.timedelta(days=2))
    assert facts(tenant_a, d0 + datetime.timedelta(days=3))[(Metric.PERMITS_OVERDUE, "")][:2] == (1, 0)
    assert (Metric.PERMITS_OVERDUE, "") not in facts(tenant_a, d0 + datetime.timedelta(days=4))
    issued = facts(tenant_a, d0 + datetime.timedelta(days=5))
    assert issued[(Metric.PERMITS_ISSUED, "")][:2] == (5 * 24 * 60, 1)
    # Before the permit the shop's sector is unknown (total only); after, it counts in 56.
    assert (Metric.UMKM_ACTIVE, "56") not in facts(tenant_a, d0 + datetime.timedelta(days=4))
    assert issued[(Metric.UMKM_ACTIVE, "56")][:2] == (1, 0)

"""Stale jobs found by heartbeat (a worker killed with SIGKILL cannot mark its job failed) and
repair of after-commit work lost while the broker was down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from celery import current_app
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from kombu.exceptions import OperationalError

from apps.analytics.models import DailyFact
from apps.discovery.models import Listing
from apps.fulfillment.models import Batch, Hub, RoutingJob
from apps.fulfillment.tasks import run_routing_job
from apps.jobs import repair, stale
from apps.jobs.tasks import repair_tenant, requeue_stale_tenant
from apps.marketplace import services
from apps.marketplace.models import Product, StockLocation, Variant
from apps.marketplace.services import VariantSpec
from apps.marketplace.tasks import sync_listings
from apps.tenancy.models import ActivationJob, Tenant
from tests.marketplace.conftest import Market

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]
LONG_AGO = timedelta(hours=1)


def _routing_job(code: str, **values: Any) -> RoutingJob:
    location = StockLocation.objects.create(kind="hub", code=code, name=code)
    hub = Hub.objects.create(code=code, name=code, location=location, lat=-7.637, lng=111.534)
    batch = Batch.objects.create(hub=hub, cutoff_at=timezone.now())
    return RoutingJob.objects.create(batch=batch, **values)


def test_a_killed_routing_job_is_found_by_its_heartbeat_and_queued_again(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(run_routing_job, "delay", lambda job_id: queued.append(job_id))
    now = timezone.now()
    with tenant_a:
        dead = _routing_job("H-DEAD", status=RoutingJob.Status.RUNNING, started_at=now - LONG_AGO)
        RoutingJob.objects.filter(pk=dead.pk).update(heartbeat_at=now - timedelta(minutes=3))
        alive = _routing_job("H-LIVE", status=RoutingJob.Status.RUNNING, started_at=now - LONG_AGO)
        RoutingJob.objects.filter(pk=alive.pk).update(heartbeat_at=now - timedelta(seconds=30))
        done = _routing_job("H-DONE", status=RoutingJob.Status.SUCCEEDED, started_at=now - LONG_AGO)
        with django_capture_on_commit_callbacks(execute=True):
            result = requeue_stale_tenant()
        assert result["routing"] == [dead.pk] and queued == [dead.pk]
        dead.refresh_from_db()
        assert dead.status == RoutingJob.Status.FAILED and dead.error.startswith("stale: no heartbeat")
        assert RoutingJob.objects.get(pk=alive.pk).status == RoutingJob.Status.RUNNING
        assert RoutingJob.objects.get(pk=done.pk).status == RoutingJob.Status.SUCCEEDED
        # the rerun is an ordinary run: an empty batch routes to nothing and succeeds
        monkeypatch.undo()
        job = run_routing_job.run(dead.pk)
        assert job["status"] == RoutingJob.Status.SUCCEEDED
        assert RoutingJob.objects.get(pk=dead.pk).heartbeat_at is not None


def test_a_killed_activation_job_is_interrupted_and_resumed(
    tenants: Any, django_capture_on_commit_callbacks: Capture
) -> None:
    connection.set_schema_to_public()
    now = timezone.now()
    codes = [tenants.a.region_id]  # already a tenant: the resumed run skips it
    dead = ActivationJob.objects.create(
        scope="35.77.03", codes=codes, total=1, status=ActivationJob.Status.RUNNING, started_at=now - LONG_AGO
    )
    ActivationJob.objects.filter(pk=dead.pk).update(heartbeat_at=now - timedelta(minutes=30))
    fresh = ActivationJob.objects.create(
        scope="35.77.03", codes=codes, total=1, status=ActivationJob.Status.RUNNING, started_at=now - LONG_AGO
    )
    ActivationJob.objects.filter(pk=fresh.pk).update(heartbeat_at=now - timedelta(seconds=20))
    with django_capture_on_commit_callbacks(execute=True):  # eager: the resumed run happens here
        assert stale.requeue_stale_activation_jobs() == [dead.pk]
    dead.refresh_from_db()
    assert dead.status == ActivationJob.Status.DONE and dead.heartbeat_at is not None and dead.heartbeat_at > now
    assert ActivationJob.objects.get(pk=fresh.pk).status == ActivationJob.Status.RUNNING


def test_activate_tenant_resume_writes_a_heartbeat(tenants: Any) -> None:
    connection.set_schema_to_public()
    job = ActivationJob.objects.create(
        scope="35.77.03", codes=[tenants.a.region_id], total=1, status=ActivationJob.Status.INTERRUPTED
    )
    call_command("activate_tenant", resume=job.pk, stdout=open("/dev/null", "w"))  # noqa: SIM115
    job.refresh_from_db()
    assert job.status == ActivationJob.Status.DONE and job.heartbeat_at is not None


def _broker_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Publishing as with a real broker, and the broker refusing every message."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setitem(current_app.conf, "task_always_eager", False)
    monkeypatch.setattr(sync_listings, "apply_async", refuse)


def _listed(tenant: Tenant, refs: set[int]) -> set[int]:
    previous = connection.tenant
    connection.set_schema_to_public()
    found = set(Listing.objects.filter(tenant=tenant, product_ref__in=refs).values_list("product_ref", flat=True))
    connection.set_tenant(previous)
    return found


def test_listings_lost_while_the_broker_was_down_are_repaired(
    market: Market,
    tenant_a: Tenant,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Capture,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = repair.repair_listings()  # the fixture's products were never synced: listed now
    assert first.published == Product.objects.count() and repair.listing_difference().todo == []
    _broker_down(monkeypatch)
    caplog.set_level(logging.WARNING, logger="apps.core.tasks")
    with django_capture_on_commit_callbacks(execute=True):
        created = [
            services.create_product(
                market.pecel,
                market.sri,
                name=f"Tahu {n}",
                variants=[VariantSpec(sku=f"TAHU-{n}", price=5_000, stock=3)],
            )
            for n in range(5)
        ]
        services.update_product(market.keripik.product, market.sri, name="Keripik tempe renyah")
        services.update_product(market.nasi.product, market.sri, is_active=False)
    assert "broker unavailable, task not queued: marketplace.sync_listings" in caplog.text
    new = {p.pk for p in created}
    assert _listed(tenant_a, new) == set()  # lost: the after-commit sync never ran
    difference = repair.listing_difference()
    assert set(difference.missing) == new
    assert difference.extra == [market.nasi.product_id]
    assert difference.outdated == [market.keripik.product_id]

    monkeypatch.undo()  # the broker is back; the repair sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        result = repair_tenant()
    assert sorted(result["listings"]) == sorted([*new, market.nasi.product_id, market.keripik.product_id])
    assert _listed(tenant_a, new) == new
    assert _listed(tenant_a, {market.nasi.product_id}) == set()
    previous = connection.tenant
    connection.set_schema_to_public()
    assert Listing.objects.get(tenant=tenant_a, product_ref=market.keripik.product_id).name == "Keripik tempe renyah"
    connection.set_tenant(previous)
    assert repair.listing_difference().todo == []  # nothing left: the next sweep is a no-op


def _listing(tenant: Tenant, variant: Variant) -> tuple[int, int, bool]:
    previous = connection.tenant
    connection.set_schema_to_public()
    listing = Listing.objects.get(tenant=tenant, product_ref=variant.product_id)
    connection.set_tenant(previous)
    return listing.price, listing.price_max, listing.in_stock


def test_variant_only_changes_lost_while_the_broker_was_down_are_repaired(
    market: Market, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Capture
) -> None:
    """A variant's price or a stock count changes without touching the product row: the repair
    compares the listed price range and stock state, not only the product's timestamp."""
    repair.repair_listings()
    assert repair.listing_difference().todo == []  # what the feed listed is what the repair expects
    assert _listing(tenant_a, market.sambal) == (25_000, 25_000, True)
    _broker_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_variant(market.sambal, market.sri, price=27_500)
        services.add_variant(market.nasi.product, market.sri, VariantSpec(sku="NASI-BESAR", price=16_000, stock=2))
        services.set_stock(market.keripik, 0, actor=market.sri)
    # A write that bumps no timestamp at all (a bulk update) is found by its value as well.
    Variant.objects.filter(pk=market.madumongso.pk).update(price=19_000)
    assert _listing(tenant_a, market.sambal) == (25_000, 25_000, True)  # stale: the sync was lost
    assert _listing(tenant_a, market.keripik)[2] is True
    difference = repair.listing_difference()
    changed = sorted(v.product_id for v in (market.sambal, market.nasi, market.keripik, market.madumongso))
    assert difference.outdated == changed and difference.missing == [] and difference.extra == []

    monkeypatch.undo()  # the broker is back; the repair sweep runs
    with django_capture_on_commit_callbacks(execute=True):
        result = repair_tenant()
    assert sorted(result["listings"]) == changed
    assert _listing(tenant_a, market.sambal) == (27_500, 27_500, True)
    assert _listing(tenant_a, market.nasi) == (12_000, 16_000, True)
    assert _listing(tenant_a, market.keripik) == (15_000, 15_000, False)
    assert _listing(tenant_a, market.madumongso) == (19_000, 19_000, True)
    # The product's own summary (what the catalogue shows) was repaired too.
    repaired = Product.objects.get(pk=market.madumongso.product_id)
    assert (repaired.price_min, repaired.price_max, repaired.in_stock) == (19_000, 19_000, True)
    assert repair.listing_difference().todo == []  # the next sweep is a no-op


def test_a_product_reserved_to_the_last_unit_is_not_repaired_over_and_over(
    market: Market, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repair counts live reservations like the feed does, so a listing the feed wrote
    while a cart held the last units is not seen as drift on every sweep."""
    services.set_stock(market.sambal, 1, actor=market.sri)
    services.add_to_cart(market.joko, market.sambal.pk, 1)
    services.reserve_cart(market.joko)
    repair.repair_listings()
    assert _listing(tenant_a, market.sambal)[2] is False
    assert repair.listing_difference().todo == []


def test_listing_repair_works_in_bounded_batches(market: Market, monkeypatch: pytest.MonkeyPatch) -> None:
    repair.repair_listings()
    _broker_down(monkeypatch)
    for n in range(5):
        services.create_product(
            market.pecel, market.sri, name=f"Tempe {n}", variants=[VariantSpec(sku=f"T-{n}", price=1_000)]
        )
    monkeypatch.undo()
    assert len(repair.repair_listings(limit=2).todo) == 2
    assert len(repair.repair_listings(limit=2).todo) == 2
    assert len(repair.repair_listings(limit=2).todo) == 1
    assert repair.repair_listings(limit=2).todo == []


def test_daily_facts_behind_the_activity_are_rolled_up_again(
    market: Market, tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Today has activity (the market's products) and no roll-up: it is queued once; new
    activity queues it again; a roll-up that wrote facts counts as done."""
    from django.core.cache import cache

    from apps.analytics.tasks import rollup_today

    cache.clear()
    queued: list[int] = []
    monkeypatch.setattr(rollup_today, "delay", lambda tenant_id: queued.append(tenant_id))
    today = timezone.localdate()
    assert repair.repair_facts() == [today] and queued == [tenant_a.pk]
    assert repair.repair_facts() == []  # queued already, nothing new since
    services.update_product(market.keripik.product, market.sri, name="Keripik tempe pedas")
    assert repair.repair_facts() == [today] and queued == [tenant_a.pk, tenant_a.pk]
    cache.clear()  # the stamp is gone: the facts themselves say when the day was rolled up
    assert repair.stale_fact_days() == [today]
    previous = connection.tenant
    connection.set_schema_to_public()
    DailyFact.objects.create(tenant=tenant_a, region_code=str(tenant_a.region_id), day=today, metric="uji")
    connection.set_tenant(previous)
    assert repair.stale_fact_days() == []


@override_settings(JOBS_ROUTING_STALE_SECONDS=90)
def test_a_routing_threshold_within_the_hard_limit_is_refused() -> None:
    from apps.jobs.checks import housekeeping_scheduled_check, stale_thresholds_check

    assert [e.id for e in stale_thresholds_check()] == ["kotakita.E900"]
    with override_settings(JOBS_ROUTING_STALE_SECONDS=91, JOBS_IMPORT_STALE_SECONDS=0):
        assert [e.id for e in stale_thresholds_check()] == ["kotakita.E901"]
    with override_settings(JOBS_ROUTING_STALE_SECONDS=120):
        assert stale_thresholds_check() == []
    assert housekeeping_scheduled_check() == []
    with override_settings(CELERY_BEAT_SCHEDULE={}):
        assert [w.id for w in housekeeping_scheduled_check()] == ["kotakita.W900"]

"""Batching at cut-offs, routing jobs (idempotent, crash-safe), unassigned reasons, external couriers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.fulfillment import services, solver
from apps.fulfillment.models import Batch, Delivery, Route, RouteStop, RoutingJob
from apps.fulfillment.services import dispatch
from apps.fulfillment.solver import Point
from apps.fulfillment.solver.couriers import MemorySandboxStore, SandboxCourierGateway, ServiceArea

from .conftest import HUB_POINT, World, new_delivery

pytestmark = pytest.mark.django_db


def sandbox() -> SandboxCourierGateway:
    return SandboxCourierGateway(area=ServiceArea.circle(Point(*HUB_POINT), 10_000))


def test_dispatch_batches_once_per_hub_and_cutoff(world: World, django_capture_on_commit_callbacks: Any) -> None:
    first, second = new_delivery(world), new_delivery(world)
    later = timezone.now() + timedelta(days=1)  # the hub's 00:00 cut-off of tomorrow has passed by then
    with django_capture_on_commit_callbacks(execute=False) as queued:
        jobs = services.dispatch_due(now=later)
    assert len(jobs) == 1 and len(queued) == 1  # the routing task is queued after commit
    batch = Batch.objects.get()
    assert batch.hub == world.hub
    assert set(batch.deliveries.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert services.dispatch_due(now=timezone.now()) == []  # nothing pending, the job is fresh
    # A day later the job is still queued (its worker died): it is queued again, nothing new is made.
    assert services.dispatch_due(now=later) == jobs
    assert RoutingJob.objects.count() == 1 and Batch.objects.count() == 1


def test_routing_job_writes_ordered_routes_with_pickups_before_drops(world: World) -> None:
    deliveries = [new_delivery(world) for _ in range(3)]
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    done = services.run_routing_job(job.pk)
    assert done.status == RoutingJob.Status.SUCCEEDED
    assert done.orders_total == 3 and done.assigned_count == 3 and done.unassigned_count == 0
    assert done.started_at is not None and done.finished_at is not None and done.attempts == 1
    route = Route.objects.get()
    assert route.courier == world.courier and route.distance_m > 0
    stops = list(route.stops.order_by("seq"))
    assert len(stops) == 6
    for delivery in deliveries:
        kinds = [s for s in stops if s.delivery_id == delivery.pk]
        assert [s.kind for s in kinds] == [RouteStop.Kind.PICKUP, RouteStop.Kind.DROPOFF]
        assert kinds[0].seq < kinds[1].seq and kinds[0].eta <= kinds[1].eta
        delivery.refresh_from_db()
        assert delivery.window_start <= delivery.eta <= delivery.window_end  # time window kept


def test_a_job_killed_before_commit_runs_again_without_duplicates(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(2):
        new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    real_announce = dispatch._announce
    calls = {"n": 0}

    def crash(*args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # half-way through writing the plan
            raise RuntimeError("worker killed")
        real_announce(*args, **kwargs)

    monkeypatch.setattr(dispatch, "_announce", crash)
    with pytest.raises(RuntimeError):
        services.run_routing_job(job.pk)
    job.refresh_from_db()
    assert job.status == RoutingJob.Status.RUNNING  # staff see it was started
    assert not Route.objects.exists() and not RouteStop.objects.exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.BATCHED}

    monkeypatch.setattr(dispatch, "_announce", real_announce)
    services.run_routing_job(job.pk)
    services.run_routing_job(job.pk)  # and once more: a no-op
    job.refresh_from_db()
    assert job.status == RoutingJob.Status.SUCCEEDED and job.attempts == 2
    assert Route.objects.count() == 1
    assert RouteStop.objects.count() == 4
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.ASSIGNED}


def test_unservable_order_keeps_the_solvers_reason_and_goes_external(world: World) -> None:
    heavy = new_delivery(world, weight_kg=40)  # motor takes 25 kg
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    api = sandbox()
    api.max_weight = 50
    done = services.run_routing_job(job.pk, gateway=api)
    heavy.refresh_from_db()
    assert heavy.unassigned_reason == "exceeds_capacity"
    assert "terlalu berat" in services.reason_label(heavy.unassigned_reason)
    assert heavy.status == Delivery.Status.ASSIGNED and heavy.external_booking.startswith("SBX-B-")
    assert heavy.external_price >= 10_000
    done.refresh_from_db()
    assert done.external_count == 1 and done.unassigned_count == 1
    # Running again books nothing twice.
    services.run_routing_job(job.pk, gateway=api)
    assert isinstance(api.store, MemorySandboxStore) and len(api.store.keys("booking:")) == 1


def test_external_refusal_sends_the_order_back_to_pending_with_reasons(world: World) -> None:
    heavy = new_delivery(world, weight_kg=40)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk, gateway=sandbox())  # sandbox takes at most 20 kg
    heavy.refresh_from_db()
    assert heavy.status == Delivery.Status.PENDING and heavy.batch is None
    assert heavy.unassigned_reason == "exceeds_capacity"
    assert heavy.events.filter(action="requeue").exists()


def test_no_courier_on_shift_means_no_vehicles(world: World) -> None:
    services.set_availability(world.courier, False, actor=world.andi)
    delivery = new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    api = sandbox()
    api.fail_next(5)  # the external API is down too
    services.run_routing_job(job.pk, gateway=api)
    delivery.refresh_from_db()
    assert delivery.unassigned_reason == "no_vehicles"
    assert delivery.status == Delivery.Status.PENDING
    assert "Tidak ada kurir" in services.reason_label("no_vehicles")


def test_external_booking_is_followed_until_delivered(world: World) -> None:
    clock = [1_000_000.0]
    api = SandboxCourierGateway(
        area=ServiceArea.circle(Point(*HUB_POINT), 10_000), max_weight=50, clock=lambda: clock[0]
    )
    heavy = new_delivery(world, weight_kg=40)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk, gateway=api)
    heavy.refresh_from_db()
    assert heavy.status == Delivery.Status.ASSIGNED and heavy.is_external
    assert services.sync_external(api) == 0  # still allocating a driver
    clock[0] += 60 * 60  # an hour later the sandbox has delivered it
    assert services.sync_external(api) == 1
    heavy.refresh_from_db()
    heavy.order.refresh_from_db()
    assert heavy.status == Delivery.Status.DELIVERED and heavy.proof_kind == "external"
    assert heavy.order.status == "delivered"
    assert list(heavy.events.values_list("action", flat=True))[-2:] == ["pick_up", "deliver"]
    assert services.sync_external(api) == 0


def test_external_cancel_before_pickup(world: World) -> None:
    api = sandbox()
    api.max_weight = 50
    heavy = new_delivery(world, weight_kg=40)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk, gateway=api)
    services.cancel_delivery(Delivery.objects.get(pk=heavy.pk), actor=world.sri, reason="pembeli batal", api=api)
    heavy.refresh_from_db()
    assert heavy.status == Delivery.Status.CANCELLED
    assert api.track(heavy.external_booking).status.value == "cancelled"


def test_a_plan_failing_the_independent_check_is_never_written(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    monkeypatch.setattr(solver, "check_plan", lambda problem, plan, matrix: ["courier 1: over capacity"])
    failed = services.run_routing_job(job.pk)
    assert failed.status == RoutingJob.Status.FAILED and "over capacity" in failed.error
    assert not Route.objects.exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.BATCHED}
    monkeypatch.undo()
    assert services.run_routing_job(job.pk).status == RoutingJob.Status.SUCCEEDED


def test_road_matrix_server_down_falls_back_to_haversine(world: World, settings: Any) -> None:
    settings.FULFILLMENT_OSRM_URL = "http://127.0.0.1:9"  # nothing listens there
    assert type(services.matrix_provider()).__name__ == "OsrmProvider"
    delivery = new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    assert services.run_routing_job(job.pk).status == RoutingJob.Status.SUCCEEDED
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED

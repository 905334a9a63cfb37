"""Dispatch: batching due deliveries, routing jobs, writing plans and booking external couriers."""

from __future__ import annotations

import logging
import threading
import time as walltime
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections as db_connections
from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.jobs.heartbeat import threshold
from apps.tenancy.due_work import Kind, schedule_due

from .. import conf, solver
from ..external import CacheSandboxStore
from ..models import (
    Batch,
    Courier,
    Delivery,
    DeliveryEvent,
    Hub,
    Route,
    RouteStop,
    RoutingJob,
)
from ..solver import couriers as external
from ._common import (
    _TIME_FORMAT,
    EXTERNAL_POLL,
    DStatus,
    _announce,
    _lock,
    _move,
    _require_operator,
    next_cutoff,
    reason_label,
    schedule_dispatch,
    tenant_area,
)

logger = logging.getLogger(__name__)


def _last_cutoff(hub: Hub, now: datetime) -> datetime | None:
    local = timezone.localtime(now)
    best: datetime | None = None
    for text in hub.cutoff_times or conf.get("DEFAULT_CUTOFFS"):
        moment = timezone.make_aware(datetime.combine(local.date(), datetime.strptime(text, _TIME_FORMAT).time()))
        if moment <= now and (best is None or moment > best):
            best = moment
    return best


@transaction.atomic
def dispatch_due(now: datetime | None = None) -> list[int]:
    """Close every hub's batch whose cut-off has passed: pending deliveries made before the
    cut-off join the batch (one per hub per cut-off), and a routing job is queued after
    commit. Idempotent: running it twice makes no second batch nor job. Jobs left queued or
    running for STALE_JOB_MINUTES (their worker died) are queued again; they are safe to rerun."""
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import run_routing_job as routing_task

    now = now or timezone.now()
    job_ids: list[int] = []
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        cutoff = _last_cutoff(hub, now)
        if cutoff is None:
            continue
        due = list(
            Delivery.objects.select_for_update()
            .filter(hub=hub, status=DStatus.PENDING, created_at__lte=cutoff)
            .order_by("pk")
        )
        if not due:
            continue
        batch, _created = Batch.objects.get_or_create(hub=hub, cutoff_at=cutoff)
        if batch.status == Batch.Status.ROUTED:
            # Routed already (stragglers, e.g. an unassigned order sent back): they wait for the next cut-off.
            continue
        for delivery in due:
            delivery.batch = batch
            _move(delivery, "batch", actor=None, note=str(batch))
        Delivery.objects.bulk_update(due, ["batch", "status", "updated_at"])
        job, _created = RoutingJob.objects.get_or_create(batch=batch)
        job_ids.append(job.pk)
    stale_before = now - timedelta(minutes=conf.get("STALE_JOB_MINUTES"))
    stale = RoutingJob.objects.filter(
        Q(status=RoutingJob.Status.QUEUED, created_at__lt=stale_before)
        | Q(status=RoutingJob.Status.RUNNING, started_at__lt=stale_before)
    ).exclude(pk__in=job_ids)
    job_ids.extend(stale.order_by("pk").values_list("pk", flat=True))  # a worker died: run them again
    for job_id in job_ids:
        enqueue_on_commit(routing_task, job_id)
    return job_ids


ACTIVE_JOB = (RoutingJob.Status.QUEUED, RoutingJob.Status.RUNNING)


@transaction.atomic
def batch_now(hub: Hub, *, actor: User, now: datetime | None = None, queue: bool = True) -> RoutingJob | None:
    """Staff/hub operator: close a batch for the hub right now (e.g. rush hour) and queue its
    routing job; the request only batches and queues, the solve runs in the `routing` worker
    and the page follows the job's progress. Idempotent: while a job of the hub is queued or
    running, closing again returns that job and starts nothing (a double tap, a second
    operator); None when no delivery is waiting. `queue=False`: the caller runs the job itself
    (the demo seed)."""
    _require_operator(hub, actor)
    Hub.objects.select_for_update().filter(pk=hub.pk).first()  # one close at a time per hub
    active = (
        RoutingJob.objects.filter(batch__hub=hub, status__in=ACTIVE_JOB).select_related("batch", "batch__hub").first()
    )
    if active is not None:
        return active
    now = now or timezone.now()
    due = list(Delivery.objects.select_for_update().filter(hub=hub, status=DStatus.PENDING).order_by("pk"))
    if not due:
        return None
    batch, _created = Batch.objects.get_or_create(hub=hub, cutoff_at=now.replace(microsecond=0))
    for delivery in due:
        delivery.batch = batch
        _move(delivery, "batch", actor=actor, note=str(batch))
    Delivery.objects.bulk_update(due, ["batch", "status", "updated_at"])
    job, _created = RoutingJob.objects.get_or_create(batch=batch)
    if queue:
        queue_routing(job.pk)
    # If its worker dies, the dispatcher queues it again once it is stale.
    schedule_dispatch(now + timedelta(minutes=conf.get("STALE_JOB_MINUTES")))
    return job


@transaction.atomic
def retry_routing_job(job: RoutingJob, *, actor: User) -> RoutingJob:
    """The operator's "Coba lagi" on a failed routing job: queue it again (its deliveries are
    still batched). Idempotent: a job queued, running or done is returned as it is."""
    locked = RoutingJob.objects.select_for_update().select_related("batch", "batch__hub").get(pk=job.pk)
    _require_operator(locked.batch.hub, actor)
    if locked.status != RoutingJob.Status.FAILED:
        return locked
    locked.status = RoutingJob.Status.QUEUED
    locked.error = ""
    locked.finished_at = None
    locked.save(update_fields=["status", "error", "finished_at"])
    queue_routing(locked.pk)
    schedule_dispatch(timezone.now() + timedelta(minutes=conf.get("STALE_JOB_MINUTES")))
    return locked


def queue_routing(job_id: int) -> None:
    """Run the routing job after commit in the `routing` worker. Without a broker (eager
    Celery, `make run`) and FULFILLMENT_ROUTING_IN_THREAD on, it runs in a thread of the web
    process instead, so the operator's request still returns at once (tests keep it off: their
    eager task runs in-line, inside the test's transaction)."""
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import run_routing_job as routing_task

    if routing_task.app.conf.task_always_eager and conf.get("ROUTING_IN_THREAD"):
        tenant = connection.tenant
        transaction.on_commit(lambda: _route_in_thread(tenant, job_id))
        return
    enqueue_on_commit(routing_task, job_id)


def _route_in_thread(tenant: object, job_id: int) -> None:
    def run() -> None:
        try:
            connection.set_tenant(tenant)
            run_routing_job(job_id)
        except Exception:  # a thread has nobody to raise to: logged, the job page shows it failed or stale
            logger.exception("routing job %s failed in its thread", job_id)
            RoutingJob.objects.filter(pk=job_id, status__in=ACTIVE_JOB).update(
                status=RoutingJob.Status.FAILED, error="crash", finished_at=timezone.now()
            )
        finally:
            db_connections.close_all()  # this thread's own connection

    threading.Thread(target=run, name=f"routing-job-{job_id}", daemon=True).start()


def next_due(now: datetime | None = None) -> datetime | None:
    """When the dispatcher next has work in this tenant, from the tables: the next cut-off of
    each active hub with pending deliveries, a queued or running routing job turning stale, or
    the next look at an external courier's booking."""
    now = now or timezone.now()
    moments: list[datetime] = [
        next_cutoff(hub, now)
        for hub in Hub.objects.filter(is_active=True, deliveries__status=DStatus.PENDING).distinct().order_by("pk")
    ]
    stale = timedelta(minutes=conf.get("STALE_JOB_MINUTES"))
    jobs = RoutingJob.objects.aggregate(
        queued=Min("created_at", filter=Q(status=RoutingJob.Status.QUEUED)),
        running=Min("started_at", filter=Q(status=RoutingJob.Status.RUNNING)),
    )
    moments.extend(moment + stale for moment in (jobs["queued"], jobs["running"]) if moment is not None)
    if Delivery.objects.filter(status__in=[DStatus.ASSIGNED, DStatus.PICKED_UP]).exclude(external_booking="").exists():
        moments.append(now + EXTERNAL_POLL)
    return min(moments) if moments else None


@dataclass
class _Clock:
    day: date
    origin: datetime  # local midnight of `day`

    def seconds(self, moment: datetime) -> int:
        return max(0, int((moment - self.origin).total_seconds()))

    def at(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=seconds)


def _clock_for(moment: datetime) -> _Clock:
    day = timezone.localtime(moment).date()
    return _Clock(day, timezone.make_aware(datetime.combine(day, time.min)))


def _point(lat: Decimal, lng: Decimal) -> solver.Point:
    return solver.Point(float(lat), float(lng))


def build_problem(
    batch: Batch, deliveries: Sequence[Delivery], now: datetime
) -> tuple[solver.Problem, _Clock, dict[str, Courier], list[tuple[Delivery, str]]]:
    """The solver's view of a batch: its hub, the couriers of the hub on shift (from now, or
    from the end of their earlier routes today) and one order per delivery (a shop → buyer
    pair, or hub → buyer when the goods wait at the hub). Deliveries whose window has already
    passed are returned aside with the reason `window_passed`."""
    clock = _clock_for(max(now, batch.cutoff_at))
    hub = batch.hub
    start_s = clock.seconds(now)
    vehicles: list[solver.Vehicle] = []
    couriers: dict[str, Courier] = {}
    busy_until = {
        row["courier_id"]: row["last"]
        for row in Route.objects.filter(day=clock.day, courier__home_hub=hub)
        .exclude(job__batch=batch)
        .values("courier_id")
        .annotate(last=Max("ends_at"))
    }
    weekday = clock.day.weekday()
    for courier in Courier.objects.filter(home_hub=hub, is_active=True, is_available=True).order_by("pk"):
        if courier.work_days and weekday not in courier.work_days:
            continue
        shift_start = clock.seconds(timezone.make_aware(datetime.combine(clock.day, courier.shift_start)))
        shift_end = clock.seconds(timezone.make_aware(datetime.combine(clock.day, courier.shift_end)))
        begin = max(shift_start, start_s)
        if courier.pk in busy_until:
            begin = max(begin, clock.seconds(busy_until[courier.pk]))
        if begin >= shift_end:
            continue
        vid = str(courier.pk)
        couriers[vid] = courier
        vehicles.append(
            solver.Vehicle(
                id=vid,
                start_hub=hub.code,
                capacity=courier.capacity_kg,
                speed_kmh=float(courier.speed_kmh),
                cost_per_km=courier.cost_per_km,
                kind=solver.VehicleKind(courier.vehicle),
                shift=solver.TimeWindow(begin, shift_end),
            )
        )
    orders: list[solver.Order] = []
    aside: list[tuple[Delivery, str]] = []
    for d in deliveries:
        end = clock.seconds(d.window_end)
        if d.window_end <= now or end <= 0:
            aside.append((d, "window_passed"))
            continue
        window = solver.TimeWindow(min(clock.seconds(d.window_start), end), end)
        dropoff = solver.Stop(_point(d.dropoff_lat, d.dropoff_lng), window, conf.get("DROPOFF_SERVICE_S"))
        pickup = None
        if d.pickup_from == Delivery.PickupFrom.SHOP:
            pickup = solver.Stop(_point(d.pickup_lat, d.pickup_lng), None, conf.get("PICKUP_SERVICE_S"))
        orders.append(solver.Order(id=str(d.pk), dropoff=dropoff, demand=d.weight_kg, pickup=pickup))
    problem = solver.Problem(
        hubs=[solver.Hub(id=hub.code, point=_point(hub.lat, hub.lng), name=hub.name)],
        orders=orders,
        vehicles=vehicles,
    )
    return problem, clock, couriers, aside


def _start_job(job_id: int) -> RoutingJob | None:
    with transaction.atomic():
        job = RoutingJob.objects.select_for_update().select_related("batch", "batch__hub").get(pk=job_id)
        if job.status == RoutingJob.Status.SUCCEEDED:
            return None
        job.status = RoutingJob.Status.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = timezone.now()
        job.finished_at = None
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "finished_at", "error"])
        Batch.objects.filter(pk=job.batch_id).update(status=Batch.Status.ROUTING)
        # The stale-job sweep looks once this run's heartbeat could have stopped (apps.jobs.stale).
        schedule_due(Kind.STALE_JOBS, job.started_at + threshold("ROUTING"))
        return job


def _heartbeat(job_id: int) -> None:
    """This run is alive (the stale-job sweep requeues a running job whose heartbeat stopped)."""
    RoutingJob.objects.filter(pk=job_id, status=RoutingJob.Status.RUNNING).update(heartbeat_at=timezone.now())


def run_routing_job(
    job_id: int, *, now: datetime | None = None, gateway: external.CourierGateway | None = None
) -> RoutingJob:
    """Route one batch. Three steps: mark the job running (committed, so staff see it), solve
    outside any transaction, then write routes, stops and assignments in ONE transaction that
    first re-locks the job and skips if another run already finished it. A run killed before
    that commit leaves nothing behind and can simply run again; a second run is a no-op.
    Orders nobody local can serve then go to the external courier (idempotent per delivery)."""
    now = now or timezone.now()
    job = _start_job(job_id)
    if job is None:
        finished = RoutingJob.objects.get(pk=job_id)
        book_external_for_batch(finished.batch_id, gateway=gateway)
        return finished
    batch = job.batch
    deliveries = list(
        Delivery.objects.filter(batch=batch, status=DStatus.BATCHED).order_by("pk").select_related("order")
    )
    try:
        problem, clock, couriers, aside = build_problem(batch, deliveries, now)
        _heartbeat(job_id)
        limit = float(conf.get("SOLVER_SECONDS"))
        started = walltime.perf_counter()
        matrix = matrix_provider().matrix(problem.points(), timeout_s=limit / 4)
        plan = solver.solve(
            problem,
            solver.SolveOptions(
                time_limit_s=max(0.2, limit - (walltime.perf_counter() - started)),
                objective=solver.Objective(conf.get("SOLVER_OBJECTIVE")),
            ),
            matrix=matrix,
        )
        wall_ms = int((walltime.perf_counter() - started) * 1000)
        _heartbeat(job_id)
        problems = solver.check_plan(problem, plan, matrix)
        if problems:  # never write a plan that breaks a capacity, window or shift
            raise RuntimeError("; ".join(problems[:5]))
    except (ValueError, RuntimeError) as exc:  # InvalidProblem/MatrixError are ValueErrors
        logger.exception("routing job %s failed", job_id)
        RoutingJob.objects.filter(pk=job_id).update(
            status=RoutingJob.Status.FAILED, error=str(exc)[: RoutingJob.ERROR_MAX], finished_at=timezone.now()
        )
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.OPEN)
        return RoutingJob.objects.get(pk=job_id)
    _write_plan(job_id, plan, clock, couriers, aside, wall_ms)
    book_external_for_batch(batch.pk, gateway=gateway)
    return RoutingJob.objects.get(pk=job_id)


@transaction.atomic
def _write_plan(
    job_id: int,
    plan: solver.Plan,
    clock: _Clock,
    couriers: dict[str, Courier],
    aside: list[tuple[Delivery, str]],
    wall_ms: int,
) -> None:
    job = RoutingJob.objects.select_for_update().select_related("batch", "batch__hub").get(pk=job_id)
    if job.status == RoutingJob.Status.SUCCEEDED:
        return  # another run finished first
    job.routes.all().delete()  # leftovers of nothing: a crashed run never committed, but be explicit
    locked = {
        str(d.pk): d
        for d in Delivery.objects.select_for_update(of=("self",))
        .filter(batch=job.batch, status=DStatus.BATCHED)
        .select_related("order", "order__shop", "order__buyer", "hub")
        .order_by("pk")
    }
    assigned = 0
    for plan_route in plan.routes:
        stops = [v for v in plan_route.stops if v.order_id in locked]
        if not stops:
            continue
        courier = couriers[plan_route.vehicle_id]
        route = Route.objects.create(
            job=job,
            courier=courier,
            day=clock.day,
            distance_m=plan_route.distance_m,
            duration_s=plan_route.duration_s,
            cost=plan_route.cost,
            starts_at=clock.at(plan_route.visits[0].departure_s),
            ends_at=clock.at(plan_route.visits[-1].arrival_s),
            path=[[v.point.lat, v.point.lng] for v in plan_route.visits],
        )
        for seq, visit in enumerate(stops, start=1):
            delivery = locked[str(visit.order_id)]
            kind = RouteStop.Kind.PICKUP if visit.kind is solver.VisitKind.PICKUP else RouteStop.Kind.DROPOFF
            RouteStop.objects.create(
                route=route,
                delivery=delivery,
                kind=kind,
                seq=seq,
                lat=Decimal(f"{visit.point.lat:.6f}"),
                lng=Decimal(f"{visit.point.lng:.6f}"),
                eta=clock.at(visit.start_s),
            )
            if kind == RouteStop.Kind.DROPOFF:
                delivery.route = route
                delivery.courier = courier
                delivery.eta = clock.at(visit.start_s)
                delivery.unassigned_reason = ""
                _move(delivery, "assign", actor=None, note=str(courier))
                delivery.save()
                assigned += 1
                _announce(
                    delivery,
                    "assigned",
                    _("Kurir untuk pesanan %(number)s") % {"number": delivery.order.number},
                    _("%(courier)s akan mengantar pesanan Anda, perkiraan tiba %(eta)s.")
                    % {"courier": courier, "eta": timezone.localtime(delivery.eta).strftime(_TIME_FORMAT)},
                )
    reasons = {u.order_id: str(u.reason) for u in plan.unassigned}
    reasons.update({str(d.pk): code for d, code in aside})
    for oid, code in reasons.items():
        left_out = locked.get(oid)
        if left_out is None:
            continue
        delivery = left_out
        delivery.unassigned_reason = code
        delivery.save(update_fields=["unassigned_reason", "updated_at"])
        DeliveryEvent.record(
            delivery=delivery,
            action="unassigned",
            from_status=delivery.status,
            to_status=delivery.status,
            note=reason_label(code)[:255],  # a built label of the solver's reason code
        )
    job.status = RoutingJob.Status.SUCCEEDED
    job.finished_at = timezone.now()
    job.orders_total = len(locked)
    job.assigned_count = assigned
    job.unassigned_count = len(locked) - assigned
    job.routes_count = job.routes.count()
    job.distance_m = sum(r.distance_m for r in plan.routes)
    job.cost = sum(r.cost for r in plan.routes)
    job.backend = plan.backend[:16]
    job.wall_time_ms = wall_ms
    job.save()
    Batch.objects.filter(pk=job.batch_id).update(status=Batch.Status.ROUTED)


def matrix_provider() -> solver.MatrixProvider:
    """Road distances from an OSRM-compatible server when FULFILLMENT_OSRM_URL is set (falling
    back to haversine × detour when it fails), else haversine × detour."""
    url = str(conf.get("OSRM_URL") or "")
    if url:
        return solver.OsrmProvider(url, profile=str(conf.get("OSRM_PROFILE")))
    return solver.HaversineProvider()


# Per-tenant client configuration only (the service area): the sandbox's quotes and bookings
# live in the shared cache store, so every process and worker sees the same ones.
_GATEWAYS: dict[str, external.CourierGateway] = {}


def gateway() -> external.CourierGateway:
    """The external courier API for this tenant (the sandbox until a real adapter is configured),
    its state in Django's cache (Redis in deployments): shared by the web process and workers."""
    schema = connection.schema_name
    found = _GATEWAYS.get(schema)
    if found is None:
        area = tenant_area()
        center = solver.Point(area[0], area[1]) if area else solver.Point(-7.629454, 111.527267)
        radius = area[2] if area else 15_000.0
        found = external.SandboxCourierGateway(
            area=external.ServiceArea.circle(center, radius), prefix="SBX", store=CacheSandboxStore()
        )
        _GATEWAYS[schema] = found
    return found


def book_external_for_batch(batch_id: int, *, gateway: external.CourierGateway | None = None) -> int:
    """Book the external courier for each delivery the local couriers could not serve (each in
    its own transaction, idempotent per delivery by its booking key); deliveries it cannot
    take go back to pending for the next cut-off, keeping the reason. Returns bookings made."""
    ids = list(
        Delivery.objects.filter(batch_id=batch_id, status=DStatus.BATCHED).order_by("pk").values_list("pk", flat=True)
    )
    booked = 0
    for pk in ids:
        booked += int(_book_external(pk, gateway))
    if booked:
        RoutingJob.objects.filter(batch_id=batch_id).update(
            external_count=Delivery.objects.filter(batch_id=batch_id).exclude(external_booking="").count()
        )
    return booked


@transaction.atomic
def _book_external(delivery_id: int, api: external.CourierGateway | None) -> bool:
    delivery = _lock(delivery_id)
    if delivery.status != DStatus.BATCHED:
        return False
    api = api or gateway()
    request = external.QuoteRequest(
        pickup=_point(delivery.pickup_lat, delivery.pickup_lng),
        dropoff=_point(delivery.dropoff_lat, delivery.dropoff_lng),
        weight=delivery.weight_kg,
        reference=delivery.code,
    )
    try:
        quote = api.quote(request)
        booking = api.book(quote.id, idempotency_key=f"antar-{connection.schema_name}-{delivery.code}")
    except external.CourierError as exc:
        code = f"external_{exc.code}"
        local = delivery.unassigned_reason
        delivery.unassigned_reason = local or code
        _move(delivery, "requeue", actor=None, note=f"{reason_label(local)} {reason_label(code)}")
        delivery.batch = None
        delivery.save()
        return False
    delivery.external_provider = str(conf.get("EXTERNAL_PROVIDER"))
    delivery.external_booking = booking.id
    delivery.external_price = booking.price
    delivery.eta = timezone.now() + timedelta(seconds=quote.delivery_eta_s)
    _move(delivery, "assign_external", actor=None, note=booking.id)
    delivery.save()
    _announce(
        delivery,
        "assigned",
        _("Kurir untuk pesanan %(number)s") % {"number": delivery.order.number},
        _("Pesanan Anda diantar kurir mitra, perkiraan tiba %(eta)s.")
        % {"eta": timezone.localtime(delivery.eta).strftime(_TIME_FORMAT)},
    )
    return True

"""HTMX pages: the courier's route (phone), GPS pings, buyer tracking, hub boards, KPIs."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.api.parsers import parse_json
from apps.core.errors import DomainError
from apps.marketplace.models import Order

from . import hours, selectors, services
from .models import Courier, Delivery, Hub, RoutingJob


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_hub_person(user: User) -> bool:
    return user.is_staff or user.has_role(Role.OPERATOR_HUB)


def _courier_or_404(user: User) -> Courier:
    courier = Courier.objects.select_related("home_hub", "user").filter(user=user, is_active=True).first()
    if courier is None:
        raise Http404(_("Anda tidak terdaftar sebagai kurir."))
    return courier


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if Courier.objects.filter(user=user, is_active=True).exists():
        return redirect("fulfillment:courier")
    if _is_hub_person(user):
        return redirect("fulfillment:hubs")
    return render(request, "fulfillment/mine.html", {"deliveries": selectors.deliveries_for(user)[:50]})


# --- courier --------------------------------------------------------------------------------


def _route_context(courier: Courier) -> dict[str, Any]:
    day = selectors.courier_schedule_day(courier)
    stops = selectors.courier_day(courier, day)
    points = [
        {"lat": float(v.stop.lat), "lng": float(v.stop.lng), "label": f"{v.stop.seq}. {v.delivery.code}"} for v in stops
    ]
    hub = courier.home_hub
    return {
        "courier": courier,
        "stops": stops,
        "schedule_day": hours.day_label(day),
        "schedule_is_today": day == timezone.localdate(),
        "map_data": json.dumps({"hub": [float(hub.lat), float(hub.lng)], "stops": points}),
    }


@login_required
@require_GET
def courier_route(request: HttpRequest) -> HttpResponse:
    courier = _courier_or_404(_user(request))
    return render(request, "fulfillment/courier.html", _route_context(courier))


def _act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user = _user(request)
    courier = _courier_or_404(user)
    delivery = Delivery.objects.filter(code=str(code)[:16]).first()
    status = 200
    if delivery is None or delivery.courier_id != courier.pk:
        messages.error(request, _("Antaran ini bukan tugas Anda."))
        status = 403
    else:
        try:
            if action == "pickup":
                services.mark_picked_up(delivery, actor=user)
                messages.success(request, _("Barang sudah diambil."))
            elif action == "deliver":
                services.mark_delivered(
                    delivery,
                    actor=user,
                    otp=request.POST.get("otp", ""),
                    photo=request.FILES.get("photo"),
                    cod_confirmed=request.POST.get("cod") == "1",
                )
                messages.success(request, _("Antaran selesai. Terima kasih!"))
            else:
                services.mark_failed(delivery, actor=user, reason=request.POST.get("reason", ""))
                messages.warning(request, _("Antaran dicatat gagal."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status_code
    if request.headers.get("HX-Request"):
        return render(
            request, "fulfillment/_stops.html", {**_route_context(courier), "inline_messages": True}, status=status
        )
    if status != 200:
        return render(request, "fulfillment/courier.html", _route_context(courier), status=status)
    return redirect("fulfillment:courier")


@login_required
@require_POST
def courier_pickup(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, "pickup")


@login_required
@require_POST
def courier_deliver(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, "deliver")


@login_required
@require_POST
def courier_fail(request: HttpRequest, code: str) -> HttpResponse:
    return _act(request, code, "fail")


@login_required
@require_POST
def courier_ping(request: HttpRequest) -> HttpResponse:
    """GPS fix from the courier's phone (form-encoded or JSON): lat, lng, accuracy, ts, delivery."""
    data: dict[str, Any]
    if request.content_type == "application/json":
        try:
            data = parse_json(request.body or b"{}")
        except ValueError:  # JSONRefused too: deep, non-finite or NUL
            data = {}
        if not isinstance(data, dict):
            data = {}
    else:
        data = request.POST.dict()
    try:
        ping = services.record_ping(
            _user(request),
            lat=data.get("lat"),
            lng=data.get("lng"),
            accuracy=data.get("accuracy", 0),
            recorded_at=data.get("ts") or timezone.now(),
            delivery_code=str(data.get("delivery") or ""),
        )
    except DomainError as exc:
        return JsonResponse(
            {"error": {"code": exc.code, "message": str(exc.message), "details": exc.details}},
            status=exc.status_code,
        )
    return JsonResponse({"ok": True, "recorded_at": ping.recorded_at.isoformat()}, status=201)


# --- buyer tracking -------------------------------------------------------------------------


def _tracked(request: HttpRequest, code: str) -> Delivery:
    try:
        return selectors.tracked(code, _user(request))
    except DomainError:
        raise Http404(_("Antaran tidak ditemukan.")) from None


def _tracking_context(request: HttpRequest, delivery: Delivery) -> dict[str, Any]:
    user = _user(request)
    position = selectors.courier_position(delivery)
    return {
        "delivery": delivery,
        "position": position,
        "eta": selectors.eta(delivery),
        "events": delivery.events.order_by("created_at"),
        "otp": services.otp_for(delivery)
        if user.pk == delivery.order.buyer_id and delivery.status in selectors.ACTIVE
        else "",
        "reason": services.reason_label(delivery.unassigned_reason),
        "live": delivery.status not in (Delivery.Status.DELIVERED, Delivery.Status.FAILED, Delivery.Status.CANCELLED),
        "map_data": json.dumps(
            {
                "dropoff": [float(delivery.dropoff_lat), float(delivery.dropoff_lng)],
                "courier": list(position) if position else None,
            }
        ),
    }


@login_required
@require_GET
def track(request: HttpRequest, code: str) -> HttpResponse:
    delivery = _tracked(request, code)
    return render(request, "fulfillment/track.html", _tracking_context(request, delivery))


@login_required
@require_GET
def track_status(request: HttpRequest, code: str) -> HttpResponse:
    """The part of the tracking page HTMX polls (status, courier position, ETA)."""
    delivery = _tracked(request, code)
    return render(request, "fulfillment/_track_status.html", _tracking_context(request, delivery))


# --- shop: send an order through the hub ------------------------------------------------------


@login_required
def send_order(request: HttpRequest, order_id: int) -> HttpResponse:
    user = _user(request)
    order = Order.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or not (user.pk == order.shop.owner_id or _is_hub_person(user)):
        raise Http404(_("Pesanan tidak ditemukan."))
    existing = Delivery.objects.filter(order=order).first()
    if existing is not None:
        return redirect("fulfillment:track", code=existing.code)
    status = 200
    # The buyer's checkout point; the seller sees it on the map and may drag it to correct it.
    point = [str(v) if v is not None else "" for v in (order.delivery_lat, order.delivery_lng)]
    values = {"address": order.delivery_address, "lat": point[0], "lng": point[1], "weight_kg": "1"}
    if request.method == "POST":
        values.update({k: request.POST.get(k, "") for k in values})
        try:
            delivery = services.create_delivery(
                order,
                actor=user,
                lat=values["lat"],
                lng=values["lng"],
                address=values["address"],
                weight_kg=values["weight_kg"] or 1,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _sent_message(delivery))
            return redirect("fulfillment:track", code=delivery.code)
    return render(request, "fulfillment/send.html", {"order": order, "values": values}, status=status)


def _sent_message(delivery: Delivery) -> str:
    """ "Antaran dibuat…", and when the hub is closed now, when it takes the parcel."""
    now = timezone.now()
    done = _("Antaran dibuat. Kode lacak: %(code)s.") % {"code": delivery.code}
    span = hours.open_span(delivery.hub, now)
    if span is None or span[0] <= now:
        return done
    return _("%(done)s %(hub)s sedang tutup; diantar mulai %(when)s.") % {
        "done": done,
        "hub": delivery.hub.name,
        "when": hours.describe(span[0], now),
    }


# --- hubs and staff -------------------------------------------------------------------------


def _hub_person(request: HttpRequest) -> User:
    user = _user(request)
    if not _is_hub_person(user):
        raise Http404(_("Halaman tidak ditemukan."))
    return user


@login_required
@require_GET
def hubs(request: HttpRequest) -> HttpResponse:
    _hub_person(request)
    return render(
        request,
        "fulfillment/hubs.html",
        {"hubs": Hub.objects.filter(is_active=True).order_by("name"), "jobs": selectors.running_jobs()},
    )


@login_required
def hub_detail(request: HttpRequest, code: str) -> HttpResponse:
    user = _hub_person(request)
    hub = Hub.objects.filter(code=code).first()
    if hub is None:
        raise Http404(_("Hub tidak ditemukan."))
    status = 200
    if request.method == "POST":
        try:
            job = services.batch_now(hub, actor=user)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status_code
        else:
            if job is None:
                messages.info(request, _("Tidak ada antaran yang menunggu."))
                return redirect("fulfillment:hub", code=hub.code)
            # The solve runs in the background: the operator follows it on the job's page.
            messages.success(request, _("Batch ditutup; rute sedang dihitung."))
            return redirect("fulfillment:job", pk=job.pk)
    day = timezone.localdate()
    routes = selectors.routes_of(hub, day)
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf"]
    map_data = {
        "hub": [float(hub.lat), float(hub.lng)],
        "routes": [
            {"path": r.path, "colour": colours[i % len(colours)], "label": str(r.courier)} for i, r in enumerate(routes)
        ],
    }
    pending = (
        hub.deliveries.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.BATCHED])
        .select_related("order")
        .order_by("created_at")
    )
    return render(
        request,
        "fulfillment/hub.html",
        {
            "hub": hub,
            "batches": selectors.hub_board(hub),
            "routes": routes,
            "pending": [(d, services.reason_label(d.unassigned_reason)) for d in pending[:100]],
            "map_data": json.dumps(map_data),
        },
        status=status,
    )


def _job_or_404(pk: int) -> RoutingJob:
    job = RoutingJob.objects.select_related("batch", "batch__hub").filter(pk=pk).first()
    if job is None:
        raise Http404(_("Tugas tidak ditemukan."))
    return job


def _render_job(request: HttpRequest, job: RoutingJob, status: int = 200) -> HttpResponse:
    """The job's progress: the block HTMX polls, or the whole page on a plain visit."""
    context = {"job": job, "percent": selectors.job_percent(job)}
    template = "fulfillment/_job.html" if request.headers.get("HX-Request") else "fulfillment/job.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    _hub_person(request)
    return _render_job(request, _job_or_404(pk))


@login_required
@require_POST
def job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a failed routing job again ("Coba lagi"); a job not failed is left as it is."""
    user = _hub_person(request)
    job = _job_or_404(pk)
    try:
        job = services.retry_routing_job(job, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return _render_job(request, job, status=exc.status_code)
    if request.headers.get("HX-Request"):
        return _render_job(request, job)
    return redirect("fulfillment:job", pk=job.pk)


def _parse_day(value: str | None, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


@login_required
@require_GET
def kpis(request: HttpRequest) -> HttpResponse:
    _hub_person(request)
    today = timezone.localdate()
    end = _parse_day(request.GET.get("sampai"), today)
    start = _parse_day(request.GET.get("dari"), end - timedelta(days=6))
    if start > end:
        start, end = end, start
    return render(
        request,
        "fulfillment/kpis.html",
        {
            "start": start,
            "end": end,
            "hubs": selectors.hub_kpis(start, end),
            "couriers": selectors.courier_kpis(start, end),
        },
    )

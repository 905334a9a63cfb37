"""Sembako Pintar pages (phone first, under /sembako/): the rounds a household sees, a round's
page with its order form and the price against the market, and the organiser's page (open,
close, aggregated demand, purchase status, goods at the hub, hand-over)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.aid.models import Program
from apps.core.errors import DomainError, ValidationFailed
from apps.core.idempotency import run_form_once
from apps.fulfillment.models import Hub
from apps.marketplace.models import Variant
from apps.pangan import selectors as pangan
from apps.rtrw.models import RukunWarga

from . import selectors, services
from .models import HouseholdOrder, Round

PAGE_SIZE = 20
ITEM_ROWS = 6


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _fail(request: HttpRequest, exc: DomainError) -> int:
    messages.error(request, str(exc.message))
    return exc.status_code


def _visible(request: HttpRequest, pk: int) -> Round:
    round = selectors.rounds_for(request.user).filter(pk=pk).first()
    if round is None:
        raise Http404
    return round


@login_required
@require_http_methods(["GET"])
def round_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.rounds_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "organiser": services.is_organiser(request.user)}
    return render(request, "sembako/list.html", context)


def _detail_context(request: HttpRequest, round: Round) -> dict[str, Any]:
    priced = selectors.priced_items(round)
    order = selectors.order_of(round, request.user)
    return {
        "round": round,
        "priced": priced,
        "order": order,
        "saving": selectors.saving_of(order, priced) if order else 0,
        "delivered": bool(order and selectors.delivered(order)),
        "is_open": round.status == Round.Status.OPEN and round.closes_at > timezone.now(),
        "may_manage": services.may_manage(_user(request), round),
        "idempotency_key": uuid.uuid4().hex,
        "centre_lat": getattr(getattr(request, "tenant", None), "lat", None),
        "centre_lng": getattr(getattr(request, "tenant", None), "lng", None),
    }


@login_required
@require_http_methods(["GET"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    round = _visible(request, pk)
    return render(request, "sembako/detail.html", _detail_context(request, round))


@login_required
@require_POST
def order(request: HttpRequest, pk: int) -> HttpResponse:
    round = _visible(request, pk)
    quantities = {
        name.removeprefix("qty-"): value for name, value in request.POST.items() if name.startswith("qty-") and value
    }
    try:
        services.place_order(
            _user(request),
            round,
            quantities=quantities,
            fulfilment=request.POST.get("fulfilment", HouseholdOrder.Fulfilment.PICKUP),
            address=request.POST.get("address", ""),
            lat=request.POST.get("lat"),
            lng=request.POST.get("lng"),
        )
    except DomainError as exc:
        status = _fail(request, exc)
        return render(request, "sembako/detail.html", _detail_context(request, round), status=status)
    messages.success(request, _("Pesanan tercatat. Silakan bayar sebelum putaran ditutup."))
    return redirect("sembako:detail", pk=round.pk)


@login_required
@require_POST
def pay(request: HttpRequest, pk: int, method: str) -> HttpResponse:
    round = _visible(request, pk)
    found = selectors.order_of(round, request.user)
    if found is None:
        raise Http404
    try:
        if method == "wallet":
            services.pay_with_wallet(
                found, actor=_user(request), idempotency_key=request.POST.get("idempotency_key", "")
            )
        elif method == "bansos":
            services.redeem_bansos(found, actor=_user(request))
        elif method == "batal":
            services.cancel_order(found, actor=_user(request))
        else:
            raise Http404
    except DomainError as exc:
        status = _fail(request, exc)
        return render(request, "sembako/detail.html", _detail_context(request, round), status=status)
    messages.success(request, _("Tersimpan."))
    return redirect("sembako:detail", pk=round.pk)


def _closes_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(_("Waktu tutup tidak terbaca."), code="invalid_closes_at", field="closes_at") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _item_specs(post: Any) -> list[services.ItemSpec]:
    specs = []
    for n in range(ITEM_ROWS):
        variant = post.get(f"item-{n}-variant", "")
        name = post.get(f"item-{n}-name", "")
        if not variant and not name.strip():
            continue
        specs.append(
            services.ItemSpec(
                name=name,
                unit=post.get(f"item-{n}-unit", ""),
                price=post.get(f"item-{n}-price", ""),
                variant=int(variant) if variant.isdigit() else None,
                commodity=post.get(f"item-{n}-commodity", ""),
                cap=post.get(f"item-{n}-cap", ""),
            )
        )
    return specs


@login_required
@require_http_methods(["GET", "POST"])
def open_round(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not services.is_organiser(user):
        raise Http404
    status = 200
    if request.method == "POST":
        post = request.POST
        key = post.get("idempotency_key", "")

        def create() -> tuple[int, Any]:
            hub = Hub.objects.filter(pk=post.get("hub") or 0, is_active=True).first()
            if hub is None:
                raise ValidationFailed(_("Pilih hub pengambilan."), code="hub_required", field="hub")
            rw_id = post.get("rw", "")
            program_id = post.get("aid_program", "")
            round = services.open_round(
                user,
                title=post.get("title", ""),
                closes_at=_closes_at(post.get("closes_at", "")),
                hub=hub,
                items=_item_specs(post),
                rw=RukunWarga.objects.filter(pk=rw_id).first() if rw_id.isdigit() else None,
                offers_delivery=post.get("offers_delivery") == "on",
                aid_program=Program.objects.filter(pk=program_id).first() if program_id.isdigit() else None,
            )
            return 201, {"id": round.pk}

        try:
            outcome = run_form_once(user=user, form_key=key, scope="sembako.round.web", action=create)
        except DomainError as exc:
            status = _fail(request, exc)
        else:
            messages.success(request, _("Putaran dibuka."))
            return redirect("sembako:manage", pk=outcome.body["id"])
    context = {
        "form": request.POST if request.method == "POST" else None,
        "rows": range(ITEM_ROWS),
        "hubs": Hub.objects.filter(is_active=True).order_by("name"),
        "rws": RukunWarga.objects.order_by("number"),
        "programs": Program.objects.order_by("-start_date")[:50],
        "variants": Variant.objects.filter(is_active=True, product__is_active=True, shop__is_active=True)
        .select_related("product", "shop")
        .order_by("shop__name", "product__name", "pk")[:200],
        "commodities": pangan.commodities(),
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "sembako/open.html", context, status=status)


def _managed(request: HttpRequest, pk: int) -> Round:
    round = get_object_or_404(Round.objects.select_related("hub", "rw"), pk=pk)
    user = _user(request)
    if not (services.may_manage(user, round) or services.is_hub_staff(user, round.hub)):
        raise Http404
    return round


@login_required
@require_http_methods(["GET"])
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    round = _managed(request, pk)
    context = {
        "round": round,
        "demand": services.demand(round),
        "orders": selectors.orders_of(round),
        "purchases": services.purchase_orders(round),
        "hub_staff": services.is_hub_staff(_user(request), round.hub),
        "may_manage": services.may_manage(_user(request), round),
    }
    return render(request, "sembako/manage.html", context)


@login_required
@require_POST
def manage_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    round = _managed(request, pk)
    user = _user(request)
    try:
        if action == "tutup":
            services.close_round(round, actor=user)
        elif action == "tiba":
            services.mark_arrived(round, actor=user)
        elif action == "serahkan":
            found = get_object_or_404(HouseholdOrder, pk=request.POST.get("order") or 0, round=round)
            services.hand_over(found, actor=user)
        else:
            raise Http404
    except DomainError as exc:
        _fail(request, exc)
    else:
        messages.success(request, _("Tersimpan."))
    return redirect("sembako:manage", pk=round.pk)

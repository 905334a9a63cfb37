"""Forecast pages (/wawasan/): the UMKM owner's expected demand, the hub's stock plan and the
staff's sector insights. Reads only; a recompute request goes through the service."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.marketplace.models import StockLocation

from . import charts, selectors, services


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@login_required
def demand(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    run = selectors.latest_run()
    shops = list(selectors.visible_shops(user))
    slug = request.GET.get("toko", "")
    if slug:
        shops = [s for s in shops if s.slug == slug]
    cards = selectors.shop_forecasts(run, shops) if run else []
    for card in cards:
        for cat in card.categories:
            name = cat.category.name if cat.category else _("Tanpa kategori")
            cat.chart = charts.demand_chart(
                cat.actual, cat.expected, title=_("Penjualan dan perkiraan: %(name)s") % {"name": name}
            )
    context = {
        "run": run,
        "cards": cards,
        "planner": selectors.may_plan(user),
        "owns_shop": user.shops.exists(),
    }
    return render(request, "insights/demand.html", context)


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not selectors.may_plan(user):
        raise PermissionDenied
    run = selectors.latest_run()
    weeks, hub_rows = selectors.hub_plan(run, hub_delivery_only=True) if run else ([], [])
    _weeks_all, all_rows = selectors.hub_plan(run, hub_delivery_only=False) if run else ([], [])
    context = {
        "run": run,
        "weeks": weeks or _weeks_all,
        "hub_rows": hub_rows,
        "all_rows": all_rows,
        "hubs": StockLocation.objects.filter(kind=StockLocation.Kind.HUB, is_active=True).order_by("name"),
    }
    return render(request, "insights/hub.html", context)


@login_required
def sectors(request: HttpRequest) -> HttpResponse:
    if not _user(request).is_staff:
        raise PermissionDenied
    run = selectors.latest_run()
    weeks, needs, missing = selectors.material_plan(run) if run else ([], [], [])
    growth = selectors.sector_growth()
    context = {
        "run": run,
        "growth": growth,
        "fast": [g for g in growth if g.fast_growing],
        "weeks": weeks,
        "needs": needs,
        "missing": missing,
    }
    return render(request, "insights/sectors.html", context)


@login_required
@require_POST
def recompute(request: HttpRequest) -> HttpResponse:
    try:
        services.request_forecast(_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("insights:demand")
    messages.success(request, _("Perkiraan minggu ini sedang dihitung ulang."))
    return redirect("insights:demand")

"""Pages of apps.bazar: the bazar list and landing page (public), the organiser's sales report,
a holder's vouchers and the shop's voucher till."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.accounts.models import User
from apps.core import cache_scopes
from apps.core.errors import DomainError
from apps.core.money import rupiah
from apps.marketplace.models import Shop

from . import selectors, services
from .models import BazarEvent


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def index(request: HttpRequest) -> HttpResponse:
    events = cache_scopes.cached(selectors.CACHE_SCOPE, ("index",), selectors.upcoming)
    return render(
        request, "bazar/index.html", {"events": events, "may_organise": services.may_organise(_user(request))}
    )


def landing(request: HttpRequest, slug: str) -> HttpResponse:
    event = get_object_or_404(BazarEvent, slug=slug)
    if not event.is_published and not services.may_organise(_user(request)):
        raise Http404

    def context() -> dict[str, object]:
        views = selectors.stalls_of(event)
        return {"event": event, "stalls": views, "grid": selectors.stall_grid(event, views)}

    # Stalls, promotions and the map are the same for every visitor: one cached fragment.
    body = cache_scopes.fragment(selectors.CACHE_SCOPE, ("landing", event.pk), "bazar/_landing_body.html", context)
    now = timezone.now()
    return render(
        request,
        "bazar/landing.html",
        {
            "event": event,
            "body": body,
            "running": event.starts_at <= now < event.ends_at,
            "may_report": services.may_organise(_user(request)),
        },
    )


@login_required
def report(request: HttpRequest, slug: str) -> HttpResponse:
    if not services.may_organise(_user(request)):
        raise Http404  # the report is the organiser's; nobody else learns it exists
    event = get_object_or_404(BazarEvent, slug=slug)
    return render(request, "bazar/report.html", {"report": selectors.sales_report(event)})


@login_required
def my_vouchers(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "bazar/vouchers.html",
        {"vouchers": selectors.vouchers_of(_user(request)), "validity_days": services.DEFAULT_VALIDITY_DAYS},
    )


@login_required
@require_http_methods(["GET", "POST"])
def redeem(request: HttpRequest) -> HttpResponse:
    """The shop's till: the owner enters the code the holder shows and the amount to take."""
    user = _user(request)
    shops = selectors.shops_of(user)
    if not shops:
        raise Http404
    if request.method == "POST":
        shop = get_object_or_404(Shop, pk=request.POST.get("shop") or 0, owner=user)
        try:
            done = services.redeem_voucher(
                request.POST.get("code", ""),
                shop,
                cast(int, request.POST.get("amount", "")),
                actor=user,
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(
                request,
                _("Voucher %(code)s: %(amount)s diterima. Sisa voucher %(rest)s.")
                % {
                    "code": done.voucher.code,
                    "amount": rupiah(done.entry.amount),
                    "rest": rupiah(done.voucher.remaining),
                },
            )
            return redirect("bazar:redeem")
    return render(
        request,
        "bazar/redeem.html",
        {"shops": shops, "idempotency_key": uuid.uuid4().hex, "code": request.GET.get("kode", "")},
    )

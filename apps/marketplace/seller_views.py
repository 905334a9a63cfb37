"""The seller's home (/pasar/toko/<slug>/pesanan/): orders in tabs, and the actions a row allows
(accept, reject with a reason, pack, ship, delivered). Sending through the hub is the
fulfillment app's form, linked from the row."""

from __future__ import annotations

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.short_text import clean_short_text

from . import seller_home, services
from .models import Order, Shop


def _own_shop(request: HttpRequest, slug: str) -> Shop:
    shop = Shop.objects.filter(slug=slug).select_related("owner").first()
    user = cast(User, request.user)
    if shop is None or (shop.owner_id != user.pk and not user.is_staff):
        raise Http404
    return shop


def _home_url(shop: Shop, tab: str) -> str:
    return f"{reverse('marketplace:shop_orders', args=[shop.slug])}?tab={tab}"


@login_required
def shop_orders(request: HttpRequest, slug: str) -> HttpResponse:
    shop = _own_shop(request, slug)
    tab = seller_home.tab_of(request.GET)
    counts = seller_home.tab_counts(shop)
    context = {
        "shop": shop,
        "tab": tab,
        "tabs": [(t, counts[t.slug]) for t in seller_home.TABS],
        "unpaid": seller_home.UNPAID,
        "unpaid_count": counts[seller_home.UNPAID.slug],
        "rows": seller_home.seller_orders(shop, request.GET),
        "reasons": seller_home.REJECT_REASONS,
        "current": seller_home.ALL_TABS[tab],
    }
    return render(request, "marketplace/shop_orders.html", context)


@login_required
@require_POST
def shop_order_action(request: HttpRequest, slug: str, public_id: uuid.UUID) -> HttpResponse:
    shop = _own_shop(request, slug)
    order = Order.objects.filter(shop=shop, public_id=public_id).first()
    if order is None:
        raise Http404
    tab = seller_home.tab_of(request.POST)
    what = request.POST.get("action", "")
    action = seller_home.HOME_ACTIONS.get(what)
    if action is None:
        messages.error(request, _("Tindakan tidak dikenal."))
        return redirect(_home_url(shop, tab))
    note = ""
    if what == "reject":
        reasons = dict(seller_home.REJECT_REASONS)
        reason = request.POST.get("reason", "")
        try:  # the form's own bound (maxlength="150"): told, never cut
            detail = clean_short_text(request.POST.get("detail", ""), field="detail", max_length=150)
        except DomainError as exc:
            messages.error(
                request,
                _("Pesanan %(number)s belum ditolak: keterangannya terlalu panjang (%(error)s)")
                % {"number": order.number, "error": exc.message},
            )
            return redirect(_home_url(shop, tab))
        if reason not in reasons or (reason == "lain" and not detail):
            messages.error(
                request,
                _("Pesanan %(number)s belum ditolak: pilih alasannya (untuk “Alasan lain”, tuliskan alasannya).")
                % {"number": order.number},
            )
            return redirect(_home_url(shop, tab))
        note = _("Ditolak toko: %(reason)s") % {"reason": detail if reason == "lain" else reasons[reason]}
        if detail and reason != "lain":
            note = f"{note} — {detail}"
    try:
        services.transition(order, action, actor=cast(User, request.user), note=note)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect(_home_url(shop, tab))
    done = {
        "accept": _("Pesanan %(number)s diterima. Siapkan barangnya di tab “Perlu dikirim”."),
        "reject": _("Pesanan %(number)s ditolak. Pembeli diberi tahu."),
        "pack": _("Pesanan %(number)s sudah dikemas."),
        "ship": _("Pesanan %(number)s dikirim."),
        "deliver": _("Pesanan %(number)s sudah sampai di pembeli."),
    }[what]
    messages.success(request, done % {"number": order.number})
    return redirect(_home_url(shop, tab))

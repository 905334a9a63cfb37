"""Checkout pages: the form with the delivery map point and the delivery fee quoted before
ordering (HTMX, `checkout_quote`), and placing the orders, which charges exactly that fee."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import DomainError

from . import events, services
from .forms import CheckoutForm
from .models import CartItem, Placement, Reservation, Shop
from .views import _cart, _fail, _new_key, _user

Groups = list[tuple[Shop, list[CartItem], int]]
# Where a refusal of the checkout is shown: next to the map, the address or the delivery choice.
_FIELD_OF = {
    "location": "lat",
    "lat": "lat",
    "address": "address",
    "note": "note",
    "voucher": "voucher",
    "payment_method": "payment_method",
}


def _vouchers(user: Any) -> list[events.VoucherOption]:
    """The buyer's usable vouchers (one query; none without apps.bazar)."""
    provider = events.vouchers()
    return provider.options(user) if provider is not None else []


def _quote(
    groups: Groups, methods: dict[int, str], lat: Any, lng: Any, voucher_left: int = 0
) -> services.CheckoutQuote:
    return services.quote_checkout(
        [(shop, subtotal) for shop, _lines, subtotal in groups], methods, lat, lng, voucher_left=voucher_left
    )


def _quote_context(
    groups: Groups, methods: dict[int, str], lat: Any, lng: Any, voucher_left: int = 0
) -> dict[str, Any]:
    """The quote part of the page: the fees and total, or why there is none (and the status)."""
    try:
        return {"quote": _quote(groups, methods, lat, lng, voucher_left), "quote_status": 200}
    except DomainError as exc:
        waiting = exc.code == "location_required" and lat in (None, "") and lng in (None, "")
        return {
            "quote": None,
            "quote_error": str(exc.message),
            "quote_waiting": waiting,
            "quote_status": exc.status_code,
        }


def _methods(form: CheckoutForm, data: Any, shops: list[Shop]) -> dict[int, str]:
    """The delivery method picked per shop (the form's initial choice before any is sent)."""
    methods: dict[int, str] = {}
    for shop in shops:
        name = f"delivery_{shop.pk}"
        chosen = data.get(name) if data is not None else None
        if chosen is None:
            choices = list(getattr(form.fields[name], "choices", []))
            chosen = choices[0][0] if choices else ""
        methods[shop.pk] = str(chosen)
    return methods


def _page(request: HttpRequest, form: CheckoutForm, groups: Groups, total: int, **extra: Any) -> dict[str, Any]:
    shops = [shop for shop, _lines, _t in groups]
    data = form.data if form.is_bound else None
    lat = data.get("lat", "") if data is not None else form.initial.get("lat", "")
    lng = data.get("lng", "") if data is not None else form.initial.get("lng", "")
    context = {"form": form, "groups": groups, "total": total, "reserved_until": None}
    chosen = data.get("voucher", "") if data is not None else ""
    context.update(_quote_context(groups, _methods(form, data, shops), lat, lng, form.voucher_remaining(chosen)))
    context.update(extra)
    return context


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    """POST: reserve the cart's stock (time-boxed) and show the checkout; GET: the form while
    the reservation lasts, with the delivery fee quoted for the chosen method and map point."""
    user = _user(request)
    if request.method == "POST":
        try:
            services.reserve_cart(user)
        except DomainError as exc:
            _fail(request, exc)
            return redirect("marketplace:cart")
        return redirect("marketplace:checkout")
    groups, total = _cart(user)
    if not groups:
        return redirect("marketplace:cart")
    until = (
        Reservation.objects.filter(buyer=user, reserved_until__gt=timezone.now())
        .order_by("reserved_until")
        .values_list("reserved_until", flat=True)
        .first()
    )
    shops = [shop for shop, _lines, _t in groups]
    residency = getattr(user, "residency", None)
    form = CheckoutForm(
        shops=shops,
        vouchers=_vouchers(user),
        on_terms=services.may_buy_on_terms(user),
        initial={
            "idempotency_key": _new_key(),
            "payment_method": "cod",
            "address": residency.address if residency else "",
        },
    )
    return render(request, "marketplace/checkout.html", _page(request, form, groups, total, reserved_until=until))


@login_required
@require_POST
def checkout_quote(request: HttpRequest) -> HttpResponse:
    """HTMX: the delivery fee and total for the chosen methods and map point (4xx with the
    reason, shown next to the map, when the point is missing or no delivery can reach it)."""
    user = _user(request)
    groups, _total = _cart(user)
    shops = [shop for shop, _lines, _t in groups]
    form = CheckoutForm(request.POST, shops=shops, vouchers=_vouchers(user))
    context = _quote_context(
        groups,
        _methods(form, request.POST, shops),
        request.POST.get("lat"),
        request.POST.get("lng"),
        form.voucher_remaining(request.POST.get("voucher", "")),
    )
    status = context["quote_status"]
    return render(request, "marketplace/_checkout_quote.html", context, status=status)


@login_required
@require_POST
def place(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    raw_key = request.POST.get("idempotency_key", "")
    done = Placement.objects.filter(key=f"web:{user.pk}:{raw_key}", buyer=user).first() if raw_key else None
    if done is not None:  # the same form submitted again: show what it made the first time
        return _after_place(request, done.orders.order_by("pk"))
    groups, total = _cart(user)
    shops = [shop for shop, _lines, _t in groups]
    form = CheckoutForm(request.POST, shops=shops, vouchers=_vouchers(user), on_terms=services.may_buy_on_terms(user))
    if not form.is_valid():
        return render(request, "marketplace/checkout.html", _page(request, form, groups, total), status=422)
    data = form.cleaned_data
    key = f"web:{user.pk}:{data['idempotency_key']}"
    items = [(i.variant_id, i.quantity) for _s, lines, _t in groups for i in lines]
    try:
        result = services.place_and_pay(
            user,
            items,
            idempotency_key=key,
            delivery=form.deliveries(shops),
            address=data["address"],
            lat=data["lat"],
            lng=data["lng"],
            expected_delivery_fee=data["quoted_fee"],
            note=data["note"],
            payment_method=data["payment_method"],
            from_cart=True,
            voucher=data["voucher"],
            expected_voucher_amount=data["quoted_voucher"] if data["voucher"] else None,
        )
    except DomainError as exc:
        field = _FIELD_OF.get(str(exc.details.get("field", "")))
        if field is not None:  # a summary at the top, the reason next to the field it is about
            form.add_error(None, _("Pesanan belum dibuat; periksa isian yang ditandai di bawah."))
        form.add_error(field, str(exc.message))
        context = _page(request, form, groups, total)
        return render(request, "marketplace/checkout.html", context, status=exc.status_code)
    return _after_place(request, result.orders)


def _after_place(request: HttpRequest, orders: Any) -> HttpResponse:
    orders = list(orders)
    messages.success(request, _("Pesanan dibuat: %(numbers)s.") % {"numbers": ", ".join(o.number for o in orders)})
    if len(orders) == 1:
        return redirect("marketplace:order", public_id=orders[0].public_id)
    return redirect("marketplace:orders")

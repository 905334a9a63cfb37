"""The organiser's pages (lurah and kelurahan staff, as `services.may_organise`): the bazar list,
make and change a bazar, its stall map (place, move, renumber, release shops), promotions,
announce and close, the sales report as CSV; and the shop owner's page: join an announced bazar,
see the stall, set its promotion. Views only parse and call the services; a refused step is a
message (Bahasa Indonesia) and nothing changes."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.idempotency import run_form_once
from apps.marketplace.models import Shop

from . import selectors, services
from .forms import BazarForm, CellForm, NewBazarForm, PromotionForm, StallForm
from .models import BazarEvent, Stall


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _organiser(request: HttpRequest) -> User:
    user = _user(request)
    if not services.may_organise(user):
        raise Http404  # the organiser's pages are not advertised to anyone else
    return user


def _event(slug: str) -> BazarEvent:
    return get_object_or_404(BazarEvent, slug=slug)


def _phase(event: BazarEvent) -> str:
    now = timezone.now()
    if event.ends_at <= now:
        return "ended"
    return "running" if event.starts_at <= now else "upcoming"


def _form_errors(form: Any, exc: DomainError) -> int:
    """A service's refusal on the form: under its field when the form has it, else on top."""
    named = exc.details.get("field")
    field = named if named in form.fields else None
    form.add_error(field, str(exc.message))
    return exc.status_code


@login_required
@require_http_methods(["GET"])
def manage_list(request: HttpRequest) -> HttpResponse:
    _organiser(request)
    events = list(selectors.managed()[:100])
    now = timezone.now()
    rows = [(e, "ended" if e.ends_at <= now else "running" if e.starts_at <= now else "upcoming") for e in events]
    return render(request, "bazar/manage_list.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = _organiser(request)
    status = 200
    form = NewBazarForm(request.POST or None, initial={"publish": True})
    if request.method == "POST" and not form.is_valid():
        status = 422
    elif request.method == "POST":
        v = form.cleaned_data
        tenant = getattr(request, "tenant", None)

        def make() -> tuple[int, Any]:
            event = services.create_bazar(
                actor=user,
                name=v["name"],
                starts_at=v["starts_at"],
                ends_at=v["ends_at"],
                place_name=v["place_name"],
                description=v["description"],
                grid_columns=v["grid_columns"],
                grid_rows=v["grid_rows"],
                publish=v["publish"],
                lat=getattr(tenant, "lat", None),
                lng=getattr(tenant, "lng", None),
            )
            return 201, {"slug": event.slug}

        try:
            outcome = run_form_once(
                user=user, form_key=request.POST.get("idempotency_key"), scope="bazar.event.web", action=make
            )
        except DomainError as exc:
            status = _form_errors(form, exc)
        else:
            messages.success(request, _("Bazar dibuat. Sekarang atur lapak dan promonya."))
            return redirect("bazar:manage", slug=outcome.body["slug"])
    return render(
        request,
        "bazar/manage_form.html",
        {"form": form, "event": None, "idempotency_key": request.POST.get("idempotency_key") or uuid.uuid4().hex},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    status = 200
    initial = {
        f: getattr(event, f)
        for f in ("name", "place_name", "description", "starts_at", "ends_at", "grid_columns", "grid_rows")
    }
    initial["starts_at"] = timezone.localtime(event.starts_at)
    initial["ends_at"] = timezone.localtime(event.ends_at)
    form = BazarForm(request.POST or None, initial=initial)
    if request.method == "POST" and not form.is_valid():
        status = 422
    elif request.method == "POST":
        try:
            services.update_bazar(event, actor=user, **form.cleaned_data)
        except DomainError as exc:
            status = _form_errors(form, exc)
        else:
            messages.success(request, _("Bazar diperbarui."))
            return redirect("bazar:manage", slug=event.slug)
    return render(request, "bazar/manage_form.html", {"form": form, "event": event}, status=status)


@login_required
@require_http_methods(["GET"])
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    _organiser(request)
    event = _event(slug)
    stalls = selectors.event_stalls(event)
    products = selectors.products_of_shops([s.shop_id for s in stalls])
    context = {
        "event": event,
        "phase": _phase(event),
        "stalls": [(s, products.get(s.shop_id, [])) for s in stalls],
        "map": selectors.stall_map(event, stalls),
        "shops": selectors.shops_to_invite(event),
        "discounts": PromotionForm.base_fields["discount"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "bazar/manage.html", context)


def _done(request: HttpRequest, slug: str, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("bazar:manage", slug=slug)


def _refused(request: HttpRequest, slug: str, message: str) -> HttpResponse:
    messages.error(request, message)
    return redirect("bazar:manage", slug=slug)


def _first_error(form: Any) -> str:
    return next((str(e) for errors in form.errors.values() for e in errors), _("Isian tidak valid."))


@login_required
@require_POST
def add_stall(request: HttpRequest, slug: str) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    form = StallForm(request.POST)
    if not form.is_valid():
        return _refused(request, slug, _first_error(form))
    shop = Shop.objects.filter(pk=form.cleaned_data["shop"]).first()
    if shop is None:
        return _refused(request, slug, _("Toko tidak ditemukan."))
    if _phase(event) == "ended":
        return _refused(request, slug, _("Bazar ini sudah selesai dan tidak bisa diubah lagi."))
    column, row = form.position()
    number = form.cleaned_data["number"] or (max(event.stalls.values_list("number", flat=True), default=0) + 1)
    try:
        stall = services.add_stall(event, shop, actor=user, number=number, column=column, row=row)
    except DomainError as exc:
        return _refused(request, slug, str(exc.message))
    return _done(request, slug, _("%(shop)s mendapat lapak %(n)s.") % {"shop": shop.name, "n": stall.number})


def _stall(event: BazarEvent, pk: int) -> Stall:
    return get_object_or_404(Stall.objects.select_related("shop", "event"), pk=pk, event=event)


@login_required
@require_POST
def move_stall(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    stall = _stall(event, pk)
    form = CellForm(request.POST)
    if not form.is_valid():
        return _refused(request, slug, _first_error(form))
    column, row = form.position()
    try:
        with transaction.atomic():  # the place and the number change together or not at all
            services.move_stall(stall, actor=user, column=column, row=row)
            if request.POST.get("number", "").strip():
                services.renumber_stall(stall, actor=user, number=request.POST["number"].strip())
    except DomainError as exc:
        return _refused(request, slug, str(exc.message))
    return _done(request, slug, _("Lapak %(shop)s diperbarui.") % {"shop": stall.shop.name})


@login_required
@require_POST
def release_stall(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    stall = _stall(event, pk)
    try:
        services.release_stall(stall, actor=user)
    except DomainError as exc:
        return _refused(request, slug, str(exc.message))
    return _done(request, slug, _("%(shop)s tidak lagi ikut bazar ini.") % {"shop": stall.shop.name})


@login_required
@require_POST
def promotion(request: HttpRequest, pk: int) -> HttpResponse:
    """The stall's promotion, from the organiser's map page or the shop owner's page."""
    user = _user(request)
    stall = get_object_or_404(Stall.objects.select_related("shop", "event"), pk=pk)
    organiser = services.may_organise(user)
    if not organiser and stall.shop.owner_id != user.pk:
        raise Http404
    back = "bazar:manage" if organiser and request.POST.get("back") == "kelola" else "bazar:shop"
    target = redirect(back, slug=stall.event.slug) if back == "bazar:manage" else redirect(back)
    ids = list(selectors.products_of_shops([stall.shop_id]).get(stall.shop_id, []))
    form = PromotionForm(request.POST, product_ids=[p.pk for p in ids])
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return target
    v = form.cleaned_data
    try:
        services.set_promotion(stall, actor=user, discount=v["discount"], value=v["value"] or 0, products=v["products"])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Promo lapak %(n)s disimpan.") % {"n": stall.number})
    return target


@login_required
@require_POST
def publish(request: HttpRequest, slug: str) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    tenant = getattr(request, "tenant", None)
    try:
        services.publish_bazar(event, actor=user, lat=getattr(tenant, "lat", None), lng=getattr(tenant, "lng", None))
    except DomainError as exc:
        return _refused(request, slug, str(exc.message))
    return _done(request, slug, _("Bazar diumumkan dan masuk agenda kelurahan."))


@login_required
@require_POST
def close(request: HttpRequest, slug: str) -> HttpResponse:
    user = _organiser(request)
    event = _event(slug)
    try:
        services.close_bazar(event, actor=user)
    except DomainError as exc:
        return _refused(request, slug, str(exc.message))
    return _done(request, slug, _("Bazar ditutup. Promo berhenti dan laporan penjualan sudah final."))


def _csv_safe(value: str) -> str:
    """A cell a spreadsheet would read as a formula is written as text."""
    return "'" + value if value.startswith(("=", "+", "-", "@", "\t", "\r")) else value


@login_required
@require_http_methods(["GET"])
def report_csv(request: HttpRequest, slug: str) -> HttpResponse:
    _organiser(request)
    report = selectors.sales_report(_event(slug))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Lapak"), _("Toko"), _("Pesanan"), _("Nilai penjualan (Rp)")])
    for row in report.by_shop:
        writer.writerow([row.stall_number, _csv_safe(row.shop_name), row.orders, row.sales])
    writer.writerow(["", _("Jumlah"), report.orders, report.sales])
    response = HttpResponse(buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="laporan-bazar-{report.event.slug}.csv"'
    return response


# The shop owner's side ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def shop_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    shops = selectors.shops_of(user)
    stalls = selectors.stalls_of_owner(user)
    products = selectors.products_of_shops([s.shop_id for s in stalls])
    taken = {(s.event_id, s.shop_id) for s in stalls}
    joinable = [
        (event, [shop for shop in shops if (event.pk, shop.pk) not in taken]) for event in selectors.open_to_join()
    ]
    context = {
        "shops": shops,
        "stalls": [(s, products.get(s.shop_id, []), _phase(s.event)) for s in stalls],
        "joinable": [(event, free) for event, free in joinable if free],
        "discounts": PromotionForm.base_fields["discount"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "bazar/shop.html", context)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    """A shop owner takes the next free stall of an announced bazar for their own shop."""
    user = _user(request)
    event = get_object_or_404(selectors.published(), slug=slug)
    raw = request.POST.get("shop", "")
    shop = get_object_or_404(Shop, pk=int(raw), owner=user) if raw.isdigit() else None
    if shop is None:
        raise Http404
    if event.ends_at <= timezone.now():
        messages.error(request, _("Bazar ini sudah selesai."))
        return redirect("bazar:shop")
    try:
        stall = services.add_stall(event, shop, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _("%(shop)s ikut %(event)s di lapak %(n)s.") % {"shop": shop.name, "event": event.name, "n": stall.number},
        )
    return redirect("bazar:shop")


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    stall = get_object_or_404(Stall.objects.select_related("shop", "event"), pk=pk, shop__owner=user)
    try:
        services.release_stall(stall, actor=user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request, _("%(shop)s batal ikut %(event)s.") % {"shop": stall.shop.name, "event": stall.event.name}
        )
    return redirect("bazar:shop")

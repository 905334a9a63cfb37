"""HTMX pages of UMKM invoices (mounted at /faktur/), phone first. Logic lives in services.

Seller (shop owner): my invoices with the ageing summary, a new invoice by hand, cancel, the
ageing and cash-flow report. Buyer (the addressed user; office staff for the kelurahan's own
invoices): invoices to pay, pay all or part (the payments bill page shows QRIS and the wallet).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError, ValidationFailed

from . import events, pdf, routes, rules, selectors, services
from .models import Invoice

_LINE_FIELD = re.compile(r"^line-(\d{1,2})-(description|quantity|unit|unit_price)$")
NEW_LINE_ROWS = 3


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "invoicing/error.html", {"message": message, "status": status}, status=status)


def _visible_or_404(request: HttpRequest, pk: int) -> Invoice:
    invoice = selectors.visible_to(_user(request)).filter(pk=pk).first()
    if invoice is None:
        raise Http404
    return invoice


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    sold = list(selectors.sold_by(user).order_by("-issue_date", "-id")[:50])
    received = list(selectors.addressed_to(user).order_by("-issue_date", "-id")[:50])
    is_seller = bool(sold) or user.has_role("pemilik_umkm")
    context: dict[str, Any] = {"sold": sold, "received": received, "is_seller": is_seller}
    if is_seller:
        context["ageing"] = selectors.ageing(selectors.sold_by(user), services.today())
    return render(request, "invoicing/index.html", context)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    day = services.today()
    return render(
        request,
        "invoicing/report.html",
        {"ageing": selectors.ageing(selectors.sold_by(user), day), "weeks": selectors.cash_flow(user, day)},
    )


def _lines_from(data: Any) -> list[dict[str, str]]:
    rows: dict[int, dict[str, str]] = {}
    for name in data:
        match = _LINE_FIELD.match(name)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(data.get(name, "")).strip()
    return [row for _n, row in sorted(rows.items()) if row.get("description") or row.get("unit_price")]


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        shop = services.seller_shop(user)
    except DomainError as exc:
        return _error_page(request, str(exc.message), exc.status_code)
    context: dict[str, Any] = {
        "shop": shop,
        "rows": range(1, NEW_LINE_ROWS + 1),
        "terms": rules.DEFAULT_TERMS_DAYS,
        "ppn": rules.PPN_PERCENT,
        "values": {},
        "errors": {},
        "opds": routes.opd_choices(),
    }
    if request.method == "POST":
        data = request.POST
        buyer_user = None
        username = data.get("buyer_username", "").strip()
        try:
            if username:
                buyer_user = User.objects.filter(username=username, is_active=True).first()
                if buyer_user is None:
                    raise ValidationFailed(
                        _("Akun pembeli tidak ditemukan di kelurahan ini."),
                        code="unknown_buyer",
                        field="buyer_username",
                    )
            invoice = services.issue_invoice(
                shop,
                user,
                buyer_name=data.get("buyer_name", ""),
                buyer_address=data.get("buyer_address", ""),
                buyer_user=buyer_user,
                buyer_opd=data.get("buyer_opd", ""),
                lines=_lines_from(data),
                terms_days=data.get("terms_days") or rules.DEFAULT_TERMS_DAYS,
                notes=data.get("notes", ""),
            )
        except DomainError as exc:
            context.update(values=data, error=str(exc.message))
            return render(request, "invoicing/new.html", context, status=exc.status_code)
        messages.success(request, _("Faktur %(number)s terbit.") % {"number": invoice.number})
        return redirect("invoicing:detail", pk=invoice.pk)
    return render(request, "invoicing/new.html", context)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    invoice = services.mark_viewed(_visible_or_404(request, pk), user)
    is_seller = services.is_seller(user, invoice)
    route = routes.route_of(invoice) if is_seller else None
    return render(
        request,
        "invoicing/detail.html",
        {
            "invoice": invoice,
            "lines": list(invoice.lines.all()),
            "events": list(invoice.events.order_by("created_at", "id")),
            "is_seller": is_seller,
            "opd_link": routes.seller_link(route) if route is not None else "",
            "is_buyer": services.is_buyer(user, invoice),
            "notices": events.notices(invoice.pk),
        },
    )


@login_required
@require_GET
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_or_404(request, pk)
    response = HttpResponse(pdf.render_invoice(invoice, request.tenant.name), content_type="application/pdf")  # type: ignore[attr-defined]
    response["Content-Disposition"] = f'inline; filename="faktur-{invoice.number}.pdf"'
    return response


@login_required
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_or_404(request, pk)
    try:
        bill = services.request_payment(invoice, _user(request), amount=request.POST.get("amount") or None)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("invoicing:detail", pk=invoice.pk)
    return redirect(reverse("payments:request", args=[bill.public_id]))


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_or_404(request, pk)
    try:
        services.cancel(invoice, _user(request), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Faktur dibatalkan."))
    return redirect("invoicing:detail", pk=invoice.pk)


@login_required
@require_POST
def dispute(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = _visible_or_404(request, pk)
    try:
        services.set_dispute(
            invoice, _user(request), disputed=request.POST.get("disputed") == "1", reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("invoicing:detail", pk=invoice.pk)

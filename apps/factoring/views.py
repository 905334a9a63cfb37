"""HTMX pages of invoice financing, phone first. Logic lives in services and selectors.

UMKM (the invoice's seller): /pembiayaan/faktur/<invoice id>/ shows the offers of every partner
lender for what is still open, and accepts one ("Ajukan pembiayaan" on the invoice page links
here). Lender officers: /pembiayaan/petugas/ their lenders' portfolio by buyer, ageing and the
financings past their default date (mark default: recourse to the seller).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.errors import DomainError
from apps.core.money import rupiah
from apps.invoicing import selectors as invoices
from apps.invoicing.models import Invoice

from . import selectors, services


def _sellers_invoice(request: HttpRequest, pk: int) -> Invoice:
    found = invoices.visible_to(request.user).select_related("shop").filter(pk=pk).first()
    if found is None or found.shop.owner_id != request.user.pk:
        raise Http404
    return found


@login_required
@require_GET
def invoice(request: HttpRequest, pk: int) -> HttpResponse:
    found = _sellers_invoice(request, pk)
    financing = selectors.financing_of(pk)
    offers = [] if financing is not None or not found.is_open or found.disputed else selectors.offers(found)
    return render(request, "factoring/invoice.html", {"invoice": found, "financing": financing, "offers": offers})


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    _sellers_invoice(request, pk)
    try:
        financing = services.do_accept_financing(pk, request.user, product_id=request.POST.get("product", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Uang muka %(advance)s masuk ke dompet.") % {"advance": rupiah(financing.advance)})
    return redirect("factoring:invoice", pk=pk)


@login_required
@require_GET
def officer(request: HttpRequest) -> HttpResponse:
    lenders = selectors.officer_lenders(request.user)
    if not lenders.exists():
        raise Http404
    rows = selectors.financings_of(lenders)
    day = selectors.today()
    return render(
        request,
        "factoring/officer.html",
        {
            "lenders": list(lenders),
            "financings": list(rows[:50]),
            "by_buyer": selectors.portfolio_by_buyer(rows, day),
            "ageing": selectors.ageing_rows(rows, day),
            "today": day,
        },
    )


@login_required
@require_POST
def mark_default(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.do_mark_default(pk, request.user)
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Pembiayaan dinyatakan gagal bayar."))
    return redirect("factoring:officer")

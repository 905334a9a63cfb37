"""Operator revenue pages on the platform site (/operator/tagihan/): franchise operator and
platform staff only. A tenant host never routes here (config/urls_tenant.py has no billing);
the views check the public schema again so that a mistaken mount cannot leak invoices."""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.tenancy.operator_pages import operator_page

from . import pdf, selectors, services
from .models import Invoice

operator_only = operator_page(staff_too=True)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("tahun", "")
    if raw.isdigit() and 2000 <= int(raw) <= 2100:
        return int(raw)
    return timezone.localdate().year


def _fail(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, str(exc.message))


@operator_only
def revenue(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    context = {
        "data": selectors.revenue(year),
        "years": selectors.years(),
        "estimate": selectors.month_to_date(),
        "default_period": f"{services.previous_month():%Y-%m}",
        "today": timezone.localdate(),
    }
    return render(request, "billing/revenue.html", context)


def _cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@operator_only
def export_csv(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tagihan-{year}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "nomor",
            "periode",
            "tenant",
            "kode_wilayah",
            "paket",
            "status",
            "hari_aktif",
            "hari_periode",
            "biaya_platform",
            "gmv",
            "langganan",
            "bagian_biaya",
            "total",
            "jatuh_tempo",
            "dibayar",
        ]
    )
    invoices = Invoice.objects.filter(period__year=year).prefetch_related("lines").order_by("period", "number")
    for inv in invoices:
        amounts = {line.kind: line.amount for line in inv.lines.all()}
        row = [
            inv.number,
            f"{inv.period:%Y-%m}",
            inv.tenant_name,
            inv.region_code,
            inv.plan,
            inv.status,
            inv.active_days,
            inv.days_in_period,
            inv.platform_fees,
            inv.gmv,
            amounts.get("subscription", 0),
            amounts.get("fee_share", 0),
            inv.total,
            f"{inv.due_date:%Y-%m-%d}",
            f"{timezone.localtime(inv.paid_at):%Y-%m-%d}" if inv.paid_at else "",
        ]
        writer.writerow([_cell(v) for v in row])
    return response


@operator_only
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("replaces"), pk=pk)
    replaced_by = Invoice.objects.filter(replaces=invoice).first()
    return render(
        request,
        "billing/invoice.html",
        {"invoice": invoice, "lines": list(invoice.lines.all()), "replaced_by": replaced_by},
    )


@operator_only
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        body = pdf.render_invoice(invoice)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status_code, content_type="text/plain; charset=utf-8")
    response = HttpResponse(body, content_type="application/pdf")
    filename = invoice.number.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


@operator_only
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    try:
        counts = services.issue_all(request.POST.get("period", ""), actor=cast(User, request.user))
    except DomainError as exc:
        _fail(request, exc)
        return redirect("billing:revenue")
    messages.success(
        request,
        _("Tagihan baru: %(created)d, sudah ada: %(existing)d, tidak aktif: %(skipped)d, gagal: %(failed)d.") % counts,
    )
    return redirect("billing:revenue")


def _act(request: HttpRequest, pk: int, action: Callable[[Invoice], Invoice], done: str) -> HttpResponse:
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        result = action(invoice)
    except DomainError as exc:
        _fail(request, exc)
        return redirect("billing:invoice", pk=invoice.pk)
    messages.success(request, done)
    return redirect("billing:invoice", pk=result.pk)


@operator_only
@require_POST
def pay(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    return _act(
        request,
        pk,
        lambda inv: services.mark_paid(inv, reference=request.POST.get("reference", ""), actor=user),
        _("Tagihan dicatat lunas."),
    )


@operator_only
@require_POST
def void(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    return _act(
        request,
        pk,
        lambda inv: services.void_invoice(inv, reason=request.POST.get("reason", ""), actor=user),
        _("Tagihan dibatalkan."),
    )


@operator_only
@require_POST
def revise(request: HttpRequest, pk: int) -> HttpResponse:
    user = cast(User, request.user)
    return _act(
        request,
        pk,
        lambda inv: services.revise_invoice(inv, reason=request.POST.get("reason", ""), actor=user),
        _("Revisi tagihan diterbitkan."),
    )

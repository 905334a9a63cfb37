"""Pages of apps.levies.

/retribusi/ (kota tenant, finance office): the register, issue one bill, upload a spreadsheet,
cash at the counter, cancel, the daily reconciliation export. Any other tenant answers 404.
/tagihan/ (the payer's kelurahan): my levy bills, pay by wallet or QRIS, the receipt PDF; and the
public verification page of a receipt (on the kota's host; reads the public route only).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError, ValidationFailed
from apps.core.money import rupiah
from apps.payments import selectors as payment_selectors
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind, PaymentRequest
from apps.tenancy.models import Tenant

from . import access, identity, imports, payer, receipt, selectors, services
from .models import LevyBill

View = Callable[..., HttpResponse]


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _tenant(request: HttpRequest) -> Tenant:
    return cast(Tenant, getattr(request, "tenant"))  # noqa: B009 - set by the tenant middleware


def finance_only(view: View) -> View:
    """Kota tenant and its finance office only: 404 elsewhere (no such page in a kelurahan),
    403 for other people of the kota."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.is_kota(getattr(request, "tenant", None)):
            raise Http404
        if not access.is_finance_officer(request.user):
            return render(request, "levies/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapped)


# --- kota: the register ---------------------------------------------------------------------


def _register_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    status = request.GET.get("status", "")
    page = Paginator(selectors.bills(status=status), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    bills = list(page.object_list)
    codes = selectors.claim_codes([bill.number for bill in bills])
    for bill in bills:  # printed on the paper bill: the payer attaches it by number and code
        bill.claim_code = codes.get(bill.number, "")  # type: ignore[attr-defined]
    page.object_list = bills
    kota = _tenant(request)
    return {
        "page": page,
        "status": status,
        "statuses": LevyBill.Status.choices,
        "levies": list(selectors.active_levies()),
        "kelurahan": sorted(selectors.kelurahan_names(kota).items(), key=lambda item: item[1]),
        "names": selectors.kelurahan_names(kota),
        "issue_key": uuid.uuid4().hex,
        "today": timezone.localdate().isoformat(),
        **extra,
    }


@finance_only
@require_GET
def register(request: HttpRequest) -> HttpResponse:
    return render(request, "levies/register.html", _register_context(request))


def _int(raw: str) -> int | None:
    raw = raw.strip().replace(".", "")
    return int(raw) if raw.isdigit() else None


@finance_only
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    form = request.POST
    try:
        levy = selectors.active_levies().filter(pk=_int(form.get("levy", "")) or 0).first()
        if levy is None:
            raise ValidationFailed(_("Pilih jenis retribusi/pajak."), code="levy_required", field="levy")
        kelurahan = services.kelurahan_of_kota(_tenant(request), tenant_id=_int(form.get("kelurahan", "")) or 0)
        bill = services.do_issue_bill(
            levy,
            kelurahan=kelurahan,
            payer_name=form.get("payer_name", ""),
            payer_account=form.get("payer_account", ""),
            payer_nik_digest=identity.optional_digest(form.get("payer_nik", "")),
            object_address=form.get("object_address", ""),
            amount=form.get("amount", "").strip() or None,  # empty: the levy's tariff
            period_label=form.get("period_label", "").strip(),
            issue_key=f"web:{form.get('issue_key', '')}" if form.get("issue_key") else "",
            actor=_user(request),
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return render(request, "levies/register.html", _register_context(request), status=exc.status_code)
    messages.success(
        request,
        _("Tagihan %(number)s terbit: %(amount)s.") % {"number": bill.number, "amount": rupiah(bill.amount_due)},
    )
    return redirect("levies:register")


@finance_only
@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    file = request.FILES.get("file")
    if file is None:
        messages.error(request, _("Pilih berkas .xlsx atau .csv."))
        return render(request, "levies/register.html", _register_context(request), status=422)
    try:
        result = imports.import_bills(file.name or "", file.read(), actor=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return render(request, "levies/register.html", _register_context(request), status=exc.status_code)
    messages.success(request, _("%(n)s tagihan terbit atau sudah ada.") % {"n": len(result.issued)})
    return render(request, "levies/register.html", _register_context(request, import_errors=result.errors))


def _bill_number(pk: int) -> str:
    number = LevyBill.objects.filter(pk=pk).values_list("number", flat=True).first()
    if number is None:
        raise Http404
    return number


@finance_only
@require_POST
def record_cash(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        bill = services.do_record_cash(_bill_number(pk), actor=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tagihan %(number)s lunas tunai.") % {"number": bill.number})
    return redirect("levies:register")


@finance_only
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        bill = services.do_cancel_bill(_bill_number(pk), actor=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tagihan %(number)s dibatalkan.") % {"number": bill.number})
    return redirect("levies:register")


@finance_only
@require_GET
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The day's settlement and reconciliation (register against routes) as CSV or xlsx."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    day = parse_date(request.GET.get("day", "")) or timezone.localdate()
    data = tablib.Dataset(headers=selectors.REPORT_HEADERS)
    for row in selectors.settlement_report(_tenant(request), day):
        data.append(row)
    name = f"rekonsiliasi-retribusi-{day.isoformat()}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            data.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    else:
        response = HttpResponse(data.export("csv"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the payer's kelurahan: /tagihan/ ---------------------------------------------------------


def _my_copy(request: HttpRequest, public_id: uuid.UUID) -> PaymentRequest:
    """The payer's own levy copy (any other bill, or another person's, is a 404)."""
    copy = (
        payment_selectors.bills_of_payer(_user(request), reference_kind=payer.REFERENCE_KIND)
        .select_related("merchant")
        .filter(public_id=public_id)
        .first()
    )
    if copy is None:
        raise Http404
    return copy


@login_required
@require_GET
def my_bills(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    copies = list(payment_selectors.bills_of_payer(user, reference_kind=payer.REFERENCE_KIND)[:100])
    open_total = sum(copy.amount for copy in copies if copy.status in payer.LIVE)
    withdrawn = list(payment_selectors.withdrawn_bills_of_payer(user, reference_kind=payer.REFERENCE_KIND))
    return render(
        request,
        "levies/my_bills.html",
        {"copies": copies, "open_total": open_total, "withdrawn": withdrawn, "nik_recorded": bool(user.nik_digest)},
    )


@login_required
@require_POST
def record_nik(request: HttpRequest) -> HttpResponse:
    """The resident records their NIK (kept as a digest only): kota bills addressed to it reach
    this page. The number is never echoed back, logged or kept."""
    try:
        payer.record_nik(_user(request), request.POST.get("nik", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("NIK tercatat. Tagihan kota atas NIK ini akan muncul di sini."))
    return redirect("levy_payer:list")


@login_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    """A payer attaches a bill addressed to an account nobody here has: its number and the
    claim code printed next to it."""
    try:
        copy = payer.claim(_user(request), request.POST.get("number", ""), request.POST.get("code", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("levy_payer:list")
    messages.success(request, _("Tagihan %(number)s kini ada di akun Anda.") % {"number": _number_of(copy)})
    return redirect("levy_payer:bill", public_id=copy.public_id)


def _number_of(copy: PaymentRequest) -> str:
    return copy.reference.partition(":")[2]


@login_required
@require_GET
def bill_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    copy = _my_copy(request, public_id)
    user = _user(request)
    wallet = Account.objects.filter(owner=user, kind=AccountKind.WALLET).first()
    sandbox = payment_selectors.may_use_sandbox(user) and copy.status == PaymentRequest.Status.OPEN
    return render(
        request,
        "levies/bill.html",
        {
            "copy": copy,
            "number": _number_of(copy),
            "route": payer.route_here(_number_of(copy)),
            "wallet": wallet,
            "idempotency_key": uuid.uuid4().hex,
            "sandbox": sandbox,
        },
    )


@login_required
@require_POST
def pay_with_wallet(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    copy = _my_copy(request, public_id)
    raw_key = request.POST.get("idempotency_key", "")
    try:
        payments.pay_request_with_wallet(
            copy, _user(request), idempotency_key=f"levy:{_user(request).pk}:{raw_key}" if raw_key else ""
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Tagihan lunas: %(amount)s dari saldo Anda.") % {"amount": rupiah(copy.amount)})
    return redirect("levy_payer:bill", public_id=copy.public_id)


@login_required
@require_GET
def receipt_pdf(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    copy = _my_copy(request, public_id)
    route = payer.route_here(_number_of(copy))
    if copy.status != PaymentRequest.Status.PAID or route is None:
        raise Http404
    pdf = receipt.render_receipt(copy, route, payer_name=str(copy.payer) if copy.payer else "")
    response = HttpResponse(pdf, content_type="application/pdf")
    safe = route.number.replace("/", "-")
    response["Content-Disposition"] = f'inline; filename="bukti-bayar-{safe}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this receipt genuine? Number, what, amount, status and date; no names."""
    route = selectors.route_by_token(token)
    if route is not None and route.kota_id != _tenant(request).pk:
        route = None  # verified only on the issuing kota's own site
    response = render(request, "levies/verify.html", {"route": route}, status=200 if route else 404)
    response["X-Robots-Tag"] = "noindex"
    return response

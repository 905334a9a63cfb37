"""Pinjaman pages (/pinjaman/): phone-first, HTMX-boosted. Every write calls a service.

Applicant (UMKM owner): offers with their reasons in plain Bahasa Indonesia, accept an offer or
apply directly, applications, loans with the schedule, early/partial repayment, the standing
instruction. Officer (petugas lembaga keuangan): queue, application detail with score, band and
top contributions, approve (and disburse) or reject with a reason, portfolio with arrears
buckets and PAR, loan detail with write-off and recovery, batch scoring on demand.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import DomainError
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.payments.models import Account, AccountKind

from . import selectors, services
from .models import Application, ApplicationStatus, Loan, LoanProduct, Offer


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _key() -> str:
    return uuid.uuid4().hex


def _officer_lenders(request: HttpRequest) -> Any:
    user = _user(request)
    if not user.has_role(Role.PETUGAS_LKM):
        raise Http404
    lenders = selectors.lenders_of(user)
    if not lenders:  # evaluated once: the pages list the lenders too
        raise Http404
    return lenders


def _fail(request: HttpRequest, exc: DomainError) -> int:
    messages.error(request, str(exc.message))
    return exc.status_code


# --- applicant --------------------------------------------------------------------------------------


def _quote_context(product: LoanProduct | None, amount: Any, tenor: Any, offer: Offer | None = None) -> dict[str, Any]:
    """The cost breakdown (services.quote, the code disbursement books with) or why there is none."""
    if product is None or not str(amount or "").strip() or not str(tenor or "").strip():
        return {"quote": None, "quote_error": ""}
    try:
        return {"quote": services.quote(product, amount, tenor, offer=offer), "quote_error": ""}
    except DomainError as exc:
        return {"quote": None, "quote_error": str(exc.message)}


@login_required
def quote(request: HttpRequest) -> HttpResponse:
    """HTMX: the costs of the amount and tenor being typed (an error is a message, not a 4xx:
    the form is still being filled in; submitting it gives the 422)."""
    user = _user(request)
    offer = None
    if request.GET.get("offer"):
        offer = Offer.objects.filter(pk=_int(request.GET["offer"]), applicant=user).select_related("product").first()
        if offer is None:
            raise Http404
        product: LoanProduct | None = offer.product
        quote_id = f"quote-o{offer.pk}"
    else:
        product = LoanProduct.objects.filter(pk=_int(request.GET.get("product")), is_active=True).first()
        quote_id = "quote-d"
    context = _quote_context(product, request.GET.get("amount"), request.GET.get("tenor_months"), offer)
    return render(request, "lending/_quote.html", {**context, "quote_id": quote_id})


def _int(value: Any) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 18 else 0


def _offers_with_quotes(user: User) -> list[Offer]:
    offers = list(selectors.open_offers(user))
    for offer in offers:
        context = _quote_context(offer.product, offer.limit, offer.tenor_months, offer)
        offer.quote_context = {**context, "quote_id": f"quote-o{offer.pk}"}  # type: ignore[attr-defined]
    return offers


@login_required
def home(request: HttpRequest, *, status: int = 200, form: dict[str, str] | None = None) -> HttpResponse:
    user = _user(request)
    form = form or {}
    products = LoanProduct.objects.filter(is_active=True, lender__is_active=True).select_related("lender")
    chosen = next((p for p in products if str(p.pk) == form.get("product")), None) if form else None
    context = {
        "is_owner": user.has_role(Role.PEMILIK_UMKM),
        "is_officer": user.has_role(Role.PETUGAS_LKM) and selectors.lenders_of(user).exists(),
        "offers": _offers_with_quotes(user),
        "direct_quote": _quote_context(chosen, form.get("amount"), form.get("tenor_months")) if form else {},
        "applications": selectors.applications_of(user)[:20],
        "loans": selectors.loans_of(user),
        "products": products,
        "key": _key(),
        "form": form,
    }
    return render(request, "lending/home.html", context, status=status)


@login_required
@require_POST
def accept_offer(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    offer = Offer.objects.filter(pk=pk, applicant=user).select_related("product").first()
    if offer is None:
        raise Http404
    try:
        application = services.apply(
            user,
            offer.product,
            amount=request.POST.get("amount", ""),
            tenor_months=request.POST.get("tenor_months", ""),
            offer=offer,
            purpose=request.POST.get("purpose", ""),
            idempotency_key=request.POST.get("key", ""),
        )
    except DomainError as exc:
        return home(request, status=_fail(request, exc))
    messages.success(request, _("Pengajuan terkirim. Petugas %(lender)s akan meninjaunya.") % {"lender": offer.lender})
    return redirect("lending:application", pk=application.pk)


@login_required
@require_POST
def apply_direct(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    product = LoanProduct.objects.filter(pk=request.POST.get("product") or 0, is_active=True).first()
    if product is None:
        messages.error(request, _("Pilih produk pinjaman."))
        return home(request, status=422, form=request.POST.dict())
    try:
        application = services.apply(
            user,
            product,
            amount=request.POST.get("amount", ""),
            tenor_months=request.POST.get("tenor_months", ""),
            purpose=request.POST.get("purpose", ""),
            idempotency_key=request.POST.get("key", ""),
        )
    except DomainError as exc:
        return home(request, status=_fail(request, exc), form=request.POST.dict())
    messages.success(request, _("Pengajuan terkirim."))
    return redirect("lending:application", pk=application.pk)


@login_required
def application(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    app = Application.objects.filter(pk=pk).select_related("lender", "product", "assessment").first()
    if app is None or app.applicant_id != user.pk:
        raise Http404
    return render(request, "lending/application.html", {"app": app, "events": app.events.select_related("actor")})


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    app = Application.objects.filter(pk=pk, applicant=_user(request)).first()
    if app is None:
        raise Http404
    try:
        services.withdraw(app, _user(request))
    except DomainError as exc:
        _fail(request, exc)
    return redirect("lending:application", pk=pk)


def _my_loan(request: HttpRequest, pk: int) -> Loan:
    loan = Loan.objects.filter(pk=pk, borrower=_user(request)).select_related("lender", "product", "wallet").first()
    if loan is None:
        raise Http404
    return loan


@login_required
def loan(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    item = _my_loan(request, pk)
    item.wallet.refresh_from_db()
    context = {
        "loan": item,
        "instalments": item.instalments.order_by("number"),
        "payoff": services.payoff_quote(item),
        "due": services.due_amount(item, services.today()),
        "transactions": item.transactions.order_by("-id")[:20],
        "key": _key(),
    }
    return render(request, "lending/loan.html", context, status=status)


@login_required
@require_POST
def repay(request: HttpRequest, pk: int) -> HttpResponse:
    item = _my_loan(request, pk)
    try:
        tx = services.repay(
            item, request.POST.get("amount", ""), actor=_user(request), idempotency_key=request.POST.get("key", "")
        )
    except DomainError as exc:
        return loan(request, pk, status=_fail(request, exc))
    messages.success(request, _("Pembayaran %(amount)s diterima.") % {"amount": rupiah(tx.amount)})
    return redirect("lending:loan", pk=pk)


@login_required
@require_POST
def standing_instruction(request: HttpRequest, pk: int) -> HttpResponse:
    item = _my_loan(request, pk)
    services.set_standing_instruction(item, _user(request), active=request.POST.get("active") == "1")
    return redirect("lending:loan", pk=pk)


# --- officer ----------------------------------------------------------------------------------------


@login_required
def officer(request: HttpRequest) -> HttpResponse:
    lenders = _officer_lenders(request)
    portfolio = selectors.portfolio(lenders)
    context = {
        "lenders": lenders,
        "queue": selectors.queue(lenders),
        "portfolio": portfolio,
        "par30": f"{portfolio.par30 * 100:.1f}%".replace(".", ","),
        "loans": Loan.objects.filter(lender__in=lenders)
        .select_related("borrower")
        .order_by("status", "-days_past_due")[:50],
        "versions": selectors.active_versions(lenders),
    }
    return render(request, "lending/officer.html", context)


def _officer_application(request: HttpRequest, pk: int) -> Application:
    lenders = _officer_lenders(request)
    app = (
        Application.objects.filter(pk=pk, lender__in=lenders)
        .select_related("lender", "product", "assessment", "applicant")
        .first()
    )
    if app is None:
        raise Http404
    return app


@login_required
def review(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    app = _officer_application(request, pk)
    context = {
        "app": app,
        "assessment": app.assessment,
        "top": app.assessment.contributions[:6],
        "events": app.events.select_related("actor"),
        "own": app.applicant_id == _user(request).pk,
    }
    return render(request, "lending/review.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (or a POST without `confirm`): the confirmation page: amount, fee, what arrives,
    borrower and destination wallet. Only a POST with `confirm` moves the money (idempotent)."""
    app = _officer_application(request, pk)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        if app.status != ApplicationStatus.SUBMITTED:
            return redirect("lending:review", pk=pk)
        typed = request.POST.get("reason") or request.GET.get("reason") or ""
        try:  # refused here, before the confirmation page would carry it on (never cut)
            reason = clean_short_text(typed, field="reason", max_length=services.MAX_REASON)
        except DomainError as exc:
            return review(request, pk, status=_fail(request, exc))
        wallet = Account.objects.filter(owner_id=app.applicant_id, kind=AccountKind.WALLET).first()
        context = {
            "app": app,
            "quote": services.quote_terms(app.product, app.amount, app.tenor_months, app.annual_rate),
            "wallet": wallet,
            "reason": reason,
        }
        return render(request, "lending/approve_confirm.html", context)
    if app.status == ApplicationStatus.DISBURSED:
        # A resent confirmation (double tap, back button): the money moved once, say so.
        messages.info(request, _("Pengajuan ini sudah dicairkan sebelumnya; tidak ada uang yang dipindahkan lagi."))
        return redirect("lending:review", pk=pk)
    try:
        loan_ = services.approve_and_disburse(app, _user(request), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return review(request, pk, status=_fail(request, exc))
    amount = rupiah(loan_.principal)
    messages.success(request, _("Disetujui dan dicairkan %(amount)s ke dompet pemohon.") % {"amount": amount})
    return redirect("lending:review", pk=pk)


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    app = _officer_application(request, pk)
    try:
        services.reject(app, _user(request), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return review(request, pk, status=_fail(request, exc))
    messages.success(request, _("Pengajuan ditolak."))
    return redirect("lending:review", pk=pk)


def _officer_loan(request: HttpRequest, pk: int) -> Loan:
    lenders = _officer_lenders(request)
    item = Loan.objects.filter(pk=pk, lender__in=lenders).select_related("lender", "borrower", "product").first()
    if item is None:
        raise Http404
    return item


@login_required
def officer_loan(request: HttpRequest, pk: int, *, status: int = 200) -> HttpResponse:
    item = _officer_loan(request, pk)
    context = {
        "loan": item,
        "instalments": item.instalments.order_by("number"),
        "events": item.events.select_related("actor").order_by("-id")[:50],
        "key": _key(),
    }
    return render(request, "lending/officer_loan.html", context, status=status)


@login_required
@require_POST
def write_off(request: HttpRequest, pk: int) -> HttpResponse:
    item = _officer_loan(request, pk)
    try:
        services.write_off(item, _user(request), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return officer_loan(request, pk, status=_fail(request, exc))
    messages.success(request, _("Pinjaman dihapusbukukan."))
    return redirect("lending:officer_loan", pk=pk)


@login_required
@require_POST
def recover(request: HttpRequest, pk: int) -> HttpResponse:
    item = _officer_loan(request, pk)
    try:
        services.recover(
            item, request.POST.get("amount", ""), actor=_user(request), idempotency_key=request.POST.get("key", "")
        )
    except DomainError as exc:
        return officer_loan(request, pk, status=_fail(request, exc))
    messages.success(request, _("Pemulihan dicatat."))
    return redirect("lending:officer_loan", pk=pk)


@login_required
@require_POST
def score_now(request: HttpRequest) -> HttpResponse:
    """On demand: queue batch scoring for the officer's lenders (after commit)."""
    from apps.core.tasks import publish

    from . import tasks

    lender_ids: list[int] = [lender.pk for lender in _officer_lenders(request)]

    def enqueue() -> None:
        for pk in lender_ids:
            publish(tasks.score, None, pk)

    transaction.on_commit(enqueue)
    messages.success(request, _("Penilaian ulang dijalankan; penawaran baru muncul setelah selesai."))
    return redirect("lending:officer")

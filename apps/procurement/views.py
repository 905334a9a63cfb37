"""HTMX pages of B2G procurement (mounted at /pengadaan/), phone first. Logic lives in services.

UMKM: open requests I may quote on, submit/revise a quote, my quotes. Staff: create a request,
the quotes comparison with the evaluation and award forms, the order, delivery, acceptance and
payment steps. Public: the transparency list of awards (no login, no personal data).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError, Forbidden

from . import policy, rules, selectors, services, workflow
from .api.views import order_pdf_response
from .models import Award, PurchaseOrder, PurchaseRequest

_ITEM_FIELD = re.compile(r"^item-(\d{1,3})-(description|quantity|unit|kbli_code)$")
NEW_ITEM_ROWS = 3


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "procurement/error.html", {"message": message, "status": status}, status=status)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return _error_page(request, message, 403)


def _visible_or_404(request: HttpRequest, pk: int) -> PurchaseRequest:
    purchase = get_object_or_404(selectors.visible_requests(_user(request)).select_related("requested_by"), pk=pk)
    return purchase


def _step_labels() -> dict[str, str]:
    return {
        "quote": _("Ajukan/revisi penawaran"),
        "publish": _("Umumkan ke UMKM"),
        "evaluate": _("Bandingkan dan nilai penawaran"),
        "award": _("Tetapkan pemenang"),
        "cancel": _("Batalkan permintaan"),
        "order": _("Terbitkan surat pesanan"),
        "deliver": _("Catat barang sudah dikirim"),
        "accept": _("Catat penerimaan barang"),
        "pay": _("Catat pembayaran"),
    }


# --- lists --------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context: dict[str, Any] = {"is_staff": policy.is_staff(user), "is_supplier": policy.is_supplier(user)}
    if context["is_staff"]:
        show = request.GET.get("status", "")
        requests = selectors.visible_requests(user).order_by("-created_at", "-id")
        if show in workflow.STATUSES:
            requests = requests.filter(status=show)
        context.update(
            page=Paginator(requests, 25).get_page(request.GET.get("page")),
            show=show,
            statuses=PurchaseRequest.Status.choices,
        )
    elif context["is_supplier"]:
        try:
            context["open_for_me"] = selectors.open_requests_for(user)
        except selectors.PermitsUnavailable as exc:
            context["open_for_me"] = []
            context["eligibility_error"] = str(exc.message)
        context["my_quotes"] = selectors.quotes_of(user)[:5]
    else:
        context["page"] = Paginator(selectors.open_requests(), 25).get_page(request.GET.get("page"))
    return render(request, "procurement/index.html", context)


@login_required
@require_GET
def my_quotes(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_supplier(user):
        return _forbidden(request, policy.refusal(workflow.Actor.SUPPLIER))
    quotes = selectors.quotes_of(user).prefetch_related("revisions")
    won = set(Award.objects.filter(quote__supplier=user).values_list("quote_id", flat=True))
    return render(request, "procurement/mine.html", {"quotes": quotes, "won": won})


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """Public: every award with its business, amount, date, number of quotes and summary."""
    page = Paginator(selectors.public_awards(), 25).get_page(request.GET.get("page"))
    return render(request, "procurement/transparency.html", {"page": page})


# --- create -------------------------------------------------------------------------------


def items_from_post(data: QueryDict) -> list[dict[str, str]]:
    """The item rows of the create form (`item-<n>-<field>`), in order, fully empty rows skipped."""
    rows: dict[int, dict[str, str]] = {}
    for key in data:
        match = _ITEM_FIELD.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = data.get(key, "").strip()
    return [rows[n] for n in sorted(rows) if any(rows[n].values())]


@login_required
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_staff(user):
        return _forbidden(request, policy.refusal(workflow.Actor.STAFF))
    tenant = request.tenant  # type: ignore[attr-defined]
    error, status = "", 200
    deadline = default_deadline()
    values: dict[str, Any] = {
        "unit_name": tenant.name,
        "quote_deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
        "delivery_date": (deadline + timedelta(days=2)).date().isoformat(),
    }
    items: list[dict[str, str]] = []
    if request.method == "POST":
        values = {key: request.POST.get(key, "").strip() for key in request.POST if not _ITEM_FIELD.match(key)}
        items = items_from_post(request.POST)
        try:
            purchase = services.create_request(
                actor=user,
                title=values.get("title", ""),
                description=values.get("description", ""),
                unit_name=values.get("unit_name", ""),
                budget_ceiling=values.get("budget_ceiling", ""),
                quote_deadline=values.get("quote_deadline", ""),
                delivery_address=values.get("delivery_address", ""),
                delivery_lat=values.get("delivery_lat"),
                delivery_lng=values.get("delivery_lng"),
                delivery_date=values.get("delivery_date", ""),
                items=items,
                publish="publish" in request.POST,
            )
        except DomainError as exc:
            error, status = str(exc.message), exc.status_code
        else:
            if purchase.status == workflow.OPEN:
                messages.success(request, _("Permintaan diumumkan ke UMKM yang memenuhi syarat."))
            else:
                messages.success(request, _("Draf permintaan disimpan."))
            return redirect("procurement:detail", pk=purchase.pk)
    rows = items + [{} for _n in range(max(NEW_ITEM_ROWS - len(items), 1))]
    context = {
        "values": values,
        "rows": list(enumerate(rows)),
        "error": error,
        "divisions": rules.DIVISION_HINTS,
        "tenant_lat": getattr(tenant, "lat", None),
        "tenant_lng": getattr(tenant, "lng", None),
    }
    return render(request, "procurement/new.html", context, status=status)


@login_required
@require_GET
def item_row(request: HttpRequest) -> HttpResponse:
    """HTMX: one more empty item row for the create form."""
    if not policy.is_staff(_user(request)):
        return _forbidden(request, policy.refusal(workflow.Actor.STAFF))
    try:
        index = min(max(int(request.GET.get("index", "0")), 0), rules.MAX_ITEMS)
    except ValueError:
        index = 0
    return render(request, "procurement/_item_row.html", {"index": index, "row": {}, "divisions": rules.DIVISION_HINTS})


# --- one request --------------------------------------------------------------------------


def _detail_context(request: HttpRequest, purchase: PurchaseRequest) -> dict[str, Any]:
    user = _user(request)
    staff = policy.is_staff(user)
    now = timezone.now()
    actions = selectors.available_actions(purchase, user, now)
    order = PurchaseOrder.objects.filter(request=purchase).first()
    winner = selectors.winner_id(purchase)
    context: dict[str, Any] = {
        "purchase": purchase,
        "items": list(purchase.items.order_by("position")),
        "is_staff": staff,
        "actions": actions,
        "labels": _step_labels(),
        "sealed": selectors.sealed(purchase, now),
        "award": getattr(purchase, "award", None) if purchase.status in workflow.AWARDED_OR_LATER else None,
        "order": order if order is not None and (staff or winner == user.pk) else None,
        "is_winner": winner == user.pk,
        "my_quote": selectors.quote_of(user, purchase),
        "today": services.local_date(now),
    }
    if staff:
        context["events"] = selectors.events(purchase)
        context["quote_count"] = purchase.quotes.count()
        context["evaluation"] = selectors.latest_evaluation(purchase)
        if order is not None:
            context["acceptance"] = order.acceptance_lines.select_related("item")
    if policy.is_supplier(user) and purchase.status == workflow.OPEN and "quote" not in actions:
        context["quote_refusal"] = _quote_refusal(user, purchase, now)
    return context


def _quote_refusal(user: User, purchase: PurchaseRequest, now: Any) -> str:
    if purchase.deadline_passed(now):
        return _("Batas waktu penawaran sudah lewat.")
    if purchase.requested_by_id == user.pk:
        return _("Anda tidak dapat menawar permintaan Anda sendiri.")
    try:
        if selectors.eligibility(user, purchase) is None:
            return selectors.refusal_for_ineligible(purchase)
    except selectors.PermitsUnavailable as exc:
        return str(exc.message)
    return ""


def _panel(request: HttpRequest, purchase: PurchaseRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    context = {**_detail_context(request, purchase), **extra}
    template = "procurement/_panel.html" if request.htmx else "procurement/detail.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _visible_or_404(request, pk)
    return _panel(request, purchase)


# --- quotes -------------------------------------------------------------------------------


def _prices_from_post(data: QueryDict) -> dict[str, str]:
    return {key.removeprefix("price-"): data.get(key, "").strip() for key in data if key.startswith("price-")}


def _quote_context(request: HttpRequest, purchase: PurchaseRequest, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    mine = selectors.quote_of(user, purchase)
    if request.method == "POST":
        prices = _prices_from_post(request.POST)
        delivery_date = request.POST.get("delivery_date", "")
        notes = request.POST.get("notes", "")
    else:
        prices = {str(line.item_id): str(line.unit_price) for line in mine.lines.all()} if mine else {}
        delivery_date = mine.delivery_date.isoformat() if mine else purchase.delivery_date.isoformat()
        notes = mine.notes if mine else ""
    return {
        "purchase": purchase,
        "items": list(purchase.items.order_by("position")),
        "mine": mine,
        "prices": prices,
        "delivery_date": delivery_date,
        "notes": notes,
        "preview": _preview(purchase, prices),
        **extra,
    }


def _preview(purchase: PurchaseRequest, prices: dict[str, str]) -> dict[str, Any]:
    """The running total of a quote form (nothing is saved); bad or missing prices count as 0."""
    total, complete = 0, True
    for item in purchase.items.all():
        try:
            price = services.clean_rupiah(prices.get(str(item.pk), ""), "price", label="")
        except DomainError:
            complete = False
            continue
        total += rules.line_total(item.quantity, price)
    return {"total": total, "complete": complete, "over": total > purchase.budget_ceiling}


@login_required
@require_http_methods(["GET", "POST"])
def quote(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _visible_or_404(request, pk)
    user = _user(request)
    if not policy.is_supplier(user):
        return _forbidden(request, policy.refusal(workflow.Actor.SUPPLIER))
    if request.method == "GET":
        refusal, status = "", 200
        if purchase.status != workflow.OPEN:
            refusal, status = _("Permintaan ini tidak sedang menerima penawaran."), 409
        elif purchase.deadline_passed():
            refusal, status = _("Batas waktu penawaran sudah lewat."), 409
        elif not selectors.can_quote(user, purchase):
            refusal, status = _quote_refusal(user, purchase, timezone.now()), 403
        context = _quote_context(request, purchase, refusal=refusal)
        return render(request, "procurement/quote.html", context, status=status)
    try:
        saved = services.submit_quote(
            purchase,
            user,
            prices=_prices_from_post(request.POST),
            delivery_date=request.POST.get("delivery_date", ""),
            notes=request.POST.get("notes", ""),
        )
    except DomainError as exc:
        context = _quote_context(request, purchase, error=str(exc.message))
        return render(request, "procurement/quote.html", context, status=exc.status_code)
    if saved.revision == 1:
        messages.success(request, _("Penawaran terkirim. Anda masih bisa merevisinya sampai batas waktu."))
    else:
        messages.success(request, _("Penawaran direvisi (revisi ke-%(n)d).") % {"n": saved.revision})
    return redirect("procurement:detail", pk=purchase.pk)


@login_required
@require_POST
def quote_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX: the running total and the budget check while the UMKM types prices."""
    purchase = _visible_or_404(request, pk)
    preview = _preview(purchase, _prices_from_post(request.POST))
    return render(request, "procurement/_quote_total.html", {"purchase": purchase, "preview": preview})


# --- staff: comparison, evaluation, steps -------------------------------------------------


def _compare_context(request: HttpRequest, purchase: PurchaseRequest, **extra: Any) -> dict[str, Any]:
    rows = selectors.comparison(purchase)
    evaluation = selectors.latest_evaluation(purchase)
    posted = request.POST if request.method == "POST" else None
    scores: dict[str, dict[str, str]] = {}
    for row in rows:
        key = str(row.quote.pk)
        if posted is not None:
            scores[key] = {c: posted.get(f"score-{key}-{c}", "") for c in rules.CRITERIA}
        elif row.score is not None:
            scores[key] = {c: str(getattr(row.score, c)) for c in rules.CRITERIA}
        else:
            scores[key] = {"price": str(row.suggested_price_score), "delivery": "", "quality": ""}
    return {
        "purchase": purchase,
        "items": list(purchase.items.order_by("position")),
        "rows": rows,
        "scores": scores,
        "evaluation": evaluation,
        "weights": rules.WEIGHTS,
        "sealed": selectors.sealed(purchase),
        "actions": selectors.available_actions(purchase, _user(request)),
        "rationale": posted.get("rationale", "") if posted is not None else "",
        "summary": posted.get("summary", "") if posted is not None else "",
        "reason": posted.get("reason", "") if posted is not None else "",
        **extra,
    }


@login_required
@require_GET
def compare(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _visible_or_404(request, pk)
    if not policy.is_staff(_user(request)):
        return _forbidden(request, policy.refusal(workflow.Actor.STAFF))
    return render(request, "procurement/compare.html", _compare_context(request, purchase))


def _scores_from_post(data: QueryDict) -> dict[str, dict[str, str]]:
    scores: dict[str, dict[str, str]] = {}
    for key in data:
        match = re.match(r"^score-(\d+)-(price|delivery|quality)$", key)
        if match:
            scores.setdefault(match.group(1), {})[match.group(2)] = data.get(key, "")
    return scores


def _accepted_from_post(data: QueryDict) -> dict[str, str]:
    return {key.removeprefix("accepted-"): data.get(key, "") for key in data if key.startswith("accepted-")}


def _run_step(request: HttpRequest, purchase: PurchaseRequest, step: str) -> str:
    """Call the service of `step` with the posted fields; the success message."""
    user, post = _user(request), request.POST
    if step == "publish":
        services.publish(purchase, user)
        return _("Permintaan diumumkan ke UMKM yang memenuhi syarat.")
    if step == "cancel":
        services.cancel(purchase, user, reason=post.get("reason", ""))
        return _("Permintaan dibatalkan.")
    if step == "evaluate":
        services.evaluate(purchase, user, scores=_scores_from_post(post), rationale=post.get("rationale", ""))
        return _("Penilaian disimpan. Tetapkan pemenang.")
    if step == "award":
        services.award(
            purchase, user, quote=post.get("quote", ""), summary=post.get("summary", ""), reason=post.get("reason", "")
        )
        return _("Pemenang ditetapkan; semua penawar diberi tahu.")
    if step == "order":
        order = services.issue_order(purchase, user)
        return _("Surat pesanan %(number)s terbit.") % {"number": order.number}
    if step == "deliver":
        services.mark_delivered(purchase, user, delivered_on=post.get("delivered_on"), note=post.get("note", ""))
        return _("Pengiriman dicatat.")
    if step == "accept":
        services.accept_delivery(purchase, user, accepted=_accepted_from_post(post), reason=post.get("reason", ""))
        return _("Penerimaan barang dicatat.")
    if step == "pay":
        services.record_payment(purchase, user, reference=post.get("reference", ""), paid_on=post.get("paid_on"))
        return _("Pembayaran dicatat.")
    raise Http404


@login_required
@require_POST
def step(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """A workflow step from a page form; errors come back on the same page with their status."""
    purchase = _visible_or_404(request, pk)
    if name not in workflow.PURCHASE.steps or name == "quote":
        raise Http404
    from_compare = name in ("evaluate", "award")
    try:
        done = _run_step(request, purchase, name)
    except DomainError as exc:
        fresh = PurchaseRequest.objects.get(pk=purchase.pk)
        htmx = bool(request.htmx)  # type: ignore[attr-defined]
        if isinstance(exc, Forbidden) and not policy.is_staff(_user(request)) and name != "deliver" and not htmx:
            return _forbidden(request, str(exc.message))
        if from_compare:
            context = _compare_context(request, fresh, error=str(exc.message))
            return render(request, "procurement/compare.html", context, status=exc.status_code)
        return _panel(request, fresh, status=exc.status_code, error=str(exc.message))
    fresh = PurchaseRequest.objects.get(pk=purchase.pk)
    if request.htmx and not from_compare:  # type: ignore[attr-defined]
        return _panel(request, fresh, success=done)
    messages.success(request, done)
    return redirect("procurement:detail", pk=purchase.pk)


@login_required
@require_GET
def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _visible_or_404(request, pk)
    try:
        return order_pdf_response(purchase, _user(request), request.tenant)  # type: ignore[attr-defined]
    except DomainError as exc:
        if exc.status_code == 404:
            raise Http404 from None
        return _error_page(request, str(exc.message), exc.status_code)


def default_deadline() -> datetime:
    """Three days from now at 12:00 WIB, for the create form."""
    moment = timezone.localtime(timezone.now() + timedelta(days=3), services.JAKARTA)
    return moment.replace(hour=12, minute=0, second=0, microsecond=0)

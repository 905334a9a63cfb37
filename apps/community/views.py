"""HTMX pages of community finance (mounted at /kas/), phone first. Logic lives in services.

Forms post with HTMX and get the updated panel back (409/422 answers are swapped in too, with
the message); without JavaScript they post normally and get the page back.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError, ValidationFailed
from apps.core.files import private_url
from apps.core.files.views import serve_registered
from apps.core.money import rupiah
from apps.payments.selectors import may_use_sandbox
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant

from . import exports, policy, selectors, services
from .models import (
    EXPENSE_CATEGORIES,
    INCOME_CATEGORIES,
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    Category,
    IuranPayment,
    month_label,
)


def _user(request: HttpRequest) -> User:
    return policy.per_request(request.user)


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def _is_htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _fail(request: HttpRequest, exc: DomainError) -> int:
    messages.error(request, str(exc.message))
    return exc.status_code


def _new_key() -> str:
    return uuid.uuid4().hex


def _form_key(request: HttpRequest) -> str:
    raw = request.POST.get("key", "").strip()[:64]
    return f"web:{_user(request).pk}:{raw}" if raw else ""


# --- home -------------------------------------------------------------------------------------


def _home_context(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    rt = policy.home_rt(user)
    book = selectors.book_for_rt(rt) if rt is not None else None
    staff = policy.is_staff_officer(user)
    context: dict[str, Any] = {
        "rt": rt,
        "book": book,
        "managed": policy.managed_rts(user),
        "staff": staff,
        "other_books": [b for b in selectors.books_visible_to(user) if rt is None or b.rt_id != rt.pk],
        "all_rts": RukunTetangga.objects.select_related("rw").order_by("rw__number", "number") if staff else [],
        "groups": selectors.groups_of(user)[:20],
    }
    if book is not None:
        services.sync_pending_qris(book=book, member=user)
        context.update(_my_iuran(book, user))
        context["money"] = selectors.balances(book)
    return context


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Warga: my RT's kas, my iuran, my arisan. Treasurer/ketua: links to the books they keep."""
    return render(request, "community/home.html", _home_context(request))


def _my_iuran(book: CashBook, user: User) -> dict[str, Any]:
    current = services.this_month()
    dues = selectors.member_dues(book, user, until=current)
    upcoming = services.add_months(current, 1)
    next_amount = services.amount_for_month(book, upcoming)
    paid_next = IuranPayment.objects.filter(member=user, month=upcoming, status=IuranPayment.Status.PAID).exists()
    return {
        "dues": dues,
        "current": current,
        "upcoming": upcoming if next_amount and not paid_next else None,
        "upcoming_amount": next_amount,
        "my_payments": IuranPayment.objects.filter(member=user).exclude(status=IuranPayment.Status.CANCELLED)[:12],
        "pay_key": _new_key(),
    }


# --- the treasurer's book -----------------------------------------------------------------------


def _rt_or_404(rt_id: int) -> RukunTetangga:
    return get_object_or_404(RukunTetangga.objects.select_related("rw", "ketua"), pk=rt_id)


def _managed_book(request: HttpRequest, rt_id: int) -> CashBook:
    rt = _rt_or_404(rt_id)
    if not policy.can_manage_books(_user(request), rt):
        raise PermissionDenied
    return services.open_cash_book(rt)


def _book_context(request: HttpRequest, book: CashBook) -> dict[str, Any]:
    user = _user(request)
    today = timezone.localdate()
    current = services.this_month(today)
    entries = CashBookEntry.objects.filter(cash_book=book).select_related("member", "recorded_by")[:30]
    return {
        "book": book,
        "rt": book.rt,
        "money": selectors.balances(book),
        "totals": selectors.book_totals(book),
        "entries": entries,
        "arrears": [
            {
                "member": d.member,
                "months": [m for m, _a in d.overdue(current)],
                "total": sum(a for _m, a in d.overdue(current)),
            }
            for d in selectors.arrears(book, today=today)
        ],
        "current": current,
        "members": selectors.members(book),
        "schedules": book.schedules.all(),
        "income_categories": [(c.value, c.label) for c in INCOME_CATEGORIES if c != Category.IURAN],
        "expense_categories": [(c.value, c.label) for c in EXPENSE_CATEGORIES],
        "treasurer": selectors.current_treasurer(book.rt),
        "can_assign": policy.can_assign_treasurer(user, book.rt),
        "today": today.isoformat(),
        "months": [month_label(m) for m in selectors.payable_months(book, today=today)],
        "form_key": _new_key(),
    }


def _render_book(request: HttpRequest, book: CashBook, status: int = 200) -> HttpResponse:
    template = "community/_panel.html" if _is_htmx(request) else "community/book.html"
    return render(request, template, _book_context(request, book), status=status)


@login_required
@require_GET
def book(request: HttpRequest, rt_id: int) -> HttpResponse:
    rt = _rt_or_404(rt_id)
    user = _user(request)
    if not policy.can_manage_books(user, rt):
        if policy.can_view_books(user, rt):
            return redirect("community:report", rt_id=rt.pk, month=month_label(services.this_month()))
        raise PermissionDenied
    book = services.open_cash_book(rt)
    book.rt = rt  # already read with its RW and ketua: the panels need not read it again
    return _render_book(request, book)


def _after_write(request: HttpRequest, book: CashBook, exc: DomainError | None, ok: str = "") -> HttpResponse:
    if exc is not None:
        return _render_book(request, book, status=_fail(request, exc))
    if ok:
        messages.success(request, ok)
    if _is_htmx(request):
        return _render_book(request, book)
    return redirect("community:book", rt_id=book.rt_id)


@login_required
@require_POST
def record_income(request: HttpRequest, rt_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    try:
        line = services.record_income(
            book,
            actor=_user(request),
            amount=request.POST.get("amount", ""),
            category=request.POST.get("category", ""),
            description=request.POST.get("description", ""),
            occurred_on=request.POST.get("occurred_on") or None,
            receipt=request.FILES.get("receipt"),
            client_key=_form_key(request),
        )
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(request, book, None, _("Pemasukan %(amount)s dicatat.") % {"amount": rupiah(line.amount)})


def _recipient(request: HttpRequest) -> User | None:
    username = request.POST.get("recipient", "").strip()
    if not username:
        return None
    return User.objects.filter(username__iexact=username, is_active=True).first()


@login_required
@require_POST
def record_expense(request: HttpRequest, rt_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    try:
        recipient = _recipient(request)
        if request.POST.get("recipient", "").strip() and recipient is None:
            raise ValidationFailed(_("Penerima tidak dikenal di kelurahan ini."), field="recipient")
        line = services.record_expense(
            book,
            actor=_user(request),
            amount=request.POST.get("amount", ""),
            category=request.POST.get("category", ""),
            description=request.POST.get("description", ""),
            occurred_on=request.POST.get("occurred_on") or None,
            receipt=request.FILES.get("receipt"),
            channel=request.POST.get("channel", CashBookEntry.Channel.CASH),
            recipient=recipient,
            client_key=_form_key(request),
        )
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(request, book, None, _("Pengeluaran %(amount)s dicatat.") % {"amount": rupiah(line.amount)})


def _member_of(book: CashBook, raw: str) -> User:
    member = selectors.members(book).filter(pk=int(raw) if raw.isdigit() else 0).first()
    if member is None:
        raise ValidationFailed(_("Pilih warga %(rt)s.") % {"rt": book.rt}, field="member")
    return member


@login_required
@require_POST
def iuran_cash(request: HttpRequest, rt_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    try:
        member = _member_of(book, request.POST.get("member", ""))
        payment = services.record_iuran_cash(
            book, member, request.POST.get("month", ""), actor=_user(request), client_key=_form_key(request)
        )
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(
        request,
        book,
        None,
        _("Iuran %(month)s dari %(name)s (%(amount)s) dicatat lunas.")
        % {"month": month_label(payment.month), "name": member, "amount": rupiah(payment.amount)},
    )


@login_required
@require_POST
def schedule(request: HttpRequest, rt_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    try:
        item = services.set_schedule(
            book,
            actor=_user(request),
            amount=request.POST.get("amount", ""),
            start_month=request.POST.get("start_month", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(
        request,
        book,
        None,
        _("Iuran %(amount)s per rumah mulai %(month)s.")
        % {"amount": rupiah(item.amount), "month": month_label(item.start_month)},
    )


@login_required
@require_POST
def exemption(request: HttpRequest, rt_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    try:
        member = _member_of(book, request.POST.get("member", ""))
        services.add_exemption(
            book,
            member,
            actor=_user(request),
            from_month=request.POST.get("from_month", ""),
            until_month=request.POST.get("until_month") or None,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(request, book, None, _("Pembebasan iuran untuk %(name)s dicatat.") % {"name": member})


@login_required
@require_POST
def void(request: HttpRequest, rt_id: int, entry_id: int) -> HttpResponse:
    book = _managed_book(request, rt_id)
    line = get_object_or_404(CashBookEntry, pk=entry_id, cash_book=book)
    try:
        services.void_entry(line, actor=_user(request), reason=request.POST.get("reason", ""))
    except DomainError as exc:
        return _after_write(request, book, exc)
    return _after_write(request, book, None, _("Catatan dibatalkan; jurnal balik sudah dibuat."))


@login_required
@require_http_methods(["GET", "POST"])
def assign_treasurer(request: HttpRequest, rt_id: int) -> HttpResponse:
    """Ketua RT or staff: name the RT's bendahara (the page for staff; ketua use the panel)."""
    rt = _rt_or_404(rt_id)
    user = _user(request)
    if not policy.can_assign_treasurer(user, rt):
        raise PermissionDenied
    book = services.open_cash_book(rt)
    current = selectors.current_treasurer(rt)
    if request.method == "GET":
        return render(request, "community/assign.html", {"rt": rt, "treasurer": current})
    username = request.POST.get("username", "").strip()
    person = User.objects.filter(username__iexact=username, is_active=True).first() if username else None
    try:
        if person is None:
            raise ValidationFailed(_("Pengguna “%(name)s” tidak ada.") % {"name": username[:50]}, field="username")
        services.assign_treasurer(rt, person, actor=user)
        policy.forget(user)
    except DomainError as exc:
        status = _fail(request, exc)
        if policy.can_manage_books(user, rt):
            return _render_book(request, book, status=status)
        return render(request, "community/assign.html", {"rt": rt, "treasurer": current}, status=status)
    messages.success(request, _("%(name)s sekarang bendahara %(rt)s.") % {"name": person, "rt": rt})
    if policy.can_manage_books(user, rt):
        return _after_write(request, book, None)
    return redirect("community:assign_treasurer", rt_id=rt.pk)


# --- reports and receipts -----------------------------------------------------------------------


def _viewable_book(request: HttpRequest, rt_id: int) -> CashBook:
    rt = _rt_or_404(rt_id)
    if not policy.can_view_books(_user(request), rt):
        raise PermissionDenied
    book = selectors.book_for_rt(rt)
    if book is None:
        raise Http404
    return book


def _report(request: HttpRequest, rt_id: int, month: str) -> tuple[CashBook, selectors.MonthlyReport]:
    book = _viewable_book(request, rt_id)
    try:
        when = services.parse_month(month)
    except DomainError:
        raise Http404 from None
    return book, selectors.monthly_report(book, when)


@login_required
@require_GET
def report_current(request: HttpRequest, rt_id: int) -> HttpResponse:
    return redirect("community:report", rt_id=rt_id, month=month_label(services.this_month()))


@login_required
@require_GET
def report(request: HttpRequest, rt_id: int, month: str) -> HttpResponse:
    book, data = _report(request, rt_id, month)
    user = _user(request)
    context = {
        "book": book,
        "report": data,
        "months": [month_label(m) for m in selectors.report_months(book)],
        "month": month_label(data.month),
        "previous": month_label(services.add_months(data.month, -1)),
        "next": month_label(services.add_months(data.month, 1)) if data.month < services.this_month() else "",
        "can_manage": policy.can_manage_books(user, book.rt),
    }
    return render(request, "community/report.html", context)


def _filename(book: CashBook, month: str, ext: str) -> str:
    return f"kas-rt{book.rt.number:02d}-rw{book.rt.rw.number:02d}-{month}.{ext}"


@login_required
@require_GET
def report_pdf(request: HttpRequest, rt_id: int, month: str) -> HttpResponse:
    book, data = _report(request, rt_id, month)

    def receipt_url(line: CashBookEntry) -> str:
        return request.build_absolute_uri(private_url(line, "receipt"))

    body = exports.report_pdf(data, tenant_name=_tenant(request).name, receipt_url=receipt_url)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{_filename(book, month_label(data.month), "pdf")}"'
    return response


@login_required
@require_GET
def report_xlsx(request: HttpRequest, rt_id: int, month: str) -> HttpResponse:
    book, data = _report(request, rt_id, month)
    body = exports.report_xlsx(data, tenant_name=_tenant(request).name)
    response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{_filename(book, month_label(data.month), "xlsx")}"'
    return response


@login_required
@require_GET
def receipt(request: HttpRequest, public_id: uuid.UUID) -> HttpResponseBase:
    """A receipt (older link form): the same gate as /berkas/ (apps.community.files)."""
    line = get_object_or_404(CashBookEntry.objects.select_related("cash_book__rt__rw"), public_id=public_id)
    return serve_registered(request, line, "receipt")


# --- iuran (members) ------------------------------------------------------------------------------


@login_required
@require_POST
def pay_iuran(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    method = request.POST.get("method", "wallet")
    month = request.POST.get("month", "")
    try:
        if method == "qris":
            payment = services.start_iuran_qris(user, month)
            return redirect("community:iuran_qris", public_id=payment.public_id)
        if method != "wallet":
            raise ValidationFailed(_("Cara bayar tidak dikenal."), field="method")
        payment = services.pay_iuran_with_wallet(user, month, client_key=_form_key(request))
    except DomainError as exc:
        status = _fail(request, exc)
        return _home_after_error(request, status)
    messages.success(
        request,
        _("Iuran %(month)s lunas: %(amount)s dari saldo Anda.")
        % {"month": month_label(payment.month), "amount": rupiah(payment.amount)},
    )
    return redirect("community:home")


def _home_after_error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "community/home.html", _home_context(request), status=status)


def _own_iuran_payment(request: HttpRequest, public_id: uuid.UUID) -> IuranPayment:
    payment = get_object_or_404(IuranPayment.objects.select_related("charge", "cash_book__rt__rw"), public_id=public_id)
    user = _user(request)
    if payment.member_id != user.pk and not policy.can_manage_books(user, payment.cash_book.rt):
        raise Http404
    return payment


def _refresh_if_changed(request: HttpRequest, response: HttpResponse, status: str) -> HttpResponse:
    shown = request.GET.get("shown")
    if _is_htmx(request) and shown and shown != status:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def iuran_qris(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The QR to scan; the status fragment polls (and applies the gateway's answer, idempotent)."""
    payment = services.sync_iuran_payment(_own_iuran_payment(request, public_id))
    context: dict[str, Any] = {
        "payment": payment,
        "charge": payment.charge,
        "poll": reverse("community:iuran_qris", args=[payment.public_id]),
    }
    if _is_htmx(request):
        response = render(request, "community/_qris_status.html", {**context, "status": payment.status})
        return _refresh_if_changed(request, response, str(payment.status))
    context.update(
        sandbox=may_use_sandbox(request.user),
        status=payment.status,
        title=_("Iuran %(month)s") % {"month": month_label(payment.month)},
        back=reverse("community:home"),
    )
    return render(request, "community/qris.html", context)


# --- arisan -----------------------------------------------------------------------------------------


def _group_or_404(request: HttpRequest, pk: int) -> ArisanGroup:
    group = get_object_or_404(ArisanGroup.objects.select_related("rt__rw", "organiser", "pool_account"), pk=pk)
    if not policy.can_view_group(_user(request), group):
        raise Http404
    return group


@login_required
@require_http_methods(["GET", "POST"])
def arisan_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = 200
    if request.method == "POST":
        rt = None
        if request.POST.get("rt_scoped"):
            rt = policy.home_rt(user)
            if rt is None:
                messages.error(request, _("Anda belum terdaftar sebagai warga sebuah RT."))
                status = 422
        if status == 200:
            try:
                group = services.create_group(
                    organiser=user,
                    name=request.POST.get("name", ""),
                    contribution=request.POST.get("contribution", ""),
                    period=request.POST.get("period", ""),
                    draw_method=request.POST.get("draw_method", ""),
                    start_date=request.POST.get("start_date", ""),
                    rt=rt,
                    join=bool(request.POST.get("join", "1")),
                )
            except DomainError as exc:
                status = _fail(request, exc)
            else:
                messages.success(request, _("Arisan “%(name)s” dibuat. Tambahkan anggota.") % {"name": group.name})
                return redirect("community:arisan", pk=group.pk)
    context = {
        "groups": selectors.groups_of(user),
        "periods": ArisanGroup.Period.choices,
        "methods": ArisanGroup.DrawMethod.choices,
        "home_rt": policy.home_rt(user),
        "today": timezone.localdate().isoformat(),
        "form": request.POST if status != 200 else {},
    }
    return render(request, "community/arisan_list.html", context, status=status)


def _group_context(request: HttpRequest, group: ArisanGroup) -> dict[str, Any]:
    user = _user(request)
    me = policy.membership(user, group)
    rounds = []
    for round_ in group.rounds.select_related("winner__user").order_by("number"):
        paid_ids = set(
            ArisanContribution.objects.filter(round=round_, status=ArisanContribution.Status.PAID).values_list(
                "member_id", flat=True
            )
        )
        rounds.append({"round": round_, "paid": len(paid_ids), "mine_paid": me is not None and me.pk in paid_ids})
    return {
        "group": group,
        "me": me,
        "members": group.members.select_related("user").order_by("position", "pk"),
        "rounds": rounds,
        "member_count": group.members.count(),
        "is_organiser": policy.is_organiser(user, group) or policy.is_staff_officer(user),
        "missed": selectors.missed_contributions(group),
        "pool": selectors.pool_balance(group),
        "form_key": _new_key(),
    }


@login_required
@require_GET
def arisan(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    services.sync_pending_qris(member=_user(request))
    return render(request, "community/arisan.html", _group_context(request, group))


def _group_after(request: HttpRequest, group: ArisanGroup, exc: DomainError | None, ok: str = "") -> HttpResponse:
    if exc is not None:
        status = _fail(request, exc)
        group.refresh_from_db()
        return render(request, "community/arisan.html", _group_context(request, group), status=status)
    if ok:
        messages.success(request, ok)
    return redirect("community:arisan", pk=group.pk)


@login_required
@require_POST
def arisan_add_member(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    username = request.POST.get("username", "").strip()
    person = User.objects.filter(username__iexact=username, is_active=True).first() if username else None
    try:
        if person is None:
            raise ValidationFailed(_("Pengguna “%(name)s” tidak ada.") % {"name": username[:50]})
        services.add_member(group, person, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(request, group, None, _("%(name)s bergabung.") % {"name": person})


@login_required
@require_POST
def arisan_remove_member(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    member = get_object_or_404(ArisanMember, pk=member_id, group=group)
    try:
        services.remove_member(group, member, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(request, group, None, _("Anggota dikeluarkan."))


@login_required
@require_POST
def arisan_commit(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        group = services.commit_draw(group, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(
        request, group, None, _("Komitmen diterbitkan: sha256(seed) = %(c)s") % {"c": group.seed_commitment}
    )


@login_required
@require_POST
def arisan_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    try:
        services.reveal_draw(group, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(request, group, None, _("Undian selesai: seed dibuka, urutan ditetapkan."))


@login_required
@require_POST
def arisan_order(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    # One select per position ("position_1" = member id of round 1, ...).
    picks = [request.POST.get(f"position_{n}", "") for n in range(1, group.members.count() + 1)]
    try:
        services.set_agreed_order(group, picks, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(request, group, None, _("Urutan disimpan; arisan berjalan."))


@login_required
@require_GET
def arisan_verify(request: HttpRequest, pk: int) -> HttpResponse:
    group = _group_or_404(request, pk)
    typed = request.GET.get("seed", "").strip()[:128]
    members = list(group.members.select_related("user").order_by("pk"))
    names = {m.pk: str(m.user) for m in members}
    result = selectors.verification(group, seed=typed or None)
    context = {
        "group": group,
        "members": members,
        "member_ids": ",".join(str(m.pk) for m in members),
        "order": [(n, names.get(m, "?"), m) for n, m in enumerate(selectors.published_order(group), start=1)],
        "result": result,
        "typed": typed,
        "expected": [(names.get(m, "?"), m) for m in result.expected_order] if result else [],
    }
    return render(request, "community/verify.html", context)


def _round_or_404(request: HttpRequest, pk: int) -> ArisanRound:
    round_ = get_object_or_404(ArisanRound.objects.select_related("group"), pk=pk)
    _group_or_404(request, round_.group_id)
    return round_


@login_required
@require_POST
def arisan_contribute(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_or_404(request, pk)
    group = round_.group
    user = _user(request)
    raw = request.POST.get("member", "")
    member = (
        ArisanMember.objects.filter(group=group, pk=int(raw)).first()
        if raw.isdigit()
        else policy.membership(user, group)
    )
    try:
        if member is None:
            raise ValidationFailed(_("Bukan anggota arisan ini."))
        if request.POST.get("method") == "qris":
            pending = services.start_contribution_qris(round_, member, payer=user)
            return redirect("community:contribution_qris", public_id=pending.public_id)
        services.contribute_with_wallet(round_, member, payer=user)
    except DomainError as exc:
        return _group_after(request, group, exc)
    return _group_after(
        request,
        group,
        None,
        _("Setoran putaran %(n)s untuk %(name)s lunas.") % {"n": round_.number, "name": member.user},
    )


@login_required
@require_POST
def arisan_payout(request: HttpRequest, pk: int) -> HttpResponse:
    round_ = _round_or_404(request, pk)
    try:
        round_ = services.pay_out(round_, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, round_.group, exc)
    return _group_after(
        request,
        round_.group,
        None,
        _("%(amount)s dibayarkan ke %(name)s.") % {"amount": rupiah(round_.amount), "name": round_.winner.user},
    )


@login_required
@require_POST
def arisan_payout_choice(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser or the winner: pay this round out as a UMKM voucher, or as cash again."""
    round_ = _round_or_404(request, pk)
    as_voucher = request.POST.get("as_voucher") == "1"
    try:
        services.choose_payout(round_, as_voucher=as_voucher, actor=_user(request))
    except DomainError as exc:
        return _group_after(request, round_.group, exc)
    done = (
        _("Putaran ini akan dibayarkan sebagai voucher UMKM.")
        if as_voucher
        else _("Putaran ini akan dibayarkan tunai ke dompet.")
    )
    return _group_after(request, round_.group, None, done)


@login_required
@require_GET
def contribution_qris(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    contribution = get_object_or_404(
        ArisanContribution.objects.select_related("charge", "round__group", "member__user"), public_id=public_id
    )
    user = _user(request)
    group = contribution.round.group
    if contribution.payer_id != user.pk and not policy.is_organiser(user, group):
        raise Http404
    contribution = services.sync_contribution(contribution)
    poll = reverse("community:contribution_qris", args=[contribution.public_id])
    context: dict[str, Any] = {"payment": contribution, "charge": contribution.charge, "poll": poll}
    if _is_htmx(request):
        response = render(request, "community/_qris_status.html", {**context, "status": contribution.status})
        return _refresh_if_changed(request, response, str(contribution.status))
    context.update(
        sandbox=may_use_sandbox(request.user),
        status=contribution.status,
        title=_("Setoran arisan %(name)s putaran %(n)s") % {"name": group.name, "n": contribution.round.number},
        back=reverse("community:arisan", args=[group.pk]),
    )
    return render(request, "community/qris.html", context)

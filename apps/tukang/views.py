"""GoTukang pages (phone first, under /tukang/): directory, registration, requests, a job's
page with every action of its parties, the kelurahan's complaints, and the WhatsApp sandbox."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.files import private_url
from apps.core.idempotency import run_form_once
from apps.rtrw.models import RukunWarga

from . import selectors, services, whatsapp
from .models import Job, Quote, RateUnit, Skill

PAGE_SIZE = 20


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _fail(request: HttpRequest, exc: DomainError) -> int:
    messages.error(request, str(exc.message))
    return exc.status_code


@require_http_methods(["GET"])
def directory(request: HttpRequest) -> HttpResponse:
    skill = request.GET.get("skill", "")
    rw_raw = request.GET.get("rw", "")
    rw = int(rw_raw) if rw_raw.isdigit() else None
    found = selectors.directory(skill=skill, rw=rw, query=request.GET.get("q", "")[:100])
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    user = request.user if request.user.is_authenticated else None
    context = {
        "page": page,
        "skills": Skill.choices,
        "rws": RukunWarga.objects.values_list("number", flat=True),
        "skill": skill,
        "rw": rw,
        "q": request.GET.get("q", ""),
        "me": selectors.tukang_of(user) if isinstance(user, User) else None,
        "staff": isinstance(user, User) and services.is_kelurahan_staff(user),
        "sandbox": isinstance(user, User) and _may_use_sandbox(user),
    }
    return render(request, "tukang/directory.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = selectors.tukang_of(user)
    status = 200
    if request.method == "POST":
        try:
            services.register_tukang(
                user,
                name=request.POST.get("name", ""),
                skills=request.POST.getlist("skills"),
                rws=[int(n) for n in request.POST.getlist("rws") if n.isdigit()],
                rate=request.POST.get("rate", ""),
                rate_unit=request.POST.get("rate_unit", RateUnit.DAY),
                available=request.POST.get("available") == "on",
                availability_note=request.POST.get("availability_note", ""),
                bio=request.POST.get("bio", ""),
            )
        except DomainError as exc:
            status = _fail(request, exc)
        else:
            messages.success(request, _("Data tukang Anda tersimpan."))
            return redirect("tukang:directory")
    context = {
        "current": current,
        "form": request.POST if request.method == "POST" else None,
        "skills": Skill.choices,
        "units": RateUnit.choices,
        "rws": RukunWarga.objects.values_list("number", flat=True),
    }
    return render(request, "tukang/register.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def request_job(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    target_id = request.GET.get("tukang") or request.POST.get("tukang") or ""
    target = None
    if target_id:
        try:
            target = selectors.directory().filter(public_id=uuid.UUID(target_id)).first()
        except ValueError:
            raise Http404 from None
    status = 200
    if request.method == "POST":
        key = request.POST.get("idempotency_key", "")

        def create() -> tuple[int, Any]:
            job = services.request_job(
                user,
                skill=request.POST.get("skill", ""),
                description=request.POST.get("description", ""),
                tukang=target,
                address=request.POST.get("address", ""),
                lat=request.POST.get("lat"),
                lng=request.POST.get("lng"),
                photos=request.FILES.getlist("photos"),
            )
            return 201, {"public_id": str(job.public_id)}

        try:
            outcome = run_form_once(user=user, form_key=key, scope="tukang.job.web", action=create)
        except DomainError as exc:
            status = _fail(request, exc)
        else:
            messages.success(request, _("Permintaan terkirim. Tunggu penawaran dari tukang."))
            return redirect("tukang:job", public_id=outcome.body["public_id"])
    context = {
        "target": target,
        "skills": [(c, label) for c, label in Skill.choices if target is None or c in target.skills],
        "form": request.POST if request.method == "POST" else {"skill": request.GET.get("skill", "")},
        "idempotency_key": uuid.uuid4().hex,
    }
    return render(request, "tukang/request.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def my_jobs(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    tukang = selectors.tukang_of(user)
    context = {
        "requested": selectors.my_requests(user)[:50],
        "incoming": selectors.jobs_for_tukang(tukang)[:50] if tukang is not None else None,
        "me": tukang,
    }
    return render(request, "tukang/my_jobs.html", context)


def _job_for(request: HttpRequest, public_id: uuid.UUID) -> Job:
    job = Job.objects.select_related("tukang", "requester", "payment_request").filter(public_id=public_id).first()
    if job is None or not selectors.may_view(job, _user(request)):
        raise Http404
    return job


@login_required
@require_http_methods(["GET"])
def job_detail(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = _job_for(request, public_id)
    return render(request, "tukang/job.html", _job_context(request, job))


def _job_context(request: HttpRequest, job: Job) -> dict[str, Any]:
    user = _user(request)
    me = selectors.tukang_of(user)
    return {
        "job": job,
        "quotes": selectors.job_quotes(job),
        "photos": [url for url in (private_url(job, "photo"), private_url(job, "photo_2")) if url],
        "is_requester": job.requester_id == user.pk,
        "is_tukang": me is not None and job.tukang_id == me.pk,
        "may_quote": me is not None and job.status == Job.Status.OPEN and services.may_quote(job, me),
        "staff": services.is_kelurahan_staff(user),
        "ratings": range(1, 6),
        "idempotency_key": uuid.uuid4().hex,
    }


ACTIONS = {"quote", "book", "cancel", "complete", "pay_wallet", "cash", "rate", "dispute", "resolve"}


@login_required
@require_POST
def job_action(request: HttpRequest, public_id: uuid.UUID, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    job = _job_for(request, public_id)
    user = _user(request)
    post = request.POST
    try:
        if action == "quote":
            services.submit_quote(job, actor=user, amount=post.get("amount", ""), note=post.get("note", ""))
            messages.success(request, _("Penawaran terkirim."))
        elif action == "book":
            quote = get_object_or_404(Quote, pk=post.get("quote") or 0, job=job)
            services.book_quote(job, quote, actor=user)
            messages.success(request, _("Tukang dipesan."))
        elif action == "cancel":
            services.cancel_job(job, actor=user)
        elif action == "complete":
            services.complete_job(job, actor=user)
            messages.success(request, _("Pekerjaan ditandai selesai; tagihan dikirim ke pemesan."))
        elif action == "pay_wallet":
            services.pay_with_wallet(
                job, actor=user, idempotency_key=f"tukang:{job.pk}:{post.get('idempotency_key', '')}"
            )
            messages.success(request, _("Pembayaran berhasil."))
        elif action == "cash":
            services.record_cash(job, actor=user)
            messages.success(request, _("Pembayaran tunai dicatat."))
        elif action == "rate":
            services.rate_job(job, actor=user, rating=post.get("rating", ""), review=post.get("review", ""))
            messages.success(request, _("Terima kasih atas penilaian Anda."))
        elif action == "dispute":
            services.open_dispute(job, actor=user, reason=post.get("reason", ""))
            messages.success(request, _("Keluhan dikirim ke kelurahan."))
        else:
            services.resolve_dispute(job, actor=user, resolution=post.get("resolution", ""))
            messages.success(request, _("Keputusan tersimpan."))
    except DomainError as exc:
        status = _fail(request, exc)
        job.refresh_from_db()
        return render(request, "tukang/job.html", _job_context(request, job), status=status)
    return redirect("tukang:job", public_id=job.public_id)


@login_required
@require_http_methods(["GET"])
def disputes(request: HttpRequest) -> HttpResponse:
    if not services.is_kelurahan_staff(_user(request)):
        raise Http404
    return render(request, "tukang/disputes.html", {"jobs": selectors.disputes()[:100]})


def _may_use_sandbox(user: User) -> bool:
    """Like the payment sandbox: only where WhatsApp is in sandbox mode, for anyone on a
    developer's machine (DEBUG) and for kelurahan staff elsewhere."""
    if not user.is_authenticated or not whatsapp.sandbox_mode():
        return False
    return bool(settings.DEBUG or services.is_kelurahan_staff(user))


@login_required
@require_http_methods(["GET", "POST"])
def sandbox(request: HttpRequest) -> HttpResponse:
    """Plays the WhatsApp side: type as a phone number, see the bot's replies (HTMX refresh)."""
    user = _user(request)
    if not _may_use_sandbox(user):
        raise Http404
    phone = (request.POST.get("phone") or request.GET.get("phone") or user.phone or "").strip()
    status = 200
    if request.method == "POST":
        try:
            whatsapp.sandbox_send(phone, request.POST.get("text", ""), request.POST.get("reply_id", ""))
        except DomainError as exc:
            status = _fail(request, exc)
        else:
            if not request.htmx:  # type: ignore[attr-defined]
                return redirect(f"{request.path}?phone={phone}")
    context = {"phone": phone, "transcript": whatsapp.transcript(phone) if phone else []}
    template = "tukang/_sandbox_chat.html" if request.htmx else "tukang/sandbox.html"  # type: ignore[attr-defined]
    return render(request, template, context, status=status)

"""HTMX pages for izin usaha mikro (mounted at /izin/), phone first. Logic lives in services."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core import nik
from apps.core.errors import DomainError
from apps.core.files.kept import KeptUploads
from apps.core.files.views import serve_registered
from apps.core.money import rupiah
from apps.rtrw.models import Residency
from apps.tenancy.models import Tenant

from . import certificate, kbli, policy, selectors, services, workflow
from .forms import NibForm, PermitForm
from .models import Permit
from .services import fees
from .workflow import Actor


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def _step_labels() -> dict[str, str]:
    return {
        "submit": _("Ajukan"),
        "recommend": _("Rekomendasikan"),
        "verify": _("Verifikasi"),
        "approve": _("Setujui"),
        "bill": _("Terbitkan tagihan retribusi"),
        "issue": _("Terbitkan izin"),
        "return": _("Kembalikan untuk dilengkapi"),
        "reject": _("Tolak"),
        "resubmit": _("Ajukan ulang"),
        "withdraw": _("Tarik permohonan"),
        "revoke": _("Cabut izin"),
    }


def _visible_or_404(request: HttpRequest, pk: int) -> Permit:
    permit = get_object_or_404(
        Permit.objects.select_related("applicant", "rt__rw", "rt__ketua", "rt__rw__ketua"), pk=pk
    )
    if not policy.can_view(_user(request), permit):
        raise Http404
    return permit


def _form_error(form: PermitForm | NibForm, exc: DomainError) -> None:
    """The service's message goes next to its field; an incomplete submission marks each missing field."""
    fields = exc.details.get("fields") or [exc.details.get("field")]
    shown = False
    for field in fields:
        name = "lat" if field == "location" else field
        if isinstance(name, str) and name in form.fields:
            message = str(exc.message) if len(fields) == 1 else _("Wajib diisi sebelum diajukan.")
            form.add_error(name, message)
            shown = True
    if not shown or len(fields) > 1:
        form.add_error(None, str(exc.message))


_FILE_FIELDS = ("ktp_scan", "premises_photo")


@sensitive_variables("raw")
def _cheap_errors(request: HttpRequest, form: PermitForm) -> bool:
    """Put every cheap field error (NIK, KBLI, capital, workers, location) on the form at once, so
    one refused POST (which loses the chosen files) reports them all. True when any was found."""
    raw: dict[str, Any] = {k: request.POST.get(k, "") for k in ("lat", "lng", "workers")}
    if request.POST.get("nik") or form.fields["nik"].required:
        raw["nik"] = request.POST.get("nik", "")
    if request.POST.get("capital"):
        raw["capital"] = re.sub(r"(?i)^rp|[\s.]", "", request.POST["capital"])
    if not form.has_error("kbli_code") and form.cleaned_data.get("kbli_code"):
        raw["kbli_code"] = form.cleaned_data["kbli_code"]
    found = False
    for field, message in services.check_application(raw).items():
        name = "lat" if field == "location" else field
        if name in form.fields and not form.has_error(name):
            form.add_error(name, message)
            found = True
    return found


def _keep_files(request: HttpRequest, form: PermitForm) -> KeptUploads:
    """The KTP scan and premises photo survive a refused POST (apps.core.files.kept: private
    storage, a token bound to this user, tenant and field), so the applicant does not choose
    them again; a file that could not be kept says "Pilih ulang berkas" next to its input."""
    for name in _FILE_FIELDS:
        if name in form.fields:
            form.fields[name].kept_noun = _("Berkas")  # type: ignore[attr-defined]
    return KeptUploads(request, form, fields=[name for name in _FILE_FIELDS if name in form.fields])


def _form_context(request: HttpRequest, form: PermitForm, status: int, kept: KeptUploads) -> dict[str, Any]:
    """Errors point at their fields; after a refused POST a banner says when a chosen file
    could not be kept (each such input says so too)."""
    refused = request.method == "POST" and status >= 400
    for name in form.errors:
        if name in form.fields:
            target = "lat" if name == "lng" else name
            form.fields[name].widget.attrs.update({"aria-invalid": "true", "aria-describedby": f"error-{target}"})
    lost = refused and any(widget.lost for widget in kept.widgets.values())
    return {"form": form, "chosen_files": lost}


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = Permit.objects.filter(applicant=user).order_by("-created_at")
    context = {"permits": mine, "is_officer": policy.is_officer(user), "now": timezone.now()}
    return render(request, "permits/index.html", context)


@sensitive_variables("data")
@sensitive_post_parameters("nik")
@login_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    staff = policy.is_staff_officer(user)
    initial = {} if staff else {"owner_name": user.full_name}
    form = PermitForm(request.POST or None, request.FILES or None, staff=staff, initial=initial)
    if not staff and Residency.objects.filter(user=user).exists():
        del form.fields["rt"]
    kept = _keep_files(request, form)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        if _cheap_errors(request, form) or not valid:
            status = 422
            kept.keep()
        else:
            data = form.cleaned_data
            try:
                permit = services.create_permit(
                    actor=user,
                    applicant=data.get("applicant") or user,
                    nik=data["nik"],
                    owner_name=data["owner_name"],
                    business_name=data["business_name"],
                    kbli_code=data["kbli_code"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    capital=data["capital"],
                    workers=data["workers"],
                    products=data["products"],
                    ktp_scan=data["ktp_scan"],
                    premises_photo=data["premises_photo"],
                    rt=data.get("rt"),
                    submit="submit_now" in request.POST,
                )
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status_code
                kept.keep(exc)
            else:
                kept.used()
                if permit.status == workflow.SUBMITTED:
                    messages.success(request, _("Permohonan diajukan. Ketua RT/RW Anda akan memberi rekomendasi."))
                else:
                    messages.success(request, _("Draf permohonan disimpan."))
                return redirect("permits:detail", pk=permit.pk)
    context = {"editing": False, **_form_context(request, form, status, kept)}
    return render(request, "permits/apply.html", context, status=status)


@sensitive_variables("data", "changes")
@sensitive_post_parameters("nik")
@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _visible_or_404(request, pk)
    user = _user(request)
    if permit.status not in services.EDITABLE or policy.acts_as(user, Actor.APPLICANT_OR_STAFF, permit) is None:
        messages.error(request, _("Permohonan ini tidak dapat diubah."))
        return redirect("permits:detail", pk=permit.pk)
    initial = {
        "owner_name": permit.owner_name,
        "business_name": permit.business_name,
        "kbli_code": f"{permit.kbli_code} — {permit.kbli_title}",
        "address": permit.address,
        "lat": permit.lat if permit.lat is not None else "",
        "lng": permit.lng if permit.lng is not None else "",
        "capital": permit.capital,
        "workers": permit.workers,
        "products": permit.products,
        "rt": permit.rt_id,
    }
    form = PermitForm(request.POST or None, request.FILES or None, initial=initial, editing=True)
    kept = _keep_files(request, form)
    status = 200
    if request.method == "POST":
        valid = form.is_valid()
        if _cheap_errors(request, form) or not valid:
            status = 422
            kept.keep()
        else:
            data = form.cleaned_data
            changes = {k: v for k, v in data.items() if k != "rt" or v is not None}
            try:
                updated = services.update_permit(permit, actor=user, **changes)
                if "submit_now" in request.POST:
                    step = "resubmit" if updated.status == workflow.RETURNED else "submit"
                    services.take_step(updated, user, step)
            except DomainError as exc:
                _form_error(form, exc)
                status = exc.status_code
                kept.keep(exc)
            else:
                kept.used()
                messages.success(request, _("Permohonan disimpan."))
                return redirect("permits:detail", pk=permit.pk)
    context = {"editing": True, "permit": permit, **_form_context(request, form, status, kept)}
    return render(request, "permits/apply.html", context, status=status)


def _done_message(action: str, permit: Permit) -> str:
    """A plain sentence saying what happened and, where useful, what comes next."""
    name = permit.business_name
    if action == "approve" and permit.status == workflow.ISSUED:
        return _("Izin usaha %(name)s disetujui dan terbit.") % {"name": name}
    sentences = {
        "submit": _("Permohonan izin usaha %(name)s diajukan. Ketua RT/RW akan memberi rekomendasi."),
        "recommend": _("Permohonan izin usaha %(name)s direkomendasikan. Petugas kelurahan akan memeriksanya."),
        "verify": _("Permohonan izin usaha %(name)s diverifikasi. Sekarang menunggu persetujuan lurah."),
        "approve": _("Izin usaha %(name)s disetujui, tetapi belum dapat terbit."),
        "issue": _("Izin usaha %(name)s terbit."),
        "return": _("Permohonan izin usaha %(name)s dikembalikan ke pemohon untuk dilengkapi."),
        "reject": _("Permohonan izin usaha %(name)s ditolak."),
        "resubmit": _("Permohonan izin usaha %(name)s diajukan ulang."),
        "withdraw": _("Permohonan izin usaha %(name)s ditarik."),
        "revoke": _("Izin usaha %(name)s dicabut."),
    }
    return sentences[action] % {"name": name}


def _panel_context(request: HttpRequest, permit: Permit) -> dict[str, Any]:
    user = _user(request)
    labels = _step_labels()
    actions = selectors.available_actions(permit, user)
    # An approved permit with something pending shows what is pending, not a bare "issue" button.
    waiting = (workflow.VERIFIED, workflow.APPROVED, workflow.AWAITING_PAYMENT)
    pending = services.issue_pending(permit) if permit.status in waiting else []
    fee = fees.fee_for(permit) if permit.status in (workflow.VERIFIED, workflow.APPROVED) else None
    if pending:
        actions = [a for a in actions if a != "issue"]
    else:
        labels["approve"] = _("Setujui dan terbitkan izin")
    if fee is None:
        actions = [a for a in actions if a != "bill"]
    else:
        labels["approve"] = _("Setujui dan tagih retribusi (%(amount)s)") % {"amount": rupiah(fee.amount)}
    return {
        "permit": permit,
        "events": permit.events.select_related("actor").order_by("created_at", "id"),
        "actions": [
            {"name": a, "label": labels[a], "reason_required": workflow.PERMIT.steps[a].reason_required}
            for a in actions
        ],
        "can_edit": permit.status in services.EDITABLE
        and policy.acts_as(user, Actor.APPLICANT_OR_STAFF, permit) is not None,
        "can_nib": permit.status not in workflow.CLOSED
        and policy.acts_as(user, workflow.Actor.APPLICANT_OR_STAFF, permit) is not None,
        "overdue": permit.is_overdue(),
        "issued": permit.status in (workflow.ISSUED, workflow.REVOKED),
        "verification_url": certificate.verification_url(permit, _tenant(request)) if permit.verification_token else "",
        "nib_form": NibForm(),
        "issue_pending": pending,
        # The retribusi izin bill (with its QRIS) once billed; paying it issues the permit.
        "fee_bill": fees.fee_bill(permit) if permit.status == workflow.AWAITING_PAYMENT else None,
        # Officers came from their work queue; applicants from their own list.
        "back_to_queue": permit.applicant_id != user.pk and policy.is_officer(user),
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _visible_or_404(request, pk)
    return render(request, "permits/detail.html", _panel_context(request, permit))


@login_required
@require_POST
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    permit = _visible_or_404(request, pk)
    if action not in workflow.PERMIT.steps:
        raise Http404
    try:
        permit = services.take_step(permit, _user(request), action, request.POST.get("reason", ""))
    except DomainError as exc:
        permit.refresh_from_db()
        context = {**_panel_context(request, permit), "error": str(exc.message)}
        if exc.details.get("field") == "reason":  # shown under that action's reason box
            context.update(error_action=action, error="", reason_error=str(exc.message))
        template = "permits/_panel.html" if request.htmx else "permits/detail.html"  # type: ignore[attr-defined]
        return render(request, template, context, status=exc.status_code)
    done = _done_message(action, permit)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "permits/_panel.html", {**_panel_context(request, permit), "success": done})
    messages.success(request, done)
    return redirect("permits:detail", pk=permit.pk)


@login_required
@require_POST
def nib(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _visible_or_404(request, pk)
    user = _user(request)
    try:
        if "register" in request.POST:
            permit = services.register_nib(permit, user)
        else:
            form = NibForm(request.POST)
            number = form.cleaned_data["nib"] if form.is_valid() else ""
            permit = services.attach_nib(permit, user, number)
    except DomainError as exc:
        context = {**_panel_context(request, permit), "error": str(exc.message)}
        template = "permits/_panel.html" if request.htmx else "permits/detail.html"  # type: ignore[attr-defined]
        return render(request, template, context, status=exc.status_code)
    done = _("NIB %(nib)s dicatat.") % {"nib": permit.nib}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "permits/_panel.html", {**_panel_context(request, permit), "success": done})
    messages.success(request, done)
    return redirect("permits:detail", pk=permit.pk)


@login_required
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    permit = _visible_or_404(request, pk)
    if permit.status not in (workflow.ISSUED, workflow.REVOKED):
        raise Http404
    pdf = certificate.render_certificate(permit, _tenant(request))
    filename = "izin-usaha-" + re.sub(r"[^0-9A-Za-z]+", "-", permit.number or str(permit.pk)).strip("-") + ".pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, kind: str) -> HttpResponseBase:
    permit = _visible_or_404(request, pk)
    if kind not in ("ktp", "tempat-usaha"):
        raise Http404
    # Older link form: the same gate as /berkas/ (apps.permits.files).
    return serve_registered(request, permit, "ktp_scan" if kind == "ktp" else "premises_photo")


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_officer(user):
        return render(request, "permits/forbidden.html", status=403)
    everything = request.GET.get("semua") == "1" and (policy.is_staff_officer(user) or policy.is_lurah(user))
    now = timezone.now()
    items = selectors.work_queue(user, now=now, everything=everything)
    context = {
        "items": items,
        "everything": everything,
        "can_see_all": policy.is_staff_officer(user) or policy.is_lurah(user),
        "overdue_count": sum(1 for i in items if i.overdue),
        "now": now,
    }
    return render(request, "permits/queue.html", context)


@require_GET
def kbli_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "") or request.GET.get("kbli_code", "")
    results = [(k, Permit.Risk(k.risk).label) for k in kbli.search(query, limit=8)]
    return render(request, "permits/_kbli_hint.html", {"results": results, "query": query.strip()})


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this certificate genuine and still valid? Nothing private is shown."""
    permit = Permit.objects.filter(verification_token=token).first() if token else None
    if permit is None or permit.status not in (workflow.ISSUED, workflow.REVOKED):
        response = render(request, "permits/verify.html", {"permit": None}, status=404)
    else:
        context = {
            "permit": permit,
            "valid": permit.status == workflow.ISSUED,
            "owner_masked": nik.mask_name(permit.owner_name),
        }
        response = render(request, "permits/verify.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response

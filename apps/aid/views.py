"""Bansos pages for kelurahan staff (phone-first, HTMX)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.core.files.views import serve_registered
from apps.core.spreadsheets import MAX_IMPORT_BYTES

from . import selectors, services
from .forms import DistributeForm, DistributionFilterForm, FailForm, ImportForm, PersonForm, PlanPeriodForm
from .identity import build_person
from .models import Distribution, Enrolment, ImportBatch, Program
from .resources import FORMATS, export_distributions

View = Callable[..., HttpResponseBase]


def staff_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not services.is_aid_staff(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def _next_url(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- Programs ---------------------------------------------------------------------------


@require_GET
@staff_required
def programs(request: HttpRequest) -> HttpResponse:
    return render(request, "aid/programs.html", {"programs": selectors.programs_with_counts()})


def _program_context(program: Program, **extra: Any) -> dict[str, Any]:
    enrolments = program.enrolments.select_related("beneficiary__rt__rw").order_by("status", "beneficiary__name")
    stats = program.enrolments.aggregate(
        active=Count("pk", filter=Q(status=Enrolment.Status.ACTIVE)),
    )
    by_period = (
        Distribution.objects.filter(enrolment__program=program)
        .values("period")
        .annotate(
            total=Count("pk"),
            distributed=Count("pk", filter=Q(status=Distribution.Status.DISTRIBUTED)),
            failed=Count("pk", filter=Q(status=Distribution.Status.FAILED)),
        )
        .order_by("-period")
    )
    return {
        "program": program,
        "enrolments": enrolments,
        "active_count": stats["active"],
        "periods": by_period,
        "person_form": extra.pop("person_form", None) or PersonForm(),
        "plan_form": extra.pop("plan_form", None) or PlanPeriodForm(),
        **extra,
    }


@require_GET
@staff_required
def program_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program.objects.prefetch_related("allowed_rts__rw", "excludes"), pk=pk)
    return render(request, "aid/program_detail.html", _program_context(program))


@require_POST
@staff_required
def enrol(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    form = PersonForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            enrolment = services.enrol_person(program, build_person(**form.cleaned_data), by=_user(request))
        except DomainError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _("%(name)s didaftarkan.") % {"name": enrolment.beneficiary.name})
            return redirect("aid:program", pk=program.pk)
    context = _program_context(program, person_form=form)
    return render(request, "aid/program_detail.html", context, status=status)


@require_POST
@staff_required
def plan(request: HttpRequest, pk: int) -> HttpResponse:
    program = get_object_or_404(Program, pk=pk)
    form = PlanPeriodForm(request.POST)
    status = 422
    if form.is_valid():
        try:
            created = services.plan_period(program, period=form.cleaned_data["period"])
        except DomainError as exc:
            form.add_error("period", str(exc.message))
            status = exc.status_code
        else:
            messages.success(request, _("%(count)d penyaluran baru direncanakan.") % {"count": created})
            return redirect("aid:program", pk=program.pk)
    return render(request, "aid/program_detail.html", _program_context(program, plan_form=form), status=status)


@require_POST
@staff_required
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(Enrolment, pk=pk)
    services.withdraw(enrolment, by=_user(request))
    messages.success(request, _("Kepesertaan dicabut."))
    return redirect(_next_url(request, reverse("aid:program", args=[enrolment.program_id])))


# --- Import -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@staff_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Step 1: upload. The dry run stages the rows and shows the preview; nothing is written."""
    form = ImportForm(request.POST or None, request.FILES or None, initial={"program": request.GET.get("program")})
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                batch = services.preview_import(
                    form.cleaned_data["program"],
                    file_name=upload.name or "",
                    content=upload.read(MAX_IMPORT_BYTES + 1),
                    by=_user(request),
                )
            except DomainError as exc:
                form.add_error("file", str(exc.message))
            else:
                url = reverse("aid:import_preview", args=[batch.uuid])
                if _is_htmx(request):
                    response = render(request, "aid/_import_preview.html", {"batch": batch})
                    response["HX-Push-Url"] = url
                    return response
                return redirect(url)
        template = "aid/_import_form.html" if _is_htmx(request) else "aid/import.html"
        return render(request, template, {"form": form}, status=422)
    return render(request, "aid/import.html", {"form": form})


def _batch(uuid: UUID) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("program"), uuid=uuid)


@require_GET
@staff_required
def import_preview(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """The preview, or the job's progress bar while the dry run is running; the bar polls this
    view (HTMX, every 2 s) and is replaced by the preview once the job is done."""
    template = "aid/_import_preview.html" if _is_htmx(request) else "aid/import_preview.html"
    return render(request, template, {"batch": _batch(uuid)})


@require_POST
@staff_required
def import_confirm(request: HttpRequest, uuid: UUID) -> HttpResponse:
    """Step 2: confirm. Re-validated; all rows or none. The write is a job: the preview page
    shows its progress (polling) until it is done."""
    batch = _batch(uuid)
    template = "aid/_import_preview.html" if _is_htmx(request) else "aid/import_preview.html"
    try:
        batch = services.confirm_import(batch, by=_user(request))
    except DomainError as exc:
        batch.refresh_from_db()
        context = {"batch": batch, "confirm_error": str(exc.message)}
        return render(request, template, context, status=exc.status_code)
    if batch.status != ImportBatch.Status.CONFIRMED:  # queued: the page polls the job
        if _is_htmx(request):
            return render(request, template, {"batch": batch}, status=202)
        return redirect("aid:import_preview", uuid=batch.uuid)
    messages.success(
        request,
        _("%(count)d penerima dari %(file)s masuk ke %(program)s.")
        % {"count": batch.saved_count, "file": batch.file_name, "program": batch.program.name},
    )
    url = reverse("aid:program", args=[batch.program_id])
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@staff_required
def import_discard(request: HttpRequest, uuid: UUID) -> HttpResponse:
    try:
        services.discard_import(_batch(uuid), by=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("aid:import")


# --- Distributions ----------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[DistributionFilterForm, Any]:
    form = DistributionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    program = data.get("program")
    qs = selectors.distributions(
        program=program.pk if program else None,
        period=data.get("period") or "",
        status=data.get("status") or "",
        q=data.get("q") or "",
    )
    return form, qs


@require_GET
@staff_required
def distributions(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    context = {
        "filter_form": form,
        "page": page,
        "periods": selectors.periods(),
        "query": request.GET.urlencode(),
        "distribute_form": DistributeForm(),
        "fail_form": FailForm(),
    }
    template = "aid/_distribution_list.html" if _is_htmx(request) else "aid/distributions.html"
    return render(request, template, context)


def _row(request: HttpRequest, distribution: Distribution, *, status: int = 200, **extra: Any) -> HttpResponse:
    distribution.refresh_from_db()
    context = {
        "d": distribution,
        "distribute_form": extra.pop("distribute_form", None) or DistributeForm(),
        "fail_form": extra.pop("fail_form", None) or FailForm(),
        "open": status != 200,
        **extra,
    }
    if _is_htmx(request):
        return render(request, "aid/_distribution.html", context, status=status)
    if status == 200:
        return redirect(_next_url(request, reverse("aid:distributions")))
    return render(request, "aid/distribution_action.html", context, status=status)


@require_POST
@staff_required
def distribute(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = get_object_or_404(Distribution, pk=pk)
    form = DistributeForm(request.POST, request.FILES)
    if not form.is_valid():
        return _row(request, distribution, status=422, distribute_form=form)
    try:
        services.mark_distributed(
            distribution,
            by=_user(request),
            distributed_on=form.cleaned_data["distributed_on"],
            proof=form.cleaned_data.get("proof"),
        )
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _row(request, distribution, status=exc.status_code, distribute_form=form)
    return _row(request, distribution)


@require_POST
@staff_required
def fail(request: HttpRequest, pk: int) -> HttpResponse:
    distribution = get_object_or_404(Distribution, pk=pk)
    form = FailForm(request.POST)
    if not form.is_valid():
        return _row(request, distribution, status=422, fail_form=form)
    try:
        services.mark_failed(distribution, by=_user(request), reason=form.cleaned_data["reason"])
    except DomainError as exc:
        form.add_error(None, str(exc.message))
        return _row(request, distribution, status=exc.status_code, fail_form=form)
    return _row(request, distribution)


@require_GET
@staff_required
def proof(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The proof photo (older link form): the same gate as /berkas/ (apps.aid.files)."""
    return serve_registered(request, get_object_or_404(Distribution, pk=pk), "proof")


@require_GET
@staff_required
def export(request: HttpRequest) -> HttpResponse:
    file_format = request.GET.get("format", "xlsx")
    if file_format not in FORMATS:
        raise Http404
    _form, qs = _filtered(request)
    content, content_type, extension = export_distributions(qs, file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="penyaluran-bansos.{extension}"'
    return response


# --- Conflicts --------------------------------------------------------------------------


@require_GET
@staff_required
def conflicts(request: HttpRequest) -> HttpResponse:
    return render(request, "aid/conflicts.html", {"conflicts": selectors.conflicts()})

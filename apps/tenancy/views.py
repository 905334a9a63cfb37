"""Operator pages of the tenant jobs on the platform site (mounted at /operator/): bulk
activation, archiving (then removing) a tenant and restoring one, each with a page whose
progress bar polls the job (HTMX, every 2 s). Franchise operators only (superusers or the
operator group, as the operator API); a tenant host never routes here (config/urls_tenant.py),
and the views check the public schema again so that a mistaken mount cannot expose them."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import DomainError

from . import operations, placement
from .models import ActivationJob, Tenant, TenantArchive, TenantOperationJob
from .operator_pages import operator_page

RECENT_JOBS = 50
RECENT_ACTIVATIONS = 20
RECENT_ARCHIVES = 100


operator_required = operator_page()


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


class ActivationForm(forms.Form):
    scope = forms.CharField(
        label=gettext_lazy("Kode kecamatan, kota/kabupaten atau provinsi"),
        max_length=20,
        help_text=gettext_lazy("Semua desa/kelurahan di bawah kode ini diaktifkan, mis. 35.77.03"),
    )


class ArchiveForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Alasan"), max_length=255, required=False)


class MoveForm(forms.Form):
    node = forms.CharField(label=gettext_lazy("Node tujuan"), max_length=270)


class RestoreForm(forms.Form):
    as_code = forms.CharField(
        label=gettext_lazy("Pulihkan sebagai kode"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("Kosongkan untuk memulihkan dengan kode dan subdomain aslinya"),
    )


# --- lists ------------------------------------------------------------------------------------


@require_GET
@operator_required
def jobs(request: HttpRequest) -> HttpResponse:
    """Recent archive/restore and bulk activation jobs, and the bulk activation form."""
    return render(request, "tenancy/operator/jobs.html", _jobs_context(ActivationForm()))


def _jobs_context(form: ActivationForm) -> dict[str, Any]:
    return {
        "jobs": list(TenantOperationJob.objects.select_related("created_by")[:RECENT_JOBS]),
        "activations": list(
            ActivationJob.objects.select_related("created_by").defer("codes", "failed")[:RECENT_ACTIVATIONS]
        ),
        "form": form,
    }


@require_GET
@operator_required
def archives(request: HttpRequest) -> HttpResponse:
    """Archives of removed tenants, each restorable (under its own or another region code)."""
    rows = list(TenantArchive.objects.select_related("removed_by")[:RECENT_ARCHIVES])
    return render(request, "tenancy/operator/archives.html", {"archives": rows, "form": RestoreForm()})


# --- bulk activation --------------------------------------------------------------------------


@require_POST
@operator_required
def activation_start(request: HttpRequest) -> HttpResponse:
    form = ActivationForm(request.POST)
    if form.is_valid():
        try:
            job = operations.do_start_activation(form.cleaned_data["scope"], actor=_user(request))
        except DomainError as exc:
            form.add_error("scope", str(exc.message))
            status = exc.status_code
        else:
            return redirect("operator:activation_job", job.pk)
    else:
        status = 400
    return render(request, "tenancy/operator/jobs.html", _jobs_context(form), status=status)


@require_GET
@operator_required
def activation_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; its progress bar polls this view (HTMX) until the job ends."""
    job = get_object_or_404(ActivationJob.objects.defer("codes"), pk=pk)
    context = {"job": job, "resumable": operations.activation_resumable(job)}
    template = "tenancy/operator/_activation_job.html" if _is_htmx(request) else "tenancy/operator/activation_job.html"
    return render(request, template, context)


@require_POST
@operator_required
def activation_resume(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ActivationJob.objects.defer("codes"), pk=pk)
    try:
        operations.do_resume_activation(job, actor=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("operator:activation_job", job.pk)


# --- archive / restore ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@operator_required
def archive_tenant(request: HttpRequest, code: str) -> HttpResponse:
    """Confirm, then queue the archiving and removal of one tenant."""
    tenant = get_object_or_404(Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC), region_id=code)
    form = ArchiveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = operations.do_start_archive(tenant, reason=form.cleaned_data["reason"], actor=_user(request))
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status_code
            else:
                return redirect("operator:tenant_job", job.pk)
        else:
            status = 400
    return render(request, "tenancy/operator/archive_tenant.html", {"tenant": tenant, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@operator_required
def move_tenant(request: HttpRequest, code: str) -> HttpResponse:
    """Where the tenant is, the nodes it can go to (with their load); POST queues the move and
    opens its progress page (a repeated POST lands on the same running job)."""
    tenant = get_object_or_404(Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC), region_id=code)
    form = MoveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = placement.do_start_move(tenant, form.cleaned_data["node"], actor=_user(request))
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status_code
            else:
                return redirect("operator:tenant_job", job.pk)
        else:
            status = 400
    citus = placement.is_citus()
    context = {
        "tenant": tenant,
        "form": form,
        "citus": citus,
        "current": placement.placement_of(tenant.schema_name),
        "loads": placement.node_loads() if citus else [],
    }
    return render(request, "tenancy/operator/move_tenant.html", context, status=status)


@require_POST
@operator_required
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    archive = get_object_or_404(TenantArchive, pk=pk)
    form = RestoreForm(request.POST)
    if form.is_valid():
        try:
            job = operations.do_start_restore(archive, as_code=form.cleaned_data["as_code"], actor=_user(request))
        except DomainError as exc:
            messages.error(request, f"{archive.name}: {exc.message}")
        else:
            return redirect("operator:tenant_job", job.pk)
    else:
        messages.error(request, _("Kode wilayah tidak valid."))
    return redirect("operator:archives")


@require_GET
@operator_required
def tenant_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's page; its progress bar polls this view (HTMX) until the job ends."""
    job = get_object_or_404(TenantOperationJob.objects.select_related("created_by"), pk=pk)
    template = "tenancy/operator/_tenant_job.html" if _is_htmx(request) else "tenancy/operator/tenant_job.html"
    context: dict[str, Any] = {"job": job}
    if job.kind == TenantOperationJob.Kind.ACTIVATE and job.status == TenantOperationJob.Status.DONE:
        context["activated"] = operations.activated_tenant(job)
        context["set_password_url"] = operations.set_password_url(job)
    return render(request, template, context)


@require_POST
@operator_required
def tenant_job_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(TenantOperationJob, pk=pk)
    try:
        operations.do_retry_tenant_operation(job, actor=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("operator:tenant_job", job.pk)

"""Bansos in Django admin. Every write goes through apps.aid.services; the NIK is typed into a
write-only field, hashed, and never shown in full."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export.admin import ExportMixin
from import_export.formats.base_formats import CSV, XLSX

from apps.accounts.models import User
from apps.core.admin import PairThroughAdmin
from apps.core.errors import DomainError
from apps.core.files import private_url
from apps.core.spreadsheets import MAX_IMPORT_BYTES

from . import services
from .forms import ImportForm
from .identity import Person, build_person, check_kk
from .models import Beneficiary, Distribution, Enrolment, ImportBatch, Program
from .resources import DistributionResource


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


# --- Programs ---------------------------------------------------------------------------


class ProgramAdminForm(forms.ModelForm[Program]):
    class Meta:
        model = Program
        fields = [
            "name",
            "description",
            "target_type",
            "funding_source",
            "start_date",
            "end_date",
            "quota",
            "amount",
            "max_household_income",
            "min_age",
            "max_age",
            "allowed_rts",
            "excludes",
        ]

    def input(self) -> services.ProgramInput:
        data = self.cleaned_data
        return services.ProgramInput(
            name=data.get("name") or "",
            description=data.get("description") or "",
            target_type=data.get("target_type") or "",
            funding_source=data.get("funding_source") or "",
            start_date=data["start_date"],
            end_date=data["end_date"],
            quota=data.get("quota") or 0,
            amount=data.get("amount") or 0,
            max_household_income=data.get("max_household_income"),
            min_age=data.get("min_age"),
            max_age=data.get("max_age"),
            allowed_rt_ids=[rt.pk for rt in data.get("allowed_rts") or []],
            exclude_program_ids=[p.pk for p in data.get("excludes") or []],
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("start_date") and data.get("end_date"):
            try:
                services.validate_program(self.input(), self.instance if self.instance.pk else None)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message)) from None
        return data

    def validate_unique(self) -> None:
        """The service checks the name (case-insensitively) itself."""


@admin.register(Program)
class ProgramAdmin(PairThroughAdmin):
    form = ProgramAdminForm
    list_display = ["name", "target_type", "funding_source", "start_date", "end_date", "quota", "import_link"]
    list_filter = ["target_type", "funding_source"]
    search_fields = ["name"]
    filter_horizontal = ["allowed_rts", "excludes"]
    fieldsets = [
        (None, {"fields": ["name", "description", "target_type", "funding_source", ("start_date", "end_date")]}),
        (gettext_lazy("Kuota dan nilai"), {"fields": ["quota", "amount"]}),
        (
            gettext_lazy("Syarat penerima"),
            {"fields": ["max_household_income", ("min_age", "max_age"), "allowed_rts", "excludes"]},
        ),
    ]

    @admin.display(description=gettext_lazy("Impor"))
    def import_link(self, obj: Program) -> str:
        url = reverse("admin:aid_program_import", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Impor penerima"))

    def save_model(self, request: HttpRequest, obj: Program, form: Any, change: bool) -> None:
        data = cast(ProgramAdminForm, form).input()
        saved = services.update_program(obj, data) if change else services.create_program(data)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service already set the many-to-many rules."""

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path("<int:pk>/impor/", self.admin_site.admin_view(self.import_view), name="aid_program_import"),
            path(
                "impor/<uuid:uuid>/",
                self.admin_site.admin_view(self.import_preview_view),
                name="aid_program_import_preview",
            ),
        ]
        return extra + super().get_urls()

    def import_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Upload → dry run with row errors (nothing written) → preview page."""
        program = get_object_or_404(Program, pk=pk)
        if not self.has_change_permission(request, program):
            return redirect("admin:index")
        form = ImportForm(request.POST or None, request.FILES or None, initial={"program": program.pk})
        status = 200
        if request.method == "POST" and form.is_valid():
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
                status = exc.status_code
            else:
                return redirect("admin:aid_program_import_preview", uuid=batch.uuid)
        elif request.method == "POST":
            status = 422
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Impor penerima: %(program)s") % {"program": program},
            "program": program,
            "form": form,
        }
        return render(request, "admin/aid/program/import.html", context, status=status)

    def import_preview_view(self, request: HttpRequest, uuid: UUID) -> HttpResponse:
        """Preview; POST confirms (re-validated, all rows or none) or discards. While the dry
        run or the confirm runs as a job, the page polls its progress (HTMX, every 2 s) and
        reloads once it is done."""
        batch = get_object_or_404(ImportBatch.objects.select_related("program"), uuid=uuid)
        if request.method == "GET" and request.headers.get("HX-Request"):
            return self._import_progress(request, batch)
        status = 200
        error = ""
        if request.method == "POST":
            try:
                if "discard" in request.POST:
                    services.discard_import(batch, by=_user(request))
                    messages.info(request, _("Impor dibatalkan."))
                    return redirect("admin:aid_program_changelist")
                batch = services.confirm_import(batch, by=_user(request))
            except DomainError as exc:
                batch.refresh_from_db()
                error, status = str(exc.message), exc.status_code
            else:
                if batch.status != ImportBatch.Status.CONFIRMED:  # queued: this page polls the job
                    return redirect("admin:aid_program_import_preview", uuid=batch.uuid)
                messages.success(
                    request,
                    _("%(count)d penerima disimpan ke %(program)s.")
                    % {"count": batch.saved_count, "program": batch.program},
                )
                return HttpResponseRedirect(
                    reverse("admin:aid_enrolment_changelist") + f"?program__id__exact={batch.program_id}"
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Pratinjau impor: %(file)s") % {"file": batch.file_name},
            "batch": batch,
            "confirm_error": error,
        }
        return render(request, "admin/aid/program/import_preview.html", context, status=status)

    def _import_progress(self, request: HttpRequest, batch: ImportBatch) -> HttpResponse:
        """The progress bar's poll: the bar again while the job runs, else a reload of the page."""
        if batch.in_progress:
            return render(request, "admin/aid/program/_import_job.html", {"batch": batch})
        done = HttpResponse(status=204)
        done["HX-Refresh"] = "true"
        return done


# --- Beneficiaries ----------------------------------------------------------------------


class BeneficiaryAddForm(forms.ModelForm[Beneficiary]):
    person: Person
    nik = forms.CharField(label=gettext_lazy("NIK"), max_length=32, widget=forms.PasswordInput(render_value=True))
    kk = forms.CharField(
        label=gettext_lazy("No. KK"), max_length=32, required=False, widget=forms.PasswordInput(render_value=True)
    )

    class Meta:
        model = Beneficiary
        fields = ["nik", "kk", "name", "address", "rt", "household_income", "user"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rt = data.get("rt")
        if not self.errors and rt is not None:
            try:
                self.person = build_person(
                    nik=data.get("nik"),
                    kk=data.get("kk") or "",
                    name=data.get("name"),
                    address=data.get("address") or "",
                    rw=rt.rw.number,
                    rt=rt.number,
                    household_income=data.get("household_income"),
                )
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message)) from None
            if Beneficiary.objects.filter(nik_hash=self.person.nik_hash).exists():
                raise forms.ValidationError(_("Penerima dengan NIK ini sudah terdaftar."))
        return data


class BeneficiaryChangeForm(forms.ModelForm[Beneficiary]):
    new_kk = forms.CharField(
        label=gettext_lazy("No. KK baru"),
        max_length=32,
        required=False,
        widget=forms.PasswordInput,
        help_text=gettext_lazy("Isi hanya untuk mengganti No. KK."),
    )

    class Meta:
        model = Beneficiary
        fields = ["name", "address", "rt", "household_income", "user", "new_kk"]

    def clean_new_kk(self) -> str:
        value = str(self.cleaned_data.get("new_kk") or "").strip()
        if value:
            try:
                check_kk(value)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message)) from None
        return value


@admin.register(Beneficiary)
class BeneficiaryAdmin(admin.ModelAdmin[Beneficiary]):
    list_display = ["name", "nik_masked", "kk_masked", "rt", "household_income", "user"]
    list_filter = ["rt__rw", "rt"]
    search_fields = ["name", "address"]  # never the NIK: a search term ends up in the URL
    autocomplete_fields = ["user"]
    readonly_fields = ["nik_masked", "kk_masked", "birth_date", "sex", "created_at", "updated_at"]

    def get_form(
        self, request: HttpRequest, obj: Beneficiary | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = BeneficiaryChangeForm if obj is not None else BeneficiaryAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Beneficiary | None = None) -> list[str]:  # type: ignore[override]
        if obj is None:
            return ["nik", "kk", "name", "address", "rt", "household_income", "user"]
        return [
            "nik_masked",
            "kk_masked",
            "birth_date",
            "sex",
            "name",
            "address",
            "rt",
            "household_income",
            "user",
            "new_kk",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Beneficiary | None = None) -> list[str]:
        return [] if obj is None else list(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Beneficiary, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            try:
                saved = services.update_beneficiary(
                    obj,
                    name=data["name"],
                    address=data.get("address") or "",
                    rt=data["rt"],
                    household_income=data.get("household_income"),
                    user=data.get("user"),
                    new_kk=data.get("new_kk") or "",
                )
            except DomainError as exc:
                messages.error(request, str(exc.message))
                return
        else:
            saved = services.save_beneficiary(form.person, user=data.get("user"))
        obj.pk = saved.pk
        obj.refresh_from_db()


# --- Enrolments, distributions, imports -------------------------------------------------


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin[Enrolment]):
    list_display = ["beneficiary", "program", "status", "source", "created_at"]
    list_filter = ["program", "status", "source"]
    search_fields = ["beneficiary__name"]
    list_select_related = ["beneficiary", "program"]
    actions = ["withdraw_selected"]
    readonly_fields = ["program", "beneficiary", "status", "source", "import_batch", "enrolled_by", "created_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # enrol from the program page, the API or an import: the rules are checked there

    def has_delete_permission(self, request: HttpRequest, obj: Enrolment | None = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("Cabut kepesertaan terpilih"))
    def withdraw_selected(self, request: HttpRequest, queryset: QuerySet[Enrolment]) -> None:
        for enrolment in queryset:
            services.withdraw(enrolment, by=_user(request))
        messages.success(request, _("%(count)d kepesertaan dicabut.") % {"count": queryset.count()})


@admin.register(Distribution)
class DistributionAdmin(ExportMixin, admin.ModelAdmin[Distribution]):
    resource_classes = [DistributionResource]
    export_formats = [XLSX, CSV]
    list_display = ["enrolment", "period", "amount", "status", "distributed_on", "officer"]
    list_filter = ["status", "period", "enrolment__program"]
    search_fields = ["enrolment__beneficiary__name"]
    list_select_related = ["enrolment__beneficiary", "enrolment__program", "officer"]
    readonly_fields = [
        "enrolment",
        "period",
        "amount",
        "status",
        "distributed_on",
        "proof_link",
        "officer",
        "failure_reason",
        "created_at",
        "updated_at",
    ]
    exclude = ["proof"]

    @admin.display(description=gettext_lazy("bukti foto"))
    def proof_link(self, obj: Distribution) -> str:
        if not obj.proof:
            return "-"
        return format_html('<a href="{}" target="_blank">{}</a>', private_url(obj, "proof"), _("Lihat"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # planned from the program page or the API; status changes there too

    def has_delete_permission(self, request: HttpRequest, obj: Distribution | None = None) -> bool:
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin[ImportBatch]):
    list_display = ["created_at", "file_name", "program", "row_count", "error_total", "status", "created_by"]
    list_filter = ["status", "program"]
    readonly_fields = [
        "uuid",
        "program",
        "file_name",
        "file_sha256",
        "row_count",
        "status",
        "created_by",
        "created_at",
        "confirmed_at",
    ]
    exclude = ["rows", "errors"]

    @admin.display(description=gettext_lazy("baris bermasalah"))
    def error_total(self, obj: ImportBatch) -> int:
        return obj.error_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

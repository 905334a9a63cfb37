"""The tenant admin (`django.contrib.admin.site`, made this class by `config.admin_apps`) as a
kelurahan office sees it: models grouped by task instead of by Python app, the set-up checklist
on the index, and two guards that hold whatever an app's ModelAdmin says:

- technical records (outbox, jobs, sequences, audit trails, sandbox logs) are readable by
  superusers only, never editable, and shown apart under "Data teknis";
- records that matter (users, deliveries, orders, money, permits, reports) are never deleted
  from the admin: they are deactivated or cancelled through their services instead.

Every registered model must be in exactly one of GROUPS or TECHNICAL (tests/test_admin_site.py),
so a new model cannot silently land in an unsorted pile.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from apps.core.admin_log import AdminLogEntry, AdminLogMixin

# (group name, [app_label.model_name, ...]) in the order the office works with them.
GROUPS: list[tuple[Any, list[str]]] = [
    (
        _("Warga & RT/RW"),
        ["rtrw.rukunwarga", "rtrw.rukuntetangga", "rtrw.residency", "accounts.user", "agenda.event"],
    ),
    (
        _("Layanan (izin, laporan, bansos)"),
        [
            "reports.report",
            "reports.category",
            "reports.opd",
            "permits.permit",
            "permits.slarule",
            "permits.permitfee",
            "aid.program",
            "aid.beneficiary",
            "aid.enrolment",
            "aid.distribution",
            "feedback.prompt",
        ],
    ),
    (
        _("Pasar & UMKM"),
        [
            "marketplace.shop",
            "marketplace.product",
            "marketplace.category",
            "marketplace.order",
            "marketplace.review",
            "bazar.bazarevent",
            "bazar.stall",
            "bazar.voucher",
            "tukang.tukang",
            "tukang.job",
            "tukang.quote",
            "sembako.round",
            "sembako.householdorder",
            "marketplace.stock",
            "marketplace.stocklocation",
            "insights.materialrecipe",
            "procurement.purchaserequest",
            "procurement.quote",
            "procurement.evaluation",
            "procurement.award",
            "procurement.purchaseorder",
            # Read-only already, and procurement staff check them (tests/procurement/test_admin.py).
            "procurement.procurementevent",
            "invoicing.invoice",
            "lending.lender",
            "lending.loanproduct",
            "lending.application",
            "lending.offer",
            "lending.loan",
            "factoring.factoringproduct",
            "factoring.financing",  # read only: changed by its services
        ],
    ),
    (
        _("Pengiriman"),
        ["fulfillment.hub", "fulfillment.courier", "fulfillment.delivery", "fulfillment.batch"],
    ),
    (
        _("KotaKitaPay"),
        [
            "payments.paymentrequest",
            "payments.account",
            "payments.journalentry",
            "community.cashbook",
            "community.cashbookentry",
            "community.treasurer",
            "community.iuranschedule",
            "community.iuranpayment",
            "community.iuranexemption",
            "community.arisangroup",
            "community.arisanround",
            "community.arisancontribution",
            "levies.levy",  # kota tenants only
            "levies.levybill",
        ],
    ),
    (
        _("Pengaturan"),
        [
            "reports.reportsettings",
            "notifications.channelconfig",
            "permits.ossconfig",
            "reports.apikey",
        ],
    ),
]

# Readable by superusers only and never editable: written by the system, kept for audits.
TECHNICAL: frozenset[str] = frozenset(
    {
        "auth.group",  # roles are groups; renaming one breaks every has_role check
        "axes.accessattempt",
        "axes.accessfailurelog",
        "axes.accesslog",
        "aid.importbatch",
        "marketplace.importbatch",
        "fulfillment.routingjob",
        "fulfillment.routestop",
        "fulfillment.consignmentmovement",
        "fulfillment.courierearning",
        "insights.forecastrun",
        "insights.demandforecast",
        "invoicing.invoiceevent",
        "lending.creditassessment",
        "lending.creditmodelversion",
        "lending.loanevent",
        "lending.loantransaction",
        "notifications.message",
        "notifications.channelpreference",
        "tukang.conversation",
        "payments.gatewaycharge",
        "payments.gatewaynotification",
        "payments.reconciliationrun",
        "permits.permitevent",
        "core.documentcounter",
        "reports.slareminder",
        # apps.sandbox: the current tenant's rows of the outside services' local sandboxes
        "sandbox.sandboxdelivery",
        "sandbox.sandboxnib",
        "sandbox.sandboxtransaction",
    }
)

# Never deleted from the admin, whatever the ModelAdmin says: deactivate or cancel instead.
PROTECTED: frozenset[str] = frozenset(
    {
        "accounts.user",
        "feedback.prompt",  # answers are the satisfaction figures' source: never deleted
        "fulfillment.delivery",
        "fulfillment.courier",
        "bazar.voucher",
        "invoicing.invoice",
        "factoring.financing",
        "marketplace.order",
        "marketplace.shop",
        "payments.account",
        "payments.journalentry",
        "payments.paymentrequest",
        "permits.permit",
        "reports.report",
        "aid.beneficiary",
        "aid.distribution",
        "aid.enrolment",
        "community.cashbook",
        "community.cashbookentry",
        "community.iuranpayment",
        "lending.loan",
        "lending.application",
        "levies.levy",
        "levies.levybill",
        "tukang.job",
        "sembako.householdorder",
    }
)

_ORDER = {key: (g, i) for g, (_name, keys) in enumerate(GROUPS) for i, key in enumerate(keys)}


def model_key(model: Any) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


class _TechnicalMixin:
    """Superusers look, nobody writes."""

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return bool(user.is_active and user.is_superuser)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class _NoDeleteMixin:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class KotaKitaAdminSite(admin.AdminSite):
    site_header = "KotaKita"
    site_title = "KotaKita"
    index_title = _("Administrasi kelurahan")
    index_template = "admin/kotakita_index.html"

    def lock(self) -> None:
        """Wrap the registered ModelAdmins (after autodiscover): every one keeps its change history
        in core_event (AdminLogMixin: no django_admin_log in tenant schemas), TECHNICAL and
        PROTECTED models get their guard."""
        for model, model_admin in list(self._registry.items()):
            key = model_key(model)
            mixins: list[type] = [_TechnicalMixin] if key in TECHNICAL else [_NoDeleteMixin] if key in PROTECTED else []
            mixins.append(AdminLogMixin)
            missing = tuple(mixin for mixin in mixins if not isinstance(model_admin, mixin))
            if not missing:
                continue
            wrapped = type(type(model_admin).__name__, (*missing, type(model_admin)), {})
            self._registry[model] = wrapped(model, self)

    def get_log_entries(self, request: HttpRequest) -> Any:
        """ "Recent actions" on the index: the tenant's admin log in core_event (never LogEntry,
        whose table is the public schema's)."""
        return AdminLogEntry.objects.select_related("actor")

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        """Task groups (GROUPS order), then whatever is left ("Lainnya"), then "Data teknis".
        An app's own page (/admin/<app>/) keeps Django's per-app list."""
        if app_label is not None:
            return super().get_app_list(request, app_label)
        app_dict = self._build_app_dict(request)
        models: dict[str, dict[str, Any]] = {}
        for app in app_dict.values():
            for entry in app["models"]:
                key = model_key(entry["model"])
                entry["dom_id"] = key.replace(".", "-")  # unique even for two apps' "category"
                models[key] = entry
        groups: list[dict[str, Any]] = []
        for index, (name, keys) in enumerate(GROUPS):
            entries = [models.pop(key) for key in keys if key in models]
            if entries:
                groups.append(_group(f"kelompok-{index + 1}", name, entries))
        technical = sorted((models.pop(key) for key in list(models) if key in TECHNICAL), key=_by_name)
        if models:
            groups.append(_group("lainnya", _("Lainnya"), sorted(models.values(), key=_by_name)))
        if technical:
            groups.append(_group("teknis", _("Data teknis (hanya baca)"), technical, technical=True))
        return groups

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> TemplateResponse:
        from config.setup_checklist import checklist

        context = {"checklist": checklist(request), **(extra_context or {})}
        return super().index(request, context)


def _by_name(entry: dict[str, Any]) -> str:
    return str(entry["name"]).lower()


def _group(label: str, name: Any, entries: list[dict[str, Any]], *, technical: bool = False) -> dict[str, Any]:
    """An app-list entry (the shape Django's templates expect) standing for a task group."""
    return {
        "name": name,
        "app_label": label,
        "app_url": "",
        "has_module_perms": True,
        "models": entries,
        "technical": technical,
    }

"""Billing writes: terms, status history, issuing, correcting, paying and voiding invoices.

Every function runs in the public schema, in one transaction, and locks the rows it changes.
Issuing is idempotent per tenant and month: the live invoice of that month is returned as it is.
Only an explicit `revise_invoice` (a correction with a reason) replaces it, by voiding it and
issuing the next revision from the facts as they are now.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.analytics.models import DailyFact
from apps.core.db import connection
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.facts.metrics import Metric
from apps.tenancy.models import Plan, Tenant

from . import arithmetic
from .models import Invoice, InvoiceLine, PlanTerms, TenantStatusEvent

logger = logging.getLogger(__name__)

PAYMENT_TERMS_DAYS = 14


def _require_public() -> None:
    if connection.schema_name != "public":
        raise ValidationFailed(_("Tagihan hanya dikelola di situs platform."), code="not_public")


def clean_period(value: Any) -> date:
    """'2026-10', '2026-10-01' or a date -> the first day of that month."""
    if isinstance(value, date):
        return value.replace(day=1)
    text = str(value or "").strip()
    try:
        parsed = datetime.strptime(text[:7], "%Y-%m").date() if len(text) in (7, 10) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationFailed(_("Periode harus berbentuk TTTT-BB, misalnya 2026-10."), code="bad_period")
    return parsed


# --- terms --------------------------------------------------------------------------------


@transaction.atomic
def set_plan_terms(plan: str, *, monthly_fee: Any, fee_share_bps: Any) -> PlanTerms:
    _require_public()
    if plan not in Plan.values:
        raise ValidationFailed(_("Paket tidak dikenal."), code="unknown_plan", field="plan")
    try:
        fee = int(monthly_fee)
        bps = int(fee_share_bps)
    except (TypeError, ValueError):
        raise ValidationFailed(_("Langganan dan bagian biaya harus bilangan bulat."), code="not_integer") from None
    if fee < 0:
        raise ValidationFailed(_("Langganan tidak boleh negatif."), code="negative", field="monthly_fee")
    if not 0 <= bps <= arithmetic.BPS:
        raise ValidationFailed(
            _("Bagian biaya transaksi harus 0 sampai 10.000 basis poin."), code="bad_share", field="fee_share_bps"
        )
    terms, _created = PlanTerms.objects.update_or_create(plan=plan, defaults={"monthly_fee": fee, "fee_share_bps": bps})
    return terms


def terms_for(plan: str) -> PlanTerms:
    terms = PlanTerms.objects.filter(plan=plan).first()
    if terms is None:
        raise ValidationFailed(
            _("Ketentuan paket %(plan)s belum diatur oleh operator.") % {"plan": plan}, code="no_terms"
        )
    return terms


# --- status history -----------------------------------------------------------------------


def record_status(tenant: Tenant) -> TenantStatusEvent | None:
    """Append the tenant's current status to its history when it changed (receiver entry)."""
    if tenant.is_public or tenant.pk is None:
        return None
    last = TenantStatusEvent.objects.filter(tenant=tenant).order_by("-at", "-id").first()
    if last is not None and last.status == tenant.status:
        return None
    if last is None:
        at = tenant.created_at or timezone.now()
        if tenant.status != Tenant.Status.ACTIVE:  # never seen active: it was created active
            TenantStatusEvent.objects.create(tenant=tenant, status=Tenant.Status.ACTIVE, at=at)
            at = tenant.updated_at or timezone.now()
    else:
        at = tenant.updated_at or timezone.now()
    return TenantStatusEvent.objects.create(tenant=tenant, status=tenant.status, at=at)


def status_changes(tenant: Tenant) -> list[tuple[datetime, bool]]:
    """(local moment, active?) from the tenant's creation on; tenants older than the history
    table count as active since creation, suspended since their last update if suspended now."""
    tz = timezone.get_default_timezone()
    events = [
        (timezone.localtime(e.at, tz), e.status == Tenant.Status.ACTIVE)
        for e in TenantStatusEvent.objects.filter(tenant=tenant).order_by("at", "id")
    ]
    created = timezone.localtime(tenant.created_at, tz)
    if not events:
        events = [(created, True)]
        if tenant.status != Tenant.Status.ACTIVE:
            events.append((timezone.localtime(tenant.updated_at, tz), False))
    elif events[0][0] > created and not events[0][1]:
        events.insert(0, (created, True))
    return events


# --- computing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineDraft:
    kind: str
    description: str
    amount: int


@dataclass(frozen=True)
class Draft:
    tenant: Tenant
    period: date
    plan: str
    monthly_fee: int
    fee_share_bps: int
    days_in_period: int
    active_days: int
    platform_fees: int
    gmv: int
    lines: tuple[LineDraft, ...]

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def metered(tenant: Tenant, first: date, last: date) -> tuple[int, int]:
    """(platform fees, GMV) of the tenant between the two days, from the daily facts."""
    rows = DailyFact.objects.filter(tenant=tenant, day__gte=first, day__lte=last)
    fees = rows.filter(metric=Metric.PLATFORM_FEES, dimension="").aggregate(v=Sum("value"))["v"] or 0
    # GMV is broken down by category; its total is the sum of the breakdown (no "" row).
    gmv_rows = rows.filter(metric=Metric.GMV)
    gmv_total = gmv_rows.filter(dimension="").aggregate(v=Sum("value"))["v"]
    gmv = gmv_total if gmv_total is not None else (gmv_rows.aggregate(v=Sum("value"))["v"] or 0)
    return int(fees), int(gmv)


def compute(tenant: Tenant, period: date, *, through: date | None = None) -> Draft:
    """The invoice of `tenant` for the month of `period`, computed now and not saved.

    `through` cuts the month short (a month-to-date estimate); days after it are not billed
    and the subscription is prorated over the whole month as usual.
    """
    period = period.replace(day=1)
    total_days = arithmetic.days_in_month(period)
    last = period + timedelta(days=total_days - 1)
    if through is not None:
        last = min(last, through)
    terms = terms_for(tenant.plan)
    intervals = arithmetic.active_intervals(status_changes(tenant))
    days = arithmetic.active_days(intervals, period, last) if last >= period else 0
    fees, gmv = metered(tenant, period, last)
    subscription = arithmetic.prorated_subscription(terms.monthly_fee, days, total_days)
    share = arithmetic.fee_share(fees, terms.fee_share_bps)
    plan_label = dict(Plan.choices).get(tenant.plan, tenant.plan)
    month = f"{period:%m/%Y}"
    if days == total_days:
        sub_text = _("Langganan %(plan)s, %(month)s") % {"plan": plan_label, "month": month}
    else:
        sub_text = _("Langganan %(plan)s, %(month)s: %(days)d dari %(total)d hari aktif × %(fee)s") % {
            "plan": plan_label,
            "month": month,
            "days": days,
            "total": total_days,
            "fee": rupiah(terms.monthly_fee),
        }
    share_text = _("Bagian operator %(pct)s dari biaya platform pasar UMKM %(fees)s") % {
        "pct": f"{terms.fee_share_bps / 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + "%",
        "fees": rupiah(fees),
    }
    lines = (
        LineDraft(InvoiceLine.Kind.SUBSCRIPTION, sub_text, subscription),
        LineDraft(InvoiceLine.Kind.FEE_SHARE, share_text, share),
    )
    return Draft(
        tenant=tenant,
        period=period,
        plan=tenant.plan,
        monthly_fee=terms.monthly_fee,
        fee_share_bps=terms.fee_share_bps,
        days_in_period=total_days,
        active_days=days,
        platform_fees=fees,
        gmv=gmv,
        lines=lines,
    )


# --- issuing ------------------------------------------------------------------------------


def invoice_number(tenant: Tenant, period: date, revision: int) -> str:
    code = (tenant.region_id or tenant.schema_name).replace(".", "")
    base = f"KK/{period:%Y%m}/{code}"
    return base if revision == 1 else f"{base}/R{revision}"


def _check_period(period: date, today: date | None = None) -> None:
    today = today or timezone.localdate()
    if arithmetic.next_month(period) > today:
        raise ValidationFailed(
            _("Bulan %(month)s belum selesai; tagihan terbit setelah akhir bulan.") % {"month": f"{period:%m/%Y}"},
            code="period_not_over",
        )


def _lock_tenant(tenant: Tenant | int) -> Tenant:
    pk = tenant.pk if isinstance(tenant, Tenant) else tenant
    locked = Tenant.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("Tenant tidak ditemukan."))
    if locked.is_public:
        raise ValidationFailed(_("Situs platform tidak ditagih."), code="public_tenant")
    return locked


def _create(draft: Draft, *, revision: int, replaces: Invoice | None, actor: User | None) -> Invoice:
    tenant = draft.tenant
    invoice = Invoice.objects.create(
        number=invoice_number(tenant, draft.period, revision),
        tenant=tenant,
        tenant_name=tenant.name,
        region_code=tenant.region_id or "",
        plan=draft.plan,
        period=draft.period,
        revision=revision,
        replaces=replaces,
        monthly_fee=draft.monthly_fee,
        fee_share_bps=draft.fee_share_bps,
        days_in_period=draft.days_in_period,
        active_days=draft.active_days,
        platform_fees=draft.platform_fees,
        gmv=draft.gmv,
        total=draft.total,
        due_date=arithmetic.next_month(draft.period) + timedelta(days=PAYMENT_TERMS_DAYS - 1),
        issued_by=actor,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, kind=line.kind, description=line.description, amount=line.amount, position=i)
        for i, line in enumerate(draft.lines)
    )
    return invoice


@dataclass(frozen=True)
class IssueResult:
    invoice: Invoice | None
    created: bool
    reason: str = ""


@transaction.atomic
def issue_invoice(
    tenant: Tenant | int, period: Any, *, actor: User | None = None, today: date | None = None
) -> IssueResult:
    """The invoice of the tenant for a finished month: the live one if it exists, else a new one.

    A tenant with no active day in the month gets no invoice (`invoice` None, with a reason).
    """
    _require_public()
    month = clean_period(period)
    _check_period(month, today)
    locked = _lock_tenant(tenant)
    live = Invoice.objects.filter(tenant=locked, period=month).exclude(status=Invoice.Status.VOID).first()
    if live is not None:
        return IssueResult(live, created=False)
    draft = compute(locked, month)
    if draft.active_days == 0:
        return IssueResult(None, created=False, reason=str(_("Tenant tidak aktif sepanjang bulan ini.")))
    revision = (
        max(Invoice.objects.filter(tenant=locked, period=month).values_list("revision", flat=True), default=0) + 1
    )
    try:
        with transaction.atomic():
            invoice = _create(draft, revision=revision, replaces=None, actor=actor)
    except IntegrityError:  # issued meanwhile by another worker (the tenant lock makes this rare)
        existing = Invoice.objects.filter(tenant=locked, period=month).exclude(status=Invoice.Status.VOID).first()
        if existing is None:
            raise
        return IssueResult(existing, created=False)
    logger.info("invoice %s issued: Rp%s", invoice.number, invoice.total)
    return IssueResult(invoice, created=True)


def _lock_invoice(invoice: Invoice | int) -> Invoice:
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    locked = Invoice.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(_("Tagihan tidak ditemukan."))
    return locked


VOID_REASON_MAX = Invoice._meta.get_field("void_reason").max_length or 255


def _clean_reason(reason: Any, *, prefix: str = "") -> str:
    """The operator's reason; refused when it (after `prefix`, stored with it) would not fit the
    invoice's void_reason."""
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed(_("Alasan wajib diisi."), code="reason_required", field="reason")
    return clean_short_text(text, field="reason", max_length=VOID_REASON_MAX - len(prefix))


@transaction.atomic
def revise_invoice(invoice: Invoice | int, *, reason: Any, actor: User | None = None) -> Invoice:
    """Correct an unpaid invoice: void it (with the reason) and issue the next revision from
    the facts as they are now. A paid invoice is never revised (409)."""
    _require_public()
    why = _clean_reason(reason, prefix=str(_("Direvisi: %(reason)s") % {"reason": ""}))
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    tenant_id = Invoice.objects.filter(pk=pk).values_list("tenant_id", flat=True).first()
    if tenant_id is None:
        if not Invoice.objects.filter(pk=pk).exists():
            raise NotFound(_("Tagihan tidak ditemukan."))
        raise Conflict(_("Tenant tagihan ini sudah dihapus; tagihan tidak bisa direvisi."), code="tenant_removed")
    tenant = _lock_tenant(tenant_id)  # the same lock order as issue_invoice: tenant, then invoice
    current = _lock_invoice(pk)
    if current.status != Invoice.Status.ISSUED:
        raise Conflict(_("Hanya tagihan yang belum dibayar dan belum batal yang bisa direvisi."), code="not_revisable")
    draft = compute(tenant, current.period)
    current.status = Invoice.Status.VOID
    current.voided_at = timezone.now()
    current.void_reason = _("Direvisi: %(reason)s") % {"reason": why}
    current.save(update_fields=["status", "voided_at", "void_reason"])
    revision = max(Invoice.objects.filter(tenant=tenant, period=current.period).values_list("revision", flat=True)) + 1
    return _create(draft, revision=revision, replaces=current, actor=actor)


@transaction.atomic
def mark_paid(
    invoice: Invoice | int, *, reference: Any = "", paid_at: datetime | date | None = None, actor: User | None = None
) -> Invoice:
    """Record payment. Paying a paid invoice again with the same reference changes nothing."""
    _require_public()
    current = _lock_invoice(invoice)
    ref = clean_short_text(reference, field="reference", max_length=120)
    if current.status == Invoice.Status.PAID:
        if ref and current.payment_reference and ref != current.payment_reference:
            raise Conflict(_("Tagihan ini sudah lunas dengan referensi lain."), code="already_paid")
        return current
    if current.status == Invoice.Status.VOID:
        raise Conflict(_("Tagihan yang batal tidak bisa dibayar."), code="void")
    if isinstance(paid_at, date) and not isinstance(paid_at, datetime):
        paid_at = timezone.make_aware(datetime.combine(paid_at, time(12)))
    moment = paid_at or timezone.now()
    if moment > timezone.now() + timedelta(minutes=5):
        raise ValidationFailed(_("Tanggal bayar tidak boleh di masa depan."), code="future_payment")
    current.status = Invoice.Status.PAID
    current.paid_at = moment
    current.payment_reference = ref
    current.save(update_fields=["status", "paid_at", "payment_reference"])
    return current


@transaction.atomic
def void_invoice(invoice: Invoice | int, *, reason: Any, actor: User | None = None) -> Invoice:
    """Cancel an unpaid invoice without replacing it (e.g. issued by mistake)."""
    _require_public()
    why = _clean_reason(reason)
    current = _lock_invoice(invoice)
    if current.status == Invoice.Status.VOID:
        return current
    if current.status == Invoice.Status.PAID:
        raise Conflict(_("Tagihan yang sudah lunas tidak bisa dibatalkan."), code="paid")
    current.status = Invoice.Status.VOID
    current.voided_at = timezone.now()
    current.void_reason = why
    current.save(update_fields=["status", "voided_at", "void_reason"])
    return current


def billable_tenants() -> list[Tenant]:
    return list(Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).order_by("region_id", "schema_name"))


def issue_all(period: Any, *, actor: User | None = None, today: date | None = None) -> dict[str, int]:
    """Issue the month's invoice of every tenant (each in its own transaction); idempotent."""
    _require_public()
    month = clean_period(period)
    _check_period(month, today)
    counts = {"created": 0, "existing": 0, "skipped": 0, "failed": 0}
    for tenant in billable_tenants():
        try:
            result = issue_invoice(tenant, month, actor=actor, today=today)
        except ValidationFailed as exc:
            logger.warning("no invoice for %s %s: %s", tenant.schema_name, month, exc.message)
            counts["failed"] += 1
            continue
        if result.invoice is None:
            counts["skipped"] += 1
        else:
            counts["created" if result.created else "existing"] += 1
    return counts


def previous_month(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)

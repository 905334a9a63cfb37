"""What the invoice writes share: constants, who may do what, the row lock, the workflow step,
the event row, the buyer's recipients, input cleaning."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import STAFF_ROLES, Role
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.short_text import clean_short_text
from apps.core.workflow import Step
from apps.marketplace.models import Shop
from apps.payments.models import PaymentRequest
from apps.tenancy.due_work import Kind, schedule_due

from .. import workflow
from ..models import Invoice, InvoiceEvent

JAKARTA = ZoneInfo("Asia/Jakarta")
REFERENCE_KIND = "invoice"
INVOICE_COUNTER = "invoice"  # apps.core.sequences kind; scope: the shop (numbers per shop and year)
REMIND_AT = time(8, 0)  # reminders go out in the morning, local time
MAX_LINES = 100
MAX_QUANTITY = Decimal(10**10)  # InvoiceLine.quantity: 12 digits, 2 after the point
MAX_TOTAL = 10**13  # Rp10 trillion: far above any UMKM invoice, far below the bigint limit


def today() -> date:
    return timezone.localtime(timezone.now(), JAKARTA).date()


def invoice_url(invoice: Invoice) -> str:
    return f"/faktur/{invoice.pk}/"


def reference_of(invoice: Invoice) -> str:
    return f"{REFERENCE_KIND}:{invoice.number}"


# --- who may do what --------------------------------------------------------------------------


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "pk", None) is not None


def is_office_staff(user: Any) -> bool:
    return _signed_in(user) and user.has_any_role(*STAFF_ROLES)


def is_seller(user: Any, invoice: Invoice) -> bool:
    return _signed_in(user) and invoice.shop.owner_id == user.pk


def is_buyer(user: Any, invoice: Invoice) -> bool:
    if not _signed_in(user):
        return False
    if invoice.buyer_user_id is not None and invoice.buyer_user_id == user.pk:
        return True
    return invoice.buyer_is_office and is_office_staff(user)


def may_see(user: Any, invoice: Invoice) -> bool:
    return is_seller(user, invoice) or is_buyer(user, invoice)


def _require_seller(user: Any, invoice: Invoice) -> None:
    if not is_seller(user, invoice):
        raise Forbidden(_("Hanya pemilik toko penerbit faktur yang bisa melakukan ini."), code="not_seller")


def seller_shop(user: Any) -> Shop:
    """The shop a UMKM owner invoices from (its first active shop with a KotaKitaPay account)."""
    if not _signed_in(user) or not user.has_role(Role.PEMILIK_UMKM):
        raise Forbidden(_("Hanya pemilik UMKM yang bisa menerbitkan faktur."), code="not_umkm")
    shop = Shop.objects.filter(owner=user, is_active=True, payment_account__isnull=False).order_by("pk").first()
    if shop is None:
        raise Conflict(_("Buka toko di Pasar dulu: faktur dibayar ke rekening toko."), code="no_shop")
    return shop


# --- helpers ----------------------------------------------------------------------------------


def _locked(invoice: Invoice | int) -> Invoice:
    pk = invoice.pk if isinstance(invoice, Invoice) else invoice
    found = Invoice.objects.select_for_update(of=("self",)).select_related("shop").filter(pk=pk).first()
    if found is None:
        raise NotFound(_("Faktur tidak ditemukan."))
    return found


def _refuse(status: str, step: Step[str]) -> Conflict:
    return Conflict(
        _("Faktur berstatus “%(status)s”: langkah ini tidak bisa dilakukan.")
        % {"status": Invoice.Status(status).label},
        code="wrong_status",
    )


def _move(invoice: Invoice, step: Step[str]) -> str:
    workflow.INVOICE.require(invoice.status, step.action, _refuse)
    before = invoice.status
    invoice.status = step.target
    return before


def _event(
    invoice: Invoice,
    action: str,
    actor: Any = None,
    *,
    before: str = "",
    amount: int = 0,
    request: PaymentRequest | None = None,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
) -> InvoiceEvent:
    return InvoiceEvent.record(
        actor=actor,
        invoice=invoice,
        action=action,
        from_status=before,
        to_status=invoice.status,
        amount=amount,
        payment_request=request,
        reason=reason,
        data=dict(data or {}),
    )


def buyer_recipients(invoice: Invoice) -> list[User]:
    if invoice.buyer_user_id is not None:
        return [invoice.buyer_user] if invoice.buyer_user and invoice.buyer_user.is_active else []
    if invoice.buyer_is_office:
        return list(
            User.objects.filter(is_active=True, groups__name__in=[Role.ADMIN, Role.STAF_OPD]).distinct().order_by("pk")
        )
    return []


def _schedule_reminder(invoice: Invoice) -> None:
    if invoice.next_reminder_on is not None:
        moment = datetime.combine(invoice.next_reminder_on, REMIND_AT, tzinfo=JAKARTA)
        schedule_due(Kind.INVOICES, moment)


def _text(value: Any, field: str, *, max_length: int, required: str | Promise = "") -> str:
    return clean_short_text(value, field=field, max_length=max_length, required_message=required)


def _whole(value: Any, field: str, *, minimum: int = 0, maximum: int = 10**13) -> int:
    """A whole number typed the Indonesian way ("25.000", "Rp25.000,00"; see parse_rupiah)."""
    number = parse_rupiah(value, allow_negative=True)
    if number is None or not minimum <= number <= maximum:
        raise ValidationFailed(_("Isi angka rupiah tanpa desimal."), code="invalid_number", field=field)
    return number

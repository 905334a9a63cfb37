"""The retribusi izin: a permit whose risk level carries a fee (`PermitFee`) waits for its bill.

The bill is a `payments.PaymentRequest` in this kelurahan, reference ``permit:<permit uuid>``,
addressed to the applicant and paid to the kota's kas daerah clearing account: the same account
and the same kind of bill as the payer's copy of a kota levy bill (apps.levies), so wallet, QRIS
and the daily payout to the kas daerah treat both alike. It is not a kota register bill: the fee
is the kelurahan's service, billed at its approval, and needs no cross-schema hand-off.
A kelurahan without a parent kota has no kas daerah here, so it charges no fee.
"""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.db import connection
from apps.payments import selectors as payment_selectors
from apps.payments import services as payments
from apps.payments.events import PaymentSettled
from apps.payments.models import PaymentRequest
from apps.tenancy.models import Tenant

from .. import workflow
from ..models import Permit, PermitFee

logger = logging.getLogger(__name__)

REFERENCE_KIND = "permit"
LIVE = (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH)


def reference_of(permit: Permit) -> str:
    return f"{REFERENCE_KIND}:{permit.uuid}"


def _kota() -> Tenant | None:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.tenant_type != Tenant.Type.KELURAHAN or tenant.parent_id is None:
        return None
    parent = tenant.parent
    return parent if parent is not None and parent.tenant_type == Tenant.Type.KOTA else None


def fee_for(permit: Permit) -> PermitFee | None:
    """The active fee of the permit's risk level, when this kelurahan can collect it."""
    fee = PermitFee.objects.filter(risk_level=permit.risk_level, is_active=True).first()
    return fee if fee is not None and _kota() is not None else None


def fee_bill(permit: Permit) -> PaymentRequest | None:
    """The permit's fee bill: the paid one if any, else the live one (None: never billed)."""
    bills = list(payment_selectors.requests_with_reference(reference_of(permit)).order_by("-id"))
    paid = next((bill for bill in bills if bill.status == PaymentRequest.Status.PAID), None)
    return paid or next((bill for bill in bills if bill.status in LIVE), None)


def fee_paid(permit: Permit) -> bool:
    """True when no fee applies or its bill is paid."""
    if permit.status != workflow.AWAITING_PAYMENT and fee_for(permit) is None:
        return True
    bill = fee_bill(permit)
    return bill is not None and bill.status == PaymentRequest.Status.PAID


def open_fee_bill(permit: Permit, fee: PermitFee) -> PaymentRequest:
    """The applicant's bill for `fee` (idempotent: the live or paid bill is returned again).
    Caller holds the permit's row lock and its transaction."""
    existing = fee_bill(permit)
    if existing is not None:
        return existing
    kota = _kota()
    assert kota is not None  # fee_for() said this kelurahan has a kota
    treasury = payments.treasury_account(f"treasury:{kota.schema_name}", _("Kas Daerah %(kota)s") % {"kota": kota.name})
    return payments.create_payment_request(
        treasury,
        fee.amount,
        description=(_("Retribusi izin usaha %(business)s") % {"business": permit.business_name})[:255],
        reference=reference_of(permit),
        payer=permit.applicant,
        due_on=timezone.localdate() + datetime.timedelta(days=30),
    )


def permit_fee_settled(event: PaymentSettled) -> None:
    """The fee bill of a permit was paid (after commit): the permit is issued, once.

    Idempotent: a permit no longer awaiting payment is left alone. A permit that cannot be
    issued now (a document went missing) stays awaiting payment; staff issue it later."""
    from .steps import issue_paid

    permit = Permit.objects.filter(uuid=event.key).only("pk").first()
    if permit is None:
        logger.error("permit fee %s settled for an unknown permit", event.bill_number)
        return
    issue_paid(permit.pk, now=event.paid_at)

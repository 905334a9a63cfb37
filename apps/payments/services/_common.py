"""Shared internals of the payments services: settings, input checks, tenant tags and gateway-charge helpers."""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.db import connection as tenant_connection
from apps.core.errors import ValidationFailed
from apps.core.money import parse_rupiah, thousands

from .. import events, qris
from ..gateways import (
    ChargeRequest,
    Gateway,
)
from ..models import (
    Account,
    AccountKind,
    ChargeStatus,
    GatewayCharge,
    JournalEntry,
    PaymentRequest,
)

SYSTEM_KINDS = (AccountKind.PLATFORM_FEE, AccountKind.GATEWAY_CLEARING)


TOP_UP_KINDS = (AccountKind.WALLET, AccountKind.RT_CASH, AccountKind.ARISAN_POOL)


DEFAULT_MAX_AMOUNT = 100_000_000  # Rp100 juta per movement


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def clean_amount(value: Any, *, field: str = "amount") -> int:
    """A positive whole number of rupiah, at most PAYMENTS_MAX_AMOUNT ("25.000" typed in a form
    is 25000; see parse_rupiah)."""
    value = parse_rupiah(value, allow_negative=True)
    if value is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat rupiah."), code="invalid_amount", field=field)
    if value <= 0:
        raise ValidationFailed(_("Jumlah harus lebih dari nol."), code="invalid_amount", field=field)
    limit = int(_setting("PAYMENTS_MAX_AMOUNT", DEFAULT_MAX_AMOUNT))
    if value > limit:
        raise ValidationFailed(
            _("Jumlah melebihi batas Rp%(limit)s per transaksi.") % {"limit": thousands(limit)},
            code="invalid_amount",
            field=field,
        )
    return value


def clean_key(key: Any) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValidationFailed(_("Kunci idempotensi wajib diisi."), code="idempotency_key_required")
    key = key.strip()
    if len(key) > 200:
        raise ValidationFailed(_("Kunci idempotensi paling panjang 200 karakter."), code="invalid_idempotency_key")
    return key


def fee_for(amount: int) -> int:
    """Platform fee (MDR) on a payment: PAYMENTS_FEE_BPS basis points, rounded down."""
    bps = int(_setting("PAYMENTS_FEE_BPS", 30))
    return amount * bps // 10_000


# Accounts a bill may be paid to: shops, and the kas daerah clearing of a kota's levies.
PAYEE_KINDS = (AccountKind.MERCHANT, AccountKind.TREASURY_CLEARING)


def fee_for_payee(payee: Account, amount: int) -> int:
    """The platform fee of a payment to `payee`: none on a levy or tax (the kota receives the
    whole bill it issued; the platform bills the kota its subscription instead)."""
    if payee.kind == AccountKind.TREASURY_CLEARING:
        return 0
    return fee_for(amount)


def _kind_label(kind: str) -> str:
    return str(dict(AccountKind.choices).get(kind, kind))


def _require(account: Account, kinds: Sequence[str], message: Any) -> None:
    if account.kind not in kinds:
        raise ValidationFailed(message, code="wrong_account_kind", account=str(account.public_id))


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().strip()


def tenant_city() -> str:
    """Merchant city for QRIS (<= 15 characters): the kota of this kelurahan."""
    tenant = getattr(tenant_connection, "tenant", None)
    place = getattr(tenant, "parent", None) or tenant
    name = str(getattr(place, "name", "") or "INDONESIA")
    name = name.replace("Kabupaten ", "Kab. ").replace("Kelurahan ", "").replace("Desa ", "")
    return _ascii(name).upper()[:15] or "INDONESIA"


def _tenant_tag() -> str:
    schema = str(getattr(tenant_connection, "schema_name", "") or "kk")
    digits = "".join(ch for ch in schema if ch.isdigit())
    return (digits or "".join(ch for ch in schema if ch.isalnum()).upper())[-10:]


def new_order_id(prefix: str) -> str:
    """Globally unique (the tenant is in it), at most 25 characters: fits a QRIS bill number."""
    return f"{prefix}-{_tenant_tag()}-{secrets.token_hex(4).upper()}"


def _notification_url() -> str:
    tenant = getattr(tenant_connection, "tenant", None)
    url = getattr(tenant, "url", None)
    return str(url("/api/v1/payments/gateway/notifications/")) if callable(url) else ""


def _open_at_gateway(charge: GatewayCharge, gateway: Gateway, merchant: qris.Merchant, description: str) -> None:
    answer = gateway.create_charge(
        ChargeRequest(
            order_id=charge.order_id,
            gross_amount=charge.gross_amount,
            merchant=merchant,
            description=description,
            notification_url=_notification_url(),
        )
    )
    charge.status = answer.transaction_status if answer.transaction_status in ChargeStatus.values else "pending"
    charge.transaction_id = answer.transaction_id
    charge.qr_string = answer.qr_string
    charge.deeplink_url = answer.deeplink_url
    charge.save(update_fields=["status", "transaction_id", "qr_string", "deeplink_url", "updated_at"])


def _mark_paid(
    request: PaymentRequest,
    entry: JournalEntry | None,
    *,
    method: str,
    payer: User | None,
    charge: GatewayCharge | None = None,
) -> None:
    request.status = PaymentRequest.Status.PAID
    request.paid_entry = entry
    request.paid_method = method
    request.paid_by = payer if payer is not None and payer.pk else None
    request.paid_at = paid_at = timezone.now()
    request.save(update_fields=["status", "paid_entry", "paid_method", "paid_by", "paid_at"])
    kind, key = events.split_reference(request.reference)
    events.dispatch_settled(
        events.PaymentSettled(
            request_id=request.pk,
            charge_id=charge.pk if charge is not None else None,
            bill_number=request.bill_number,
            kind=kind,
            key=key,
            amount=request.amount,
            method=method,
            paid_at=paid_at,
        )
    )

"""How a payment request gets paid: the interface the marketplace (and any other app) uses.

    from apps.payments import methods, services

    request = services.create_payment_request(shop_account, 45_000, reference=f"order:{order.pk}")
    outcome = methods.get("wallet").start(request, payer=buyer, idempotency_key=f"order-{order.pk}-pay")
    # outcome.status: "paid" | "pending" | "awaiting_cash"

A `PaymentMethod` has a `code`, a translated `label` and one call, `start(request, *, payer,
idempotency_key) -> PaymentOutcome`. Three ship here:

* `WalletMethod` ("wallet"): pays at once from the payer's KotaKitaPay wallet
  (`services.pay_request_with_wallet`, which calls the ledger's `pay`); the outcome carries the
  journal entry. Insufficient funds → `Conflict` (409), nothing changed.
* `QrisMethod` ("qris"): opens (or reuses) the request's QRIS charge at the gateway and returns
  its dynamic QRIS string; the request becomes paid when the gateway's settlement notification
  arrives (`services.receive_notification`). Outcome status "pending".
* `CashOnDeliveryMethod` ("cod"): the request waits for cash; the merchant confirms with
  `services.confirm_cash_received` (no ledger movement: the cash never entered KotaKitaPay).

Every method is idempotent for the same request and key. A new method (e.g. a bank virtual
account) is a class with the same shape registered in `METHODS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import ValidationFailed

from . import services
from .models import GatewayCharge, JournalEntry, PaymentRequest


@dataclass(frozen=True)
class PaymentOutcome:
    status: str  # "paid" | "pending" | "awaiting_cash"
    request: PaymentRequest
    entry: JournalEntry | None = None
    charge: GatewayCharge | None = None
    qr_string: str = ""


class PaymentMethod(Protocol):
    code: str
    label: Any

    def start(self, request: PaymentRequest, *, payer: User | None, idempotency_key: str) -> PaymentOutcome: ...


class WalletMethod:
    code = "wallet"
    label = _("Saldo KotaKitaPay")

    def start(self, request: PaymentRequest, *, payer: User | None, idempotency_key: str) -> PaymentOutcome:
        if payer is None:
            raise ValidationFailed(_("Pembayaran dengan saldo perlu pembayar yang masuk."), code="payer_required")
        entry = services.pay_request_with_wallet(request, payer, idempotency_key=idempotency_key)
        request.refresh_from_db()
        return PaymentOutcome(status="paid", request=request, entry=entry)


class QrisMethod:
    code = "qris"
    label = _("QRIS (aplikasi bank/e-wallet apa pun)")

    def start(self, request: PaymentRequest, *, payer: User | None, idempotency_key: str) -> PaymentOutcome:
        charge = services.ensure_request_charge(request, actor=payer)
        request.refresh_from_db()
        return PaymentOutcome(
            status="paid" if request.status == PaymentRequest.Status.PAID else "pending",
            request=request,
            entry=request.paid_entry,
            charge=charge,
            qr_string=charge.qr_string or request.qris_payload,
        )


class CashOnDeliveryMethod:
    code = "cod"
    label = _("Bayar tunai saat barang diterima")

    def start(self, request: PaymentRequest, *, payer: User | None, idempotency_key: str) -> PaymentOutcome:
        request = services.choose_cash_on_delivery(request, actor=payer)
        return PaymentOutcome(status="awaiting_cash", request=request)


METHODS: dict[str, PaymentMethod] = {m.code: m for m in (WalletMethod(), QrisMethod(), CashOnDeliveryMethod())}


def get(code: str) -> PaymentMethod:
    method = METHODS.get(code)
    if method is None:
        raise ValidationFailed(
            _("Cara bayar “%(code)s” tidak dikenal.") % {"code": str(code)[:20]},
            code="unknown_method",
            choices=sorted(METHODS),
        )
    return method

"""KotaKitaPay demo for each kelurahan: Bu Sri's pecel stall with its static QRIS, Pak Joko's
wallet topped up by QRIS through the sandbox gateway, one bill he paid and one still open.
Idempotent: fixed references and idempotency keys, nothing is made twice."""

from __future__ import annotations

from apps.accounts.models import User
from apps.tenancy.models import Tenant

from . import services
from .gateways import notification_body, sandbox_enabled
from .models import Account, GatewayCharge, PaymentRequest

TOP_UP = 150_000
PAID_BILL = ("demo:pecel-2-porsi", 30_000, "Pecel Madiun 2 porsi + rempeyek")
OPEN_BILL = ("demo:nasi-pecel-es-teh", 18_000, "Nasi pecel + es teh")


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    sri = User.objects.filter(username="bu-sri").first()
    joko = User.objects.filter(username="pak-joko").first()
    if sri is None or joko is None:
        return
    shop = services.open_merchant_account(sri, "Pecel Madiun Bu Sri", mcc="5812", code=f"merchant:{sri.pk}:pecel")
    wallet = services.ensure_wallet(joko)
    _top_up(wallet, joko)

    paid = _bill(shop, sri, *PAID_BILL)
    if paid.status == PaymentRequest.Status.OPEN:
        services.pay_request_with_wallet(paid, joko, idempotency_key="demo:pak-joko:pecel")
    _bill(shop, sri, *OPEN_BILL)


def _top_up(wallet: Account, joko: User) -> None:
    if GatewayCharge.objects.filter(wallet=wallet, purpose=GatewayCharge.Purpose.TOP_UP).exists():
        return
    if not sandbox_enabled():  # a real gateway is configured: never call it from a demo seed
        services.top_up(wallet, TOP_UP, reference="demo", idempotency_key="demo:pak-joko:topup")
        return
    charge = services.start_top_up(wallet, TOP_UP, actor=joko)
    sandbox = services.sandbox_gateway()
    tx = sandbox.pay(charge.order_id)
    # Notify now, in-process (the demo must not depend on a running worker), signed with the
    # key the sandbox itself uses here (the environment's, or the dev key under DEBUG).
    services.receive_notification(notification_body(tx, "200", sandbox.server_key), remote_addr="127.0.0.1")


def _bill(shop: Account, sri: User, reference: str, amount: int, description: str) -> PaymentRequest:
    existing = PaymentRequest.objects.filter(merchant=shop, reference=reference).first()
    return existing or services.create_payment_request(
        shop, amount, description=description, reference=reference, actor=sri
    )

"""The demo seed: Bu Sri's stall with a static QRIS, Pak Joko topped up and paying; idempotent."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.payments import demo, qris, services
from apps.payments.models import Account, GatewayCharge, JournalEntry, PaymentRequest
from apps.payments.reconciliation import reconcile
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_is_complete_and_idempotent(in_a: Tenant, tenants: object) -> None:
    sri = create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM])
    joko = create_user(username="pak-joko", full_name="Joko Santoso", roles=[Role.WARGA])
    demo.seed(in_a)
    counts = (Account.objects.count(), JournalEntry.objects.count(), PaymentRequest.objects.count())
    demo.seed(in_a)
    assert (Account.objects.count(), JournalEntry.objects.count(), PaymentRequest.objects.count()) == counts

    shop = Account.objects.get(owner=sri, kind="merchant")
    parsed = qris.parse(shop.qris_payload)
    assert not parsed.is_dynamic and parsed.merchant_name == "Pecel Madiun Bu Sri" and parsed.mcc == "5812"
    wallet = services.ensure_wallet(joko)
    assert wallet.balance == demo.TOP_UP - demo.PAID_BILL[1]
    assert GatewayCharge.objects.get(wallet=wallet).status == "settlement"
    assert shop.balance == demo.PAID_BILL[1] - services.fee_for(demo.PAID_BILL[1])
    statuses = dict(PaymentRequest.objects.values_list("reference", "status"))
    assert statuses == {demo.PAID_BILL[0]: "paid", demo.OPEN_BILL[0]: "open"}
    assert reconcile(triggered_by="test", ask_gateway=False).status == "ok"


def test_seed_skips_kota_tenants_and_missing_people(tenants: object) -> None:
    kota = tenants.kota  # type: ignore[attr-defined]
    with kota:
        demo.seed(kota)
        assert not Account.objects.exists()


LOCAL = {
    "DEBUG": True,
    "PAYMENTS_GATEWAY": "sandbox",
    "PAYMENTS_ALLOW_SANDBOX": False,
    "PAYMENTS_SANDBOX_SERVER_KEY": "",
}
# A real gateway configured (unreachable here): the seed must never call it.
REAL = {
    "DEBUG": False,
    "PAYMENTS_GATEWAY": "midtrans",
    "MIDTRANS_SERVER_KEY": "k",
    "MIDTRANS_BASE_URL": "http://127.0.0.1:9",
}


@pytest.mark.parametrize("config", [LOCAL, REAL], ids=["local-settings", "real-gateway"])
def test_seed_works_with_local_settings_and_never_calls_a_real_gateway(
    in_a: Tenant, tenants: object, config: dict[str, object]
) -> None:
    create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM])
    joko = create_user(username="pak-joko", full_name="Joko Santoso", roles=[Role.WARGA])
    with override_settings(**config):
        demo.seed(in_a)
        demo.seed(in_a)
    assert services.ensure_wallet(joko).balance == demo.TOP_UP - demo.PAID_BILL[1]
    sandboxed = GatewayCharge.objects.filter(wallet__owner=joko, status="settlement").count()
    assert sandboxed == (1 if config is LOCAL else 0)

"""The demo seed: Bu Sri's stall with a static QRIS, Pak Joko topped up and paying; idempotent."""

from __future__ import annotations

import pytest

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

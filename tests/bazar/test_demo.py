"""The bazar demo: a running bazar with Bu Sri's promotion and its agenda entry; an arisan round
paid out as a voucher, partly spent at another shop; idempotent."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.bazar import demo, selectors
from apps.bazar.models import BazarEvent, Discount, Stall, Voucher
from apps.community.models import ArisanRound
from apps.marketplace.models import Order
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import make_market, signed_in

pytestmark = pytest.mark.django_db


def test_demo_seed_is_complete_and_idempotent(tenant_a: Tenant) -> None:
    with tenant_a:
        market = make_market(tenant_a)
        User.objects.filter(pk=market.sri.pk).update(username="bu-sri")
        User.objects.filter(pk=market.joko.pk).update(username="pak-joko")
        create_user(username="lurah-demo", full_name="Lurah", roles=[Role.LURAH], password="x")
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        event = BazarEvent.objects.get(name__startswith="Bazar UMKM")
        assert event.agenda_event_id is not None and event.is_published
        assert selectors.running() == [event]
        pecel = Stall.objects.get(event=event, shop=market.pecel)
        assert pecel.discount == Discount.PERCENT and len(pecel.promo_products) == 2
        assert Stall.objects.filter(event=event).count() == 2
        draft = BazarEvent.objects.get(name__startswith="Bazar Malam")
        assert not draft.is_published and draft.agenda_event_id is None
        placed = Stall.objects.get(event=draft)
        assert (placed.shop_id, placed.discount, placed.discount_value) == (market.pecel.pk, Discount.FIXED, 2_000)
        lurah = User.objects.get(username="lurah-demo")
        voucher = Voucher.objects.get()
        # Rp20.000 at Bu Yati's till, Rp18.000 (madumongso) at the pasar's checkout.
        assert (voucher.holder_id, voucher.value, voucher.remaining) == (market.joko.pk, 100_000, 62_000)
        order = Order.objects.get(buyer=market.joko, voucher_code=voucher.code)
        assert (order.voucher_amount, order.status, order.payment_method) == (18_000, "paid", "voucher")
        second = ArisanRound.objects.get(group__name=demo.ARISAN, number=2)
        assert second.payout_as_voucher and second.status == ArisanRound.Status.OPEN
    # The organiser's pages show both, with their stalls and promotions.
    client = signed_in(tenant_a, lurah)
    listing = client.get("/bazar/kelola/").content.decode()
    assert event.name in listing and draft.name in listing and "Draf, belum diumumkan" in listing
    running = client.get(f"/bazar/kelola/{event.slug}/").content.decode()
    assert "-10%" in running and market.pecel.name in running and market.oleh.name in running
    assert "-Rp2.000" in client.get(f"/bazar/kelola/{draft.slug}/").content.decode()

"""Tenant isolation for every bazar model, the pages and the API."""

from __future__ import annotations

import pytest

from apps.bazar import services
from apps.bazar.models import BazarEvent, Stall, Voucher
from apps.tenancy.models import Tenant
from tests.bazar.conftest import make_bazar, make_world
from tests.conftest import client_for
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_bazar_rows_written_in_a_are_invisible_and_unreachable_from_b(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        world = make_world(tenant_a, prefix="iso-")
        event = make_bazar(world.lurah, name="Bazar Isolasi")
        stall = services.add_stall(event, world.market.pecel, actor=world.lurah)
        voucher = services.pay_out_as_voucher(world.round1, actor=world.market.andi)
        assert BazarEvent.objects.filter(pk=event.pk).exists()
    with tenant_b:
        assert not BazarEvent.objects.filter(slug=event.slug).exists()
        assert not Stall.objects.filter(pk=stall.pk, shop_id=stall.shop_id).exists() or not BazarEvent.objects.exists()
        assert not Voucher.objects.filter(code=voucher.code).exists()
    client = client_for(tenant_b)
    assert client.get(f"/bazar/{event.slug}/").status_code == 404
    assert client.get(f"/api/v1/bazar/events/{event.pk}/").status_code in (401, 403, 404)
    with tenant_b:
        from apps.accounts.models import User

        staff = User.objects.filter(is_staff=True).first()
    if staff is not None:
        b_client = signed_in(tenant_b, staff)
        assert b_client.get(f"/api/v1/bazar/events/{event.pk}/").status_code == 404
        assert b_client.get(f"/bazar/{event.slug}/laporan/").status_code == 404

"""Staff admin: every marketplace model's list and change pages work; staff verify shops."""

from __future__ import annotations

import pytest
from django.apps import apps

from apps.accounts.models import User
from apps.marketplace import services
from apps.marketplace.models import Shop
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key, signed_in

pytestmark = pytest.mark.django_db


def test_admin_pages_of_every_model_render(market: Market, tenant_a: Tenant) -> None:
    services.place_and_pay(market.joko, [(market.nasi.pk, 1)], idempotency_key=key(), payment_method="cod")
    client = signed_in(tenant_a, User.objects.get(username="admin"))  # the kelurahan's admin
    for model in apps.get_app_config("marketplace").get_models():
        meta = model._meta
        listing = client.get(f"/admin/marketplace/{meta.model_name}/")
        if listing.status_code == 404:  # not registered (allocations, carts, ...)
            continue
        assert listing.status_code == 200, meta.model_name
        first = model.objects.order_by("pk").first()
        if first is not None:
            assert client.get(f"/admin/marketplace/{meta.model_name}/{first.pk}/change/").status_code == 200


def test_staff_verify_shops_from_the_admin(market: Market, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, User.objects.get(username="admin"))  # the kelurahan's admin
    response = client.post(
        "/admin/marketplace/shop/", {"action": "verify", "_selected_action": [market.pecel.pk]}, follow=True
    )
    assert response.status_code == 200
    assert Shop.objects.get(pk=market.pecel.pk).verified
    assert "terverifikasi" in client.get(f"/pasar/toko/{market.pecel.slug}/").content.decode()

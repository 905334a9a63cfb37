"""Django admin for procurement staff: read-only pages, sealed quotes hidden, publish action."""

from __future__ import annotations

import pytest

from apps.procurement.models import PurchaseRequest
from apps.tenancy.models import Tenant

from .conftest import People, advance, logged_in, new_request, quote

pytestmark = pytest.mark.django_db


def test_admin_pages_render_for_staff(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "paid")
        order = purchase.order
        quote_pk = purchase.award.quote_id
    client = logged_in(tenant_a, people.petugas)
    for url in (
        "/admin/procurement/purchaserequest/",
        f"/admin/procurement/purchaserequest/{purchase.pk}/change/",
        "/admin/procurement/quote/",
        f"/admin/procurement/quote/{quote_pk}/change/",
        "/admin/procurement/evaluation/",
        "/admin/procurement/award/",
        "/admin/procurement/purchaseorder/",
        f"/admin/procurement/purchaseorder/{order.pk}/change/",
        "/admin/procurement/procurementevent/",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/procurement/purchaserequest/add/").status_code == 403
    assert logged_in(tenant_a, people.warga).get("/admin/procurement/purchaserequest/").status_code == 302


def test_sealed_quotes_are_hidden_in_admin_and_publish_action(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        running = new_request(people)
        sealed = quote(running, people.umkm)
        draft = new_request(people, publish=False, title="Draf admin")
    client = logged_in(tenant_a, people.staf)
    assert client.get(f"/admin/procurement/quote/{sealed.pk}/change/").status_code == 302  # not found → redirect
    assert "Warung Nasi Bu Sri" not in client.get("/admin/procurement/quote/").content.decode()
    response = client.post(
        "/admin/procurement/purchaserequest/",
        {"action": "publish_requests", "_selected_action": [draft.pk]},
        follow=True,
    )
    assert response.status_code == 200
    with tenant_a:
        assert PurchaseRequest.objects.get(pk=draft.pk).status == "open"

"""The seller's home (issue 19): orders in tabs with counts, rows with what the seller needs, only
the actions a status allows, rejecting with a reason; its query budget (tests/budgets.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.marketplace import lifecycle, seller_home, services
from apps.marketplace.models import DeliveryMethod, Order
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.marketplace.conftest import Market, key, signed_in

pytestmark = pytest.mark.django_db


def _cod(market: Market, *, only_nasi: bool = False) -> Order:
    items = [(market.nasi.pk, 1)] if only_nasi else [(market.nasi.pk, 2), (market.keripik.pk, 1)]
    result = services.place_and_pay(
        market.joko,
        items,
        idempotency_key=key(),
        payment_method="cod",
    )
    return result.orders[0]


def _home(market: Market, tenant: Tenant, tab: str = "") -> tuple[int, str, dict[str, object]]:
    sri = signed_in(tenant, market.sri)
    response = sri.get(f"/pasar/toko/{market.pecel.slug}/pesanan/" + (f"?tab={tab}" if tab else ""))
    return response.status_code, response.content.decode(), response.context


def test_new_order_row(market: Market, tenant_a: Tenant) -> None:
    order = _cod(market)
    status, html, context = _home(market, tenant_a)
    assert status == 200 and context["tab"] == "baru"
    (row,) = context["rows"]
    assert row.order == order and row.buyer == "Joko"  # the first name only
    assert row.items == ["Nasi pecel × 2", "Keripik tempe × 1"]
    assert row.payment_method == "Bayar tunai saat barang diterima"
    assert row.payment_status == "Belum dibayar" and not row.paid
    assert row.delivery == str(DeliveryMethod.PICKUP.label)
    assert [a for a, _label, _s in row.actions] == ["accept"] and row.may_reject
    when = timezone.localtime(order.created_at)
    assert f"{when.day} " in html and when.strftime("%H:%M") in html
    assert "Santoso" not in html  # not the buyer's full name
    counts = {t.slug: n for t, n in context["tabs"]}
    assert counts == {"baru": 1, "kirim": 0, "dikirim": 0, "selesai": 0, "batal": 0}


def test_tabs_filter_and_actions_follow_the_status(market: Market, tenant_a: Tenant) -> None:
    accepted, shipped, done = _cod(market), _cod(market), _cod(market)
    services.transition(accepted, "accept", actor=market.sri)
    for action in ("accept", "pack", "ship"):
        services.transition(shipped, action, actor=market.sri)
    Order.objects.filter(pk=done.pk).update(status=lifecycle.Status.COMPLETED)
    _status, _html, context = _home(market, tenant_a, "kirim")
    assert [r.order.pk for r in context["rows"]] == [accepted.pk]
    assert [a for a, _l, _s in context["rows"][0].actions] == ["pack"] and not context["rows"][0].may_reject
    _status, _html, context = _home(market, tenant_a, "dikirim")
    assert [r.order.pk for r in context["rows"]] == [shipped.pk]
    assert [a for a, _l, _s in context["rows"][0].actions] == ["deliver"]
    _status, html, context = _home(market, tenant_a, "selesai")
    assert [r.order.pk for r in context["rows"]] == [done.pk] and context["rows"][0].actions == []
    assert 'data-testid="row-' not in html
    _status, _html, context = _home(market, tenant_a, "nonsense")
    assert context["tab"] == "baru" and context["rows"] == []


def test_accept_and_reject_with_a_reason(market: Market, tenant_a: Tenant) -> None:
    first, second = _cod(market), _cod(market)
    sri = signed_in(tenant_a, market.sri)
    base = f"/pasar/toko/{market.pecel.slug}/pesanan"
    accepted = sri.post(f"{base}/{first.public_id}/aksi/", {"action": "accept", "tab": "baru"})
    assert accepted.status_code == 302 and accepted["Location"] == f"{base}/?tab=baru"
    first.refresh_from_db()
    assert first.status == lifecycle.Status.ACCEPTED
    # Rejecting needs a reason; "Alasan lain" needs it written.
    for data in ({}, {"reason": "lain"}, {"reason": "bogus"}):
        sri.post(f"{base}/{second.public_id}/aksi/", {"action": "reject", **data})
        second.refresh_from_db()
        assert second.status == lifecycle.Status.COD
    sri.post(f"{base}/{second.public_id}/aksi/", {"action": "reject", "reason": "stok", "detail": "besok ada lagi"})
    second.refresh_from_db()
    assert second.status == lifecycle.Status.CANCELLED
    assert second.events.filter(action="cancel", note__contains="Stok habis — besok ada lagi").exists()
    # An action the status does not allow changes nothing (409 shown as a message).
    sri.post(f"{base}/{second.public_id}/aksi/", {"action": "accept"})
    second.refresh_from_db()
    assert second.status == lifecycle.Status.CANCELLED


def test_only_the_shop_owner(market: Market, tenant_a: Tenant) -> None:
    order = _cod(market)
    yati = signed_in(tenant_a, market.yati)
    base = f"/pasar/toko/{market.pecel.slug}/pesanan"
    assert yati.get(f"{base}/").status_code == 404
    assert yati.post(f"{base}/{order.public_id}/aksi/", {"action": "accept"}).status_code == 404
    # Her own shop's URL with Bu Sri's order: not found either.
    assert (
        yati.post(f"/pasar/toko/{market.oleh.slug}/pesanan/{order.public_id}/aksi/", {"action": "accept"}).status_code
        == 404
    )
    order.refresh_from_db()
    assert order.status == lifecycle.Status.COD


def test_first_name() -> None:
    assert seller_home.first_name("Joko Santoso", "joko") == "Joko"
    assert seller_home.first_name("", "joko") == "joko"


@pytest.mark.parametrize("tab", ["baru", "kirim"])
def test_seller_home_budget(market: Market, tenant_a: Tenant, tab: str) -> None:
    def grow(count: int) -> None:
        for _ in range(count):
            order = _cod(market, only_nasi=True)
            if tab == "kirim":
                services.transition(order, "accept", actor=market.sri)

    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/pesanan/?tab={tab}"
    assert_list_budget(fetch=lambda: sri.get(url), grow=grow)
    assert len(sri.get(url).context["rows"]) == 30

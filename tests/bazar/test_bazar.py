"""Bazar events: promotions priced only inside the window and only for the stalls' shops (hand-
computed totals), the stall map, the agenda entry, the landing page, the organiser's report."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.agenda.models import Audience
from apps.agenda.models import Event as AgendaEvent
from apps.bazar import selectors, services
from apps.bazar.models import BazarEvent, Discount, Stall
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.marketplace import services as market_services
from apps.marketplace.models import CartItem, Order
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, big_bazar, fund, grow_promoted_stalls, key, make_bazar
from tests.budgets import assert_list_budget
from tests.conftest import client_for
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def _promo_bazar(w: World, **kwargs: object) -> BazarEvent:
    """Bu Sri's stall: 10% off nasi pecel and keripik (not the sambal). Bu Yati's shop takes no part."""
    m = w.market
    event = make_bazar(w.lurah, **kwargs)  # type: ignore[arg-type]
    stall = services.add_stall(event, m.pecel, actor=w.lurah, number=7, column=2, row=1)
    services.set_promotion(
        stall,
        actor=m.sri,
        discount=Discount.PERCENT,
        value=10,
        products=[m.nasi.product_id, m.keripik.product_id],
    )
    return event


CART = "2 nasi (12.000) + 1 keripik (15.000) + 1 sambal (25.000) at Bu Sri's, 1 madumongso (18.000) at Bu Yati's"


def _order(w: World) -> dict[str, Order]:
    m = w.market
    fund(m.joko, 200_000)
    items = [(m.nasi.pk, 2), (m.keripik.pk, 1), (m.sambal.pk, 1), (m.madumongso.pk, 1)]
    result = market_services.place_and_pay(m.joko, items, idempotency_key=key(), payment_method="wallet")
    return {o.shop.name: o for o in result.orders}


def test_the_promotion_applies_during_the_bazar_to_the_stalls_shop_only(world: World) -> None:
    _promo_bazar(world)
    orders = _order(world)
    pecel, oleh = orders[world.market.pecel.name], orders[world.market.oleh.name]
    # 2 × (12.000 − 1.200) + (15.000 − 1.500) + 25.000 = 21.600 + 13.500 + 25.000
    assert pecel.subtotal == 60_100
    assert {line.product_name: line.unit_price for line in pecel.lines.all()} == {
        "Nasi pecel": 10_800,
        "Keripik tempe": 13_500,
        "Sambal pecel 250 g": 25_000,
    }
    assert oleh.subtotal == 18_000  # not a participant: list price
    assert pecel.payment_request is not None and pecel.payment_request.amount == pecel.total == 60_100


@pytest.mark.parametrize(
    "when",
    [
        {"starts_at_delta": timedelta(hours=2)},  # not started yet
        {"starts_at_delta": timedelta(hours=-10)},  # 8 hours long: ended 2 hours ago
    ],
)
def test_no_discount_outside_the_window(world: World, when: dict[str, timedelta]) -> None:
    _promo_bazar(world, starts_at=timezone.now() + when["starts_at_delta"])
    orders = _order(world)
    assert orders[world.market.pecel.name].subtotal == 2 * 12_000 + 15_000 + 25_000


def test_an_unannounced_bazar_gives_no_discount(world: World) -> None:
    event = _promo_bazar(world)
    BazarEvent.objects.filter(pk=event.pk).update(is_published=False)
    assert _order(world)[world.market.pecel.name].subtotal == 64_000


def test_fixed_discounts_and_rounding_in_the_buyers_favour(world: World) -> None:
    m = world.market
    event = _promo_bazar(world)
    stall = services.add_stall(event, m.oleh, actor=m.yati)  # opting in: next free stall
    assert (stall.number, stall.column, stall.row) == (8, 1, 1)
    services.set_promotion(
        stall, actor=m.yati, discount=Discount.FIXED, value=3_000, products=[m.madumongso.product_id]
    )
    assert _order(world)[m.oleh.name].subtotal == 15_000
    odd = Stall(discount=Discount.PERCENT, discount_value=10)
    assert odd.price_of(12_345) == 11_110  # 1.234,5 off, rounded up to 1.235
    assert Stall(discount=Discount.FIXED, discount_value=50_000).price_of(12_000) == 0


def test_the_cart_shows_the_price_checkout_charges(world: World, tenant_a: Tenant) -> None:
    m = world.market
    _promo_bazar(world)
    CartItem.objects.create(buyer=m.joko, variant=m.nasi, quantity=2)
    page = signed_in(tenant_a, m.joko).get("/pasar/keranjang/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rp21.600" in text and "Rp10.800" in text


def test_who_may_organise_and_promote(world: World) -> None:
    m = world.market
    with pytest.raises(Forbidden):
        make_bazar(m.joko)
    event = _promo_bazar(world)
    with pytest.raises(Forbidden):  # a warga cannot place someone else's shop
        services.add_stall(event, m.oleh, actor=m.joko)
    stall = Stall.objects.get(event=event, shop=m.pecel)
    with pytest.raises(Forbidden):  # Bu Yati cannot change Bu Sri's promotion
        services.set_promotion(stall, actor=m.yati, discount=Discount.FIXED, value=1, products=[m.nasi.product_id])
    with pytest.raises(ValidationFailed):  # only the shop's own products
        services.set_promotion(stall, actor=m.sri, discount=Discount.FIXED, value=1, products=[m.madumongso.product_id])
    with pytest.raises(ValidationFailed):
        services.set_promotion(stall, actor=m.sri, discount=Discount.PERCENT, value=95, products=[m.nasi.product_id])
    with pytest.raises(Conflict):  # the cell is Bu Sri's
        services.add_stall(event, m.oleh, actor=world.lurah, number=9, column=2, row=1)
    again = services.add_stall(event, m.pecel, actor=world.lurah, number=1, column=1, row=1)
    assert again.pk == stall.pk  # the same shop again: its stall as it is


def test_the_bazar_has_its_agenda_entry(world: World) -> None:
    event = _promo_bazar(world)
    agenda = AgendaEvent.objects.get(pk=event.agenda_event_id)
    assert (agenda.title, agenda.starts_at, agenda.ends_at) == (event.name, event.starts_at, event.ends_at)
    assert agenda.audience == Audience.PUBLIC


def test_sales_report_counts_sold_orders_of_the_stalls_during_the_bazar(world: World) -> None:
    m = world.market
    event = _promo_bazar(world)
    _order(world)  # paid: Bu Sri 60.100 counted, Bu Yati 18.000 not a stall
    fund(m.andi, 100_000)
    second = market_services.place_and_pay(m.andi, [(m.sambal.pk, 1)], idempotency_key=key(), payment_method="wallet")
    unpaid = market_services.place_orders(m.andi, [(m.nasi.pk, 1)], idempotency_key=key())
    before = market_services.place_and_pay(m.andi, [(m.keripik.pk, 1)], idempotency_key=key(), payment_method="wallet")
    Order.objects.filter(pk=before.orders[0].pk).update(created_at=event.starts_at - timedelta(minutes=1))
    report = selectors.sales_report(event)
    assert (report.orders, report.sales) == (2, 60_100 + 25_000)
    assert [(r.shop_name, r.orders, r.sales) for r in report.by_shop] == [(m.pecel.name, 2, 85_100)]
    assert unpaid.orders[0].status == "awaiting_payment" and second.orders[0].subtotal == 25_000


def test_report_page_is_the_organisers(world: World, tenant_a: Tenant) -> None:
    event = _promo_bazar(world)
    _order(world)
    page = signed_in(tenant_a, world.lurah).get(f"/bazar/{event.slug}/laporan/")
    assert page.status_code == 200
    assert "Rp60.100" in page.content.decode() and "nilai penjualan" in page.content.decode().lower()
    assert signed_in(tenant_a, world.market.sri).get(f"/bazar/{event.slug}/laporan/").status_code == 404
    api = signed_in(tenant_a, world.lurah).get(f"/api/v1/bazar/events/{event.pk}/report/")
    assert api.json()["sales"] == 60_100
    assert signed_in(tenant_a, world.market.sri).get(f"/api/v1/bazar/events/{event.pk}/report/").status_code == 404


def test_landing_page_lists_shops_promotions_and_the_stall_map(world: World, tenant_a: Tenant) -> None:
    event = _promo_bazar(world)
    page = client_for(tenant_a).get(f"/bazar/{event.slug}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert world.market.pecel.name in text and "-10%" in text and "Rp10.800" in text and "Lapak 7" in text
    assert "Denah lapak" in text
    assert client_for(tenant_a).get("/bazar/").status_code == 200
    # A change to the promotion shows at once (the cache scope moves).
    stall = Stall.objects.get(event=event, shop=world.market.pecel)
    services.set_promotion(stall, actor=world.market.sri, discount=Discount.NONE, value=0, products=[])
    assert "-10%" not in client_for(tenant_a).get(f"/bazar/{event.slug}/").content.decode()


def test_an_unannounced_bazar_is_hidden_from_the_public(world: World, tenant_a: Tenant) -> None:
    event = _promo_bazar(world)
    BazarEvent.objects.filter(pk=event.pk).update(is_published=False)
    assert client_for(tenant_a).get(f"/bazar/{event.slug}/").status_code == 404
    assert signed_in(tenant_a, world.lurah).get(f"/bazar/{event.slug}/").status_code == 200


def test_landing_page_query_budget(world: World, tenant_a: Tenant) -> None:
    event = big_bazar(world.lurah, starts_at=timezone.now())
    client: Client = client_for(tenant_a)
    assert_list_budget(fetch=lambda: client.get(f"/bazar/{event.slug}/"), grow=grow_promoted_stalls(event))


def test_create_bazar_over_the_api_is_idempotent(world: World, tenant_a: Tenant) -> None:
    client = signed_in(tenant_a, world.lurah)
    body = {
        "name": "Bazar API",
        "starts_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "ends_at": (timezone.now() + timedelta(days=1, hours=6)).isoformat(),
        "place_name": "Balai",
    }
    first = client.post("/api/v1/bazar/events/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bz-1")
    again = client.post("/api/v1/bazar/events/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bz-1")
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert BazarEvent.objects.filter(name="Bazar API").count() == 1
    event_id = first.json()["id"]
    stall = signed_in(tenant_a, world.market.sri).post(
        f"/api/v1/bazar/events/{event_id}/stalls/",
        {"shop": world.market.pecel.pk},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="st-1",
    )
    assert stall.status_code == 201 and stall.json()["number"] == 1
    refused = signed_in(tenant_a, world.market.joko).post(
        "/api/v1/bazar/events/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="bz-2"
    )
    assert refused.status_code == 403


def test_a_round_id_that_is_not_a_number_is_a_404(tenant_a: Tenant) -> None:
    """Schemathesis found a 500 here (int("false") in the lookup)."""
    admin = client_for(tenant_a)
    with tenant_a:
        admin.force_login(User.objects.get(username="admin"))
    response = admin.post("/api/v1/bazar/arisan-rounds/false/voucher/", {}, content_type="application/json")
    assert response.status_code == 404

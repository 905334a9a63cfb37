"""Cart → reservation → orders (one per shop) → lifecycle; stock, fees, idempotency, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.marketplace import lifecycle, services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import CartItem, Order, OrderEvent, Placement, Reservation, Stock
from apps.notifications.models import Message
from apps.payments.models import PaymentRequest
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key

pytestmark = pytest.mark.django_db


def stock_of(variant: object) -> tuple[int, int]:
    stock = Stock.objects.get(variant=variant, location__kind="shop")
    return stock.quantity, stock.quantity_allocated


def place(market: Market, items: list[tuple[object, int]], **kwargs: object) -> list[Order]:
    params: dict[str, object] = {"idempotency_key": key(), **kwargs}
    return services.place_orders(market.joko, [(v.pk, n) for v, n in items], **params).orders  # type: ignore[attr-defined, arg-type]


def test_a_cart_across_shops_becomes_one_order_per_shop(market: Market) -> None:
    services.add_to_cart(market.joko, market.nasi.pk, 2)
    services.add_to_cart(market.joko, market.keripik.pk, 1)
    services.add_to_cart(market.joko, market.madumongso.pk, 3)
    services.add_to_cart(market.joko, market.nasi.pk, 1)  # adds up
    until = services.reserve_cart(market.joko)
    assert Reservation.objects.filter(buyer=market.joko).count() == 3
    assert until > timezone.now() + timedelta(minutes=14)

    items = [(i.variant_id, i.quantity) for i in CartItem.objects.filter(buyer=market.joko)]
    result = services.place_orders(
        market.joko,
        items,
        idempotency_key=key(),
        delivery={market.pecel.pk: "own", market.oleh.pk: "pickup"},
        address="Jl. Mojorejo Gg. II No. 3",
        from_cart=True,
    )
    orders = {o.shop_id: o for o in result.orders}
    assert set(orders) == {market.pecel.pk, market.oleh.pk}
    pecel, oleh = orders[market.pecel.pk], orders[market.oleh.pk]
    assert pecel.subtotal == 3 * 12_000 + 15_000 and pecel.delivery_fee == 5_000 and pecel.total == 56_000
    assert oleh.subtotal == 3 * 18_000 and oleh.delivery_fee == 0
    assert {o.status for o in result.orders} == {Status.AWAITING_PAYMENT}
    assert stock_of(market.nasi) == (30, 3) and stock_of(market.madumongso) == (20, 3)
    assert not CartItem.objects.filter(buyer=market.joko).exists()
    assert not Reservation.objects.filter(buyer=market.joko).exists()
    # each order has a bill at its shop's settlement account
    assert PaymentRequest.objects.get(pk=pecel.payment_request_id).merchant == market.pecel.payment_account
    assert PaymentRequest.objects.get(pk=pecel.payment_request_id).amount == 56_000
    # the shop owners are told
    assert Message.objects.filter(recipient=market.sri, event="marketplace.order_new").exists()
    assert Message.objects.filter(recipient=market.yati, event="marketplace.order_new").exists()


def test_platform_fee_follows_the_tenants_plan(market: Market, tenant_a: Tenant) -> None:
    pilot = place(market, [(market.nasi, 10)])[0]
    assert (pilot.plan, pilot.platform_fee_bps, pilot.platform_fee) == ("kelurahan_pilot", 1_000, 12_000)
    tenant_a.plan = "city_saas"  # the connection's tenant object, as request.tenant would be
    try:
        saas = place(market, [(market.nasi, 10)])[0]
    finally:
        tenant_a.plan = "kelurahan_pilot"
    assert (saas.plan, saas.platform_fee_bps, saas.platform_fee) == ("city_saas", 300, 3_600)


def test_insufficient_stock_is_a_clear_409_and_nothing_is_written(market: Market) -> None:
    before = (Order.objects.count(), Placement.objects.count(), stock_of(market.sambal))
    with pytest.raises(Conflict) as caught:
        place(market, [(market.nasi, 1), (market.sambal, 6)])
    assert caught.value.code == "insufficient_stock"
    assert "Stok tidak cukup" in str(caught.value.message) and "diminta 6, tersedia 5" in str(caught.value.message)
    assert caught.value.details["items"][0]["variant"] == market.sambal.pk
    assert (Order.objects.count(), Placement.objects.count(), stock_of(market.sambal)) == before
    assert stock_of(market.nasi) == (30, 0)


@pytest.mark.parametrize(
    ("items", "code"),
    [
        ([(1, -2)], "invalid_quantity"),
        ([(1, 0)], "invalid_quantity"),
        ([(1, "dua")], "invalid_quantity"),
        ([(987654, 1)], "unknown_variant"),
        ([("abc", 1)], "unknown_variant"),
        ([], "empty_order"),
        ([(1, 1000)], "invalid_quantity"),
    ],
)
def test_bad_order_input_is_422_and_nothing_changes(
    market: Market, items: list[tuple[object, object]], code: str
) -> None:
    items = [(market.nasi.pk if v == 1 else v, n) for v, n in items]
    with pytest.raises(ValidationFailed) as caught:
        services.place_orders(market.joko, items, idempotency_key=key())
    assert caught.value.code == code
    assert not Order.objects.exists() and not Placement.objects.exists()
    assert stock_of(market.nasi) == (30, 0)


def test_a_variant_of_another_tenant_is_unknown_here(market: Market, tenant_b: Tenant, tenant_a: Tenant) -> None:
    from apps.marketplace.models import Variant
    from tests.marketplace.conftest import make_market, product

    with tenant_a:
        highest_in_a = Variant.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with tenant_b:  # each schema numbers its own rows: make B's id one that A does not have
        other = make_market(tenant_b, prefix="b-")
        # One id sequence per schema (apps.core.row_ids): move B's past A's highest variant id
        # instead of creating products until it gets there (thousands once A has many rows).
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(%s::regclass, GREATEST(%s, (SELECT last_value FROM kk_row_id)))",
                [f"{tenant_b.schema_name}.kk_row_id", highest_in_a + 1],
            )
        foreign = product(other.pecel, other.sri, "Produk B", "B-1", 1_000, 5)
        assert foreign.pk > highest_in_a
    with tenant_a:
        with pytest.raises(ValidationFailed) as caught:
            services.place_orders(market.joko, [(foreign.pk, 1)], idempotency_key=key())
        assert caught.value.code == "unknown_variant"
        assert not Order.objects.exists()


def test_delivery_the_shop_does_not_offer_and_missing_address_are_refused(market: Market) -> None:
    with pytest.raises(ValidationFailed) as caught:
        place(market, [(market.madumongso, 1)], delivery="own")
    assert caught.value.code == "delivery_not_offered"
    with pytest.raises(ValidationFailed) as caught:
        place(market, [(market.nasi, 1)], delivery="own")
    assert caught.value.code == "address_required"
    with pytest.raises(ValidationFailed) as caught:
        services.place_orders(market.sri, [(market.nasi.pk, 1)], idempotency_key=key())
    assert caught.value.code == "own_shop"
    assert not Order.objects.exists()


def test_the_same_idempotency_key_makes_one_order(market: Market) -> None:
    first = services.place_orders(market.joko, [(market.nasi.pk, 2)], idempotency_key="same-key")
    again = services.place_orders(market.joko, [(market.nasi.pk, 2)], idempotency_key="same-key")
    assert again.replayed and not first.replayed
    assert [o.pk for o in again.orders] == [o.pk for o in first.orders]
    assert Order.objects.count() == 1 and stock_of(market.nasi) == (30, 2)
    with pytest.raises(Conflict) as caught:
        services.place_orders(market.joko, [(market.nasi.pk, 3)], idempotency_key="same-key")
    assert caught.value.code == "idempotency_conflict"
    assert Order.objects.count() == 1


def test_reservations_hold_stock_for_their_buyer_and_expire(market: Market) -> None:
    services.add_to_cart(market.andi, market.sambal.pk, 4)
    services.reserve_cart(market.andi)
    with pytest.raises(Conflict):  # 5 in stock, 4 held for Andi
        place(market, [(market.sambal, 2)])
    assert place(market, [(market.sambal, 1)])[0].subtotal == 25_000
    # Andi's own order is not blocked by his reservation; it consumes it
    services.place_orders(market.andi, [(market.sambal.pk, 4)], idempotency_key=key())
    assert stock_of(market.sambal) == (5, 5)
    assert not Reservation.objects.filter(buyer=market.andi).exists()


def test_an_expired_reservation_releases_its_stock(market: Market) -> None:
    services.add_to_cart(market.andi, market.sambal.pk, 5)
    services.reserve_cart(market.andi)
    with pytest.raises(Conflict):
        place(market, [(market.sambal, 1)])
    Reservation.objects.update(reserved_until=timezone.now() - timedelta(seconds=1))
    assert place(market, [(market.sambal, 5)])[0].lines.get().quantity == 5
    assert services.delete_expired_reservations() == 1


def test_reserving_more_than_available_fails_whole(market: Market) -> None:
    services.add_to_cart(market.andi, market.sambal.pk, 6)
    services.add_to_cart(market.andi, market.nasi.pk, 1)
    with pytest.raises(Conflict) as caught:
        services.reserve_cart(market.andi)
    assert caught.value.code == "insufficient_stock"
    assert not Reservation.objects.exists()


def _through(order: Order, market: Market, *actions: str) -> Order:
    for action in actions:
        actor = market.joko if action == "complete" else market.sri
        order = services.transition(order, action, actor=actor)
    return order


def test_the_full_lifecycle_with_cash_on_delivery_records_every_change(market: Market) -> None:
    order = place(market, [(market.keripik, 2)], delivery="own", address="Gg. II No. 3")[0]
    services.pay_order(order, "cod", payer=market.joko, idempotency_key="pay-1")
    order.refresh_from_db()
    assert order.status == Status.COD and order.expires_at is None
    order = _through(order, market, "accept", "pack", "ship")
    assert stock_of(market.keripik) == (8, 0)  # the goods left the shop
    order = _through(order, market, "deliver")
    request = PaymentRequest.objects.get(pk=order.payment_request_id)
    assert (request.status, request.paid_method) == ("paid", "cod")  # cash confirmed at delivery
    order = _through(order, market, "complete")
    assert order.status == Status.COMPLETED and order.completed_at is not None
    events = list(OrderEvent.objects.filter(order=order).values_list("action", "to_status", "actor__username"))
    assert events == [
        ("place", "awaiting_payment", "joko"),
        ("choose_cod", "cod", "joko"),
        ("accept", "accepted", "sri"),
        ("pack", "packed", "sri"),
        ("ship", "shipped", "sri"),
        ("deliver", "delivered", "sri"),
        ("complete", "completed", "joko"),
    ]
    statuses = set(Message.objects.filter(recipient=market.joko).values_list("event", flat=True))
    assert {"marketplace.order_accepted", "marketplace.order_shipped", "marketplace.order_completed"} <= statuses


@pytest.mark.parametrize(
    ("setup", "action", "code"),
    [
        ((), "accept", "invalid_transition"),  # not paid yet
        (("cod",), "ship", "invalid_transition"),  # not accepted nor packed
        (("cod", "accept"), "complete", "invalid_transition"),
        (("cod", "accept", "pack", "ship"), "cancel", "invalid_transition"),
        (("cod", "accept", "pack"), "refund", "invalid_transition"),
    ],
)
def test_transitions_out_of_order_are_409_and_change_nothing(
    market: Market, setup: tuple[str, ...], action: str, code: str
) -> None:
    order = place(market, [(market.keripik, 1)])[0]
    for step in setup:
        if step == "cod":
            services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
        else:
            services.transition(order, step, actor=market.sri)
    order.refresh_from_db()
    before = (order.status, OrderEvent.objects.count(), stock_of(market.keripik))
    actor = market.joko if action == "complete" else market.sri
    with pytest.raises(Conflict) as caught:
        services.transition(order, action, actor=actor)
    assert caught.value.code == code
    order.refresh_from_db()
    assert (order.status, OrderEvent.objects.count(), stock_of(market.keripik)) == before
    label, done = order.get_status_display(), lifecycle.ACTION_LABELS[action]
    assert str(caught.value) == f"Pesanan berstatus “{label}” tidak bisa: {done}."
    assert caught.value.details == {"status": order.status}


def test_a_buyer_cancels_only_before_the_shop_accepts_and_pays_only_once(market: Market) -> None:
    order = place(market, [(market.keripik, 1)])[0]
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    services.transition(order, "accept", actor=market.sri)
    with pytest.raises(Conflict) as late:
        services.transition(order, "cancel", actor=market.joko)
    assert (late.value.code, str(late.value)) == (
        "invalid_transition",
        "Toko sudah menerima pesanan ini; minta toko untuk membatalkannya.",
    )
    with pytest.raises(Conflict) as paid:
        services.pay_order(order, "wallet", payer=market.joko, idempotency_key=key())
    assert (paid.value.code, str(paid.value)) == (
        "not_awaiting_payment",
        "Pesanan ini sudah berstatus “Diterima toko”.",
    )


def test_who_may_take_which_step(market: Market) -> None:
    order = place(market, [(market.keripik, 1)])[0]
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    with pytest.raises(Forbidden):
        services.transition(order, "accept", actor=market.joko)  # the buyer cannot accept
    with pytest.raises(NotFound):
        services.transition(order, "accept", actor=market.andi)  # a stranger does not see it
    with pytest.raises(NotFound):
        services.transition(order, "accept", actor=market.yati)  # nor another shop
    with pytest.raises(ValidationFailed):
        services.transition(order, "teleport", actor=market.sri)
    with pytest.raises(ValidationFailed):
        services.transition(order, "expire", actor=market.sri)  # the system's, not a person's
    services.transition(order, "accept", actor=market.sri)
    with pytest.raises(Conflict):  # accepted: the buyer must ask the shop
        services.transition(order, "cancel", actor=market.joko)
    kurir = create_user(username="kurir", roles=[Role.KURIR])
    services.transition(order, "pack", actor=market.sri)
    services.transition(order, "ship", actor=market.sri)
    with pytest.raises(NotFound):  # pickup orders never reach a courier
        services.transition(order, "deliver", actor=kurir)


def test_a_courier_delivers_hub_orders(market: Market) -> None:
    from apps.fulfillment import services as fulfillment  # hub delivery needs a hub that can take it

    staff = create_user(username="admin-hub", roles=[Role.ADMIN])
    fulfillment.create_hub(
        actor=staff, code="hub-test", name="Hub Mojorejo", lat=market.tenant.lat, lng=market.tenant.lng
    )
    services.update_shop(market.pecel, market.sri, offers_hub_delivery=True)
    point = {"lat": market.tenant.lat, "lng": market.tenant.lng}  # at the hub: the base fee only
    order = place(market, [(market.nasi, 1)], delivery="hub", address="Gg. II", **point)[0]
    assert order.delivery_fee == 5_000
    assert (order.delivery_lat, order.delivery_lng) == (market.tenant.lat, market.tenant.lng)
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    _through(order, market, "accept", "pack", "ship")
    kurir = create_user(username="kurir-andi", roles=[Role.KURIR])
    order = services.transition(order, "deliver", actor=kurir)
    assert order.status == Status.DELIVERED
    assert OrderEvent.objects.filter(order=order, action="deliver").get().actor == kurir


def test_cancelling_returns_the_stock_and_closes_the_bill(market: Market) -> None:
    order = place(market, [(market.sambal, 3)])[0]
    assert stock_of(market.sambal) == (5, 3)
    services.transition(order, "cancel", actor=market.joko, note="salah pesan")
    order.refresh_from_db()
    assert order.status == Status.CANCELLED and order.cancelled_at is not None
    assert stock_of(market.sambal) == (5, 0)
    assert PaymentRequest.objects.get(pk=order.payment_request_id).status == "cancelled"
    assert Message.objects.filter(recipient=market.sri, event="marketplace.order_cancelled").exists()
    with pytest.raises(Conflict):
        services.transition(order, "cancel", actor=market.joko)


def test_unpaid_orders_expire_and_release_stock(market: Market) -> None:
    late = place(market, [(market.sambal, 2)])[0]
    fresh = place(market, [(market.sambal, 1)])[0]
    cod = place(market, [(market.sambal, 1)])[0]
    services.pay_order(cod, "cod", payer=market.joko, idempotency_key=key())
    Order.objects.filter(pk__in=[late.pk, cod.pk]).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert services.expire_due_orders() == 1
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == Status.EXPIRED and fresh.status == Status.AWAITING_PAYMENT
    assert stock_of(market.sambal) == (5, 2)
    assert OrderEvent.objects.filter(order=late, action="expire", actor=None).exists()
    assert services.expire_due_orders() == 0  # idempotent


def test_delivered_orders_complete_themselves_after_some_days(market: Market) -> None:
    order = place(market, [(market.nasi, 1)])[0]
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    _through(order, market, "accept", "pack", "ship", "deliver")
    assert services.complete_delivered() == 0
    Order.objects.filter(pk=order.pk).update(updated_at=timezone.now() - timedelta(days=4))
    assert services.complete_delivered() == 1
    order.refresh_from_db()
    assert order.status == Status.COMPLETED

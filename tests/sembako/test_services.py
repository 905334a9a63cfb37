"""Sembako Pintar flows against hand-checked totals: ordering under caps, wallet and bansos
payment (once), closing into the supplier purchase, goods at the hub, routed home delivery."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from apps.aid.models import Distribution
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.fulfillment import services as antar
from apps.fulfillment.models import Delivery
from apps.marketplace import seller_home
from apps.marketplace import services as market
from apps.marketplace.facts import _sold
from apps.marketplace.models import Order
from apps.payments.models import PaymentRequest
from apps.sembako import selectors, services, tasks
from apps.sembako.models import HouseholdOrder, Round
from apps.tenancy import due_work
from apps.tenancy.models import DueWork
from tests.clock import freeze, next_at

from .conftest import HOME, World, key, open_round

pytestmark = pytest.mark.django_db


def _items(round: Round) -> dict[str, int]:
    return {i.name: i.pk for i in round.items.all()}


def _orders(world: World, round: Round) -> dict[str, HouseholdOrder]:
    ids = _items(round)
    beras, minyak, telur = ids["Beras medium"], ids["Minyak goreng curah"], ids["Telur ayam"]
    joko, _ = services.place_order(world.joko, round, quantities={beras: 5, minyak: 2})
    andi, _ = services.place_order(
        world.andi,
        round,
        quantities={beras: 3, telur: 2},
        fulfilment="delivery",
        address="Jl. Mojorejo Gg. II No. 3",
        lat=HOME[0],
        lng=HOME[1],
    )
    sari, _ = services.place_order(world.sari, round, quantities={beras: 4, minyak: 1})
    budi, _ = services.place_order(world.budi, round, quantities={str(minyak): "1"})
    return {"joko": joko, "andi": andi, "sari": sari, "budi": budi}


def test_open_round_needs_an_organiser(world: World) -> None:
    with pytest.raises(Forbidden):
        services.open_round(
            world.joko,
            title="x",
            closes_at=timezone.now() + timedelta(days=1),
            hub=world.hub,
            items=[services.ItemSpec(name="Gula", unit="kg", price=15_000)],
        )
    with pytest.raises(ValidationFailed):
        open_round(world, closes_at=timezone.now() - timedelta(minutes=1))


def test_orders_bills_and_totals(world: World) -> None:
    round = open_round(world)
    orders = _orders(world, round)
    assert orders["joko"].total == 5 * 12_500 + 2 * 16_000 == 94_500
    assert orders["andi"].total == 3 * 12_500 + 2 * 27_000 == 91_500
    assert orders["sari"].total == 4 * 12_500 + 16_000 == 66_000
    bill = orders["joko"].payment_request
    assert bill is not None and bill.amount == 94_500 and bill.reference == f"sembako:{orders['joko'].pk}"
    assert bill.payer_id == world.joko.pk
    # The same order again is the same record; other lines are a conflict.
    again, created = services.place_order(
        world.joko, round, quantities={_items(round)["Beras medium"]: 5, _items(round)["Minyak goreng curah"]: 2}
    )
    assert again.pk == orders["joko"].pk and not created
    with pytest.raises(Conflict):
        services.place_order(world.joko, round, quantities={_items(round)["Beras medium"]: 1})
    # The egg cap is 3: andi took 2, two more do not fit.
    telur = round.items.get(name="Telur ayam")
    assert telur.ordered == 2
    from apps.accounts.services import create_user

    late = create_user(username="late", full_name="Late", roles=["warga"])
    with pytest.raises(Conflict) as refused:
        services.place_order(late, round, quantities={telur.pk: 2})
    assert refused.value.code == "cap_reached"
    # Saving against the market reference: 5 × (13.250 − 12.500) + 2 × (17.500 − 16.000).
    assert selectors.saving_of(orders["joko"], selectors.priced_items(round)) == 6_750


def test_wallet_payment_is_once(world: World) -> None:
    round = open_round(world)
    order = _orders(world, round)["joko"]
    pay_key = key()
    services.pay_with_wallet(order, actor=world.joko, idempotency_key=pay_key)
    services.pay_with_wallet(order, actor=world.joko, idempotency_key=pay_key)
    services.pay_with_wallet(order, actor=world.joko, idempotency_key=key())
    order.refresh_from_db()
    assert order.status == HouseholdOrder.Status.PAID and order.paid_method == "wallet"
    from apps.payments.services import ensure_wallet  # the ledger moved the money once

    assert ensure_wallet(world.joko).balance == 500_000 - 94_500
    assert order.payment_request is not None
    order.payment_request.refresh_from_db()
    assert order.payment_request.status == PaymentRequest.Status.PAID


def test_bansos_redeems_the_distribution_once(world: World) -> None:
    round = open_round(world)
    orders = _orders(world, round)
    sari = services.redeem_bansos(orders["sari"], actor=world.sari)
    assert sari.status == HouseholdOrder.Status.PAID and sari.paid_method == "bansos"
    assert sari.aid_distribution_id == world.distribution.pk
    world.distribution.refresh_from_db()
    assert world.distribution.status == Distribution.Status.DISTRIBUTED and world.distribution.proof
    assert services.redeem_bansos(orders["sari"], actor=world.sari).pk == sari.pk  # a replay: nothing new
    assert sari.payment_request is not None
    sari.payment_request.refresh_from_db()
    assert sari.payment_request.status == PaymentRequest.Status.CANCELLED
    # Joko has no entitlement.
    with pytest.raises(Conflict) as refused:
        services.redeem_bansos(orders["joko"], actor=world.joko)
    assert refused.value.code == "no_entitlement"


def test_closing_aggregates_into_one_supplier_purchase(world: World) -> None:
    round = open_round(world)
    orders = _orders(world, round)
    services.pay_with_wallet(orders["joko"], actor=world.joko, idempotency_key=key())
    services.pay_with_wallet(orders["andi"], actor=world.andi, idempotency_key=key())
    services.redeem_bansos(orders["sari"], actor=world.sari)
    # Budi never paid: cancelled at closing, his litre of oil does not count.
    closed = services.close_round(round, now=timezone.now())
    assert closed.status == Round.Status.CLOSED and closed.purchase_note == ""
    demand = {d.item.name: (d.quantity, d.households, d.value) for d in services.demand(round)}
    assert demand == {
        "Beras medium": (5 + 3 + 4, 3, 12 * 12_500),
        "Minyak goreng curah": (2 + 1, 2, 3 * 16_000),
        "Telur ayam": (2, 1, 2 * 27_000),
    }
    orders["budi"].refresh_from_db()
    assert orders["budi"].status == HouseholdOrder.Status.CANCELLED
    purchases = services.purchase_orders(round)
    assert len(purchases) == 1
    purchase = purchases[0]
    assert purchase.buyer_id == world.organiser.pk and purchase.shop.owner_id == world.supplier.pk
    assert purchase.subtotal == 12 * 12_000 + 3 * 15_000 == 189_000
    assert sorted(purchase.lines.values_list("sku", "quantity")) == [("BRS", 12), ("MYK", 3)]
    # Closing again buys nothing twice.
    services.close_round(round)
    assert Order.objects.filter(placement__key=round.purchase_key).count() == 1


def test_due_sweep_closes_only_due_rounds(world: World) -> None:
    due = open_round(world, title="Lewat", closes_at=timezone.now() + timedelta(minutes=1))
    later = open_round(world, title="Nanti")
    Round.objects.filter(pk=due.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    assert services.next_due() is not None
    assert tasks.close_due() == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Round.Status.CLOSED and later.status == Round.Status.OPEN
    row = DueWork.objects.filter(tenant=world.tenant, kind=due_work.Kind.SEMBAKO).first()
    assert row is not None and row.due_at == later.closes_at


def test_goods_arrive_and_the_delivery_is_routed(world: World, time_machine: TimeMachineFixture) -> None:
    # The next 08:00 in Madiun: the delivery's window starts at the hub's next cut-off (09:00), on
    # the day the courier's shift covers. On the real clock, after the last cut-off (18:00 WIB) the
    # window would be tomorrow's and today's routing could not reach it.
    freeze(time_machine, next_at(time(8, 0)))
    round = open_round(world)
    orders = _orders(world, round)
    services.pay_with_wallet(orders["joko"], actor=world.joko, idempotency_key=key())
    services.pay_with_wallet(orders["andi"], actor=world.andi, idempotency_key=key())
    services.close_round(round)
    with pytest.raises(Forbidden):
        services.mark_arrived(round, actor=world.joko)
    services.mark_arrived(round, actor=world.operator)
    services.mark_arrived(round, actor=world.operator)  # twice: nothing twice
    andi = HouseholdOrder.objects.get(pk=orders["andi"].pk)
    assert andi.market_order is not None
    delivery = Delivery.objects.get(order=andi.market_order)
    assert delivery.hub_id == world.hub.pk and delivery.pickup_from == Delivery.PickupFrom.HUB
    assert Delivery.objects.count() == 1  # joko picks up
    # The existing engine batches and routes it.
    job = antar.batch_now(world.hub, actor=world.operator)
    assert job is not None
    antar.run_routing_job(job.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED and delivery.courier is not None
    antar.mark_picked_up(delivery, actor=world.courier)
    antar.mark_delivered(delivery, actor=world.courier, otp=antar.otp_for(delivery))
    andi.refresh_from_db()
    assert selectors.delivered(andi)
    # Joko collects at the hub.
    joko = services.hand_over(orders["joko"], actor=world.operator)
    assert joko.status == HouseholdOrder.Status.HANDED_OVER
    # The hand-over order is not a second sale: the supplier cannot refund it (no bill, no
    # stock behind it) and the sales facts leave it out.
    handover = Order.objects.get(pk=andi.market_order_id)
    with pytest.raises(Conflict) as refused:
        market.transition(handover, "refund", actor=handover.shop.owner)
    assert refused.value.code == "handover_order"
    now = timezone.now()
    sold = Order.objects.filter(_sold(now - timedelta(days=1), now + timedelta(days=1)))
    assert handover.paid_at is not None and handover not in sold
    # Nor is it the supplier's work: the hub delivers it, so the shop's order tabs leave it out.
    shop = handover.shop
    listed = {row.order.pk for tab in seller_home.ALL_TABS for row in seller_home.seller_orders(shop, {"tab": tab})}
    assert handover.pk not in listed
    own = Order.objects.filter(shop=shop).exclude(payment_method=market.HANDOVER_PAYMENT)
    expected = {slug: own.filter(status__in=tab.statuses).count() for slug, tab in seller_home.ALL_TABS.items()}
    assert seller_home.tab_counts(shop) == expected


def test_rw_round_is_for_its_households(world: World) -> None:
    from apps.rtrw.models import RukunWarga

    rw2, _ = RukunWarga.objects.get_or_create(number=2)
    round = open_round(world, rw=rw2)
    with pytest.raises(Forbidden):
        services.place_order(world.joko, round, quantities={_items(round)["Telur ayam"]: 1})
    assert round not in selectors.rounds_for(world.joko)
    assert round in selectors.rounds_for(world.organiser)


def test_a_cancelled_order_gives_its_units_back_and_may_be_placed_again(world: World) -> None:
    round = open_round(world)
    telur = round.items.get(name="Telur ayam")
    order, _ = services.place_order(world.joko, round, quantities={telur.pk: 3})
    services.cancel_order(order, actor=world.joko)
    telur.refresh_from_db()
    assert telur.ordered == 0
    again, created = services.place_order(world.joko, round, quantities={telur.pk: 1})
    assert created and again.pk == order.pk and again.status == HouseholdOrder.Status.AWAITING_PAYMENT
    assert again.payment_request is not None and again.payment_request.amount == 27_000

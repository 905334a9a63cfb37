"""Problem 8 of issue 19: the courier's stop card shows the cash to collect (COD), call and
WhatsApp buttons built from the buyer's phone, the items, the address and the buyer's note; a
COD delivery is refused until the courier ticks that the cash was received."""

from __future__ import annotations

import pytest

from apps.fulfillment import selectors, services
from apps.fulfillment.models import Delivery
from apps.marketplace.models import Order

from .conftest import World, assigned, new_delivery, packed_order, signed_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "tel", "wa"),
    [
        ("0812-3456-7890", "tel:+6281234567890", "https://wa.me/6281234567890"),
        ("081234567890", "tel:+6281234567890", "https://wa.me/6281234567890"),
        ("6281234567890", "tel:+6281234567890", "https://wa.me/6281234567890"),
        ("+62 812 3456 7890", "tel:+6281234567890", "https://wa.me/6281234567890"),
        ("", "", ""),
        ("12", "", ""),
    ],
)
def test_contact_urls_normalise_indonesian_numbers(raw: str, tel: str, wa: str) -> None:
    assert selectors.contact_urls(raw) == (tel, wa)


def _routed_with_note(world: World) -> Delivery:
    world.joko.phone = "0812-3456-7890"
    world.joko.save(update_fields=["phone"])
    order = packed_order(world, quantity=2)
    Order.objects.filter(pk=order.pk).update(note="Pagar hijau, titip ke warung sebelah")
    delivery = new_delivery(world, order=order)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    return delivery


def test_stop_card_shows_cod_contacts_items_address_and_note(world: World) -> None:
    delivery = _routed_with_note(world)
    html = signed_in(world.tenant, world.andi).get("/antar/kurir/").content.decode()
    total = delivery.order.total
    assert f'data-testid="cod-{delivery.code}"' in html
    assert f"Rp{total // 1000}.{total % 1000:03d}" in html  # e.g. Rp29.000
    assert 'href="tel:+6281234567890"' in html and 'href="https://wa.me/6281234567890"' in html
    assert 'aria-label="Telepon Joko Santoso"' in html and 'aria-label="WhatsApp ke Joko Santoso"' in html
    assert "Nasi pecel × 2" in html
    assert "Jl. Mojorejo Gg. II No. 3" in html and "Pagar hijau, titip ke warung sebelah" in html


def test_paid_order_says_do_not_collect(world: World) -> None:
    delivery = assigned(world)
    Order.objects.filter(pk=delivery.order_id).update(payment_method="wallet")
    html = signed_in(world.tenant, world.andi).get("/antar/kurir/").content.decode()
    assert f'data-testid="paid-{delivery.code}"' in html and f'data-testid="cod-{delivery.code}"' not in html


def test_cod_delivery_needs_the_cash_ticked(world: World) -> None:
    delivery = assigned(world)
    phone = signed_in(world.tenant, world.andi)
    phone.post(f"/antar/kurir/{delivery.code}/ambil/", HTTP_HX_REQUEST="true")
    otp = services.otp_for(delivery)
    refused = phone.post(f"/antar/kurir/{delivery.code}/sampai/", {"otp": otp})
    assert refused.status_code == 422
    assert "sudah saya terima" in refused.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PICKED_UP
    done = phone.post(f"/antar/kurir/{delivery.code}/sampai/", {"otp": otp, "cod": "1"})
    assert done.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED


def test_api_callers_are_not_asked_for_the_tick(world: World) -> None:
    delivery = assigned(world)
    services.mark_picked_up(delivery, actor=world.andi)
    services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED

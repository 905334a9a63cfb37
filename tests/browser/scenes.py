"""Named builders of the committed data a browser journey starts from (its "scene").

Each journey's fixture picks the pieces it needs, inside `with tenant:`, so a journey reads as
what the user finds ("Bu Sri's stall with nasi pecel, a hub with courier Andi, Pak Joko's COD
order routed to him") rather than as service calls. `clean_up` removes what they made; call it
before building (a run that died leaves rows behind) and after the journey.

Everything goes through the apps' services, as the pages would, so the scene is a state the
product can really be in. The data is committed (the live server's threads read it), hence the
explicit clean-up.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.services import create_user
from apps.fulfillment import services as antar
from apps.fulfillment.models import Courier, Delivery, Hub
from apps.marketplace import services as market
from apps.marketplace.models import Shop, Variant
from apps.tenancy.models import Tenant
from apps.websessions.models import WebSession
from tests.conftest import PASSWORD
from tests.marketplace.conftest import wipe_marketplace

SHOP_POINT = (-7.6352, 111.5331)  # Jl. Mojorejo No. 12, Bu Sri's stall
HUB_POINT = (-7.637458, 111.534707)  # the balai's hub
HOME = (-7.6401, 111.5372)  # Pak Joko's house, ~400 m from the hub: the base delivery fee
HOME_ADDRESS = "Jl. Mojorejo Gg. II No. 3"

# Deleted with triggers off (session_replication_role = replica): deliveries and routes refer
# to each other and to marketplace rows that wipe_marketplace removes afterwards.
FULFILLMENT_TABLES = [
    "fulfillment_courierearning",
    "core_event",  # audit events (apps.core.audit)
    "fulfillment_routestop",
    "fulfillment_delivery",
    "fulfillment_route",
    "fulfillment_routingjob",
    "fulfillment_batch",
    "fulfillment_courierping",
    "fulfillment_courier",
    "fulfillment_consignmentmovement",
    "fulfillment_hub_operators",
    "fulfillment_hub",
]
SEMBAKO_TABLES = ["sembako_householdorder", "sembako_rounditem", "sembako_round"]


def person(username: str, full_name: str, role: str, *, staff: bool = False, phone: str = "") -> User:
    """A user who signs in with tests.conftest.PASSWORD; `staff` also opens the admin and the hub pages."""
    user = create_user(username=username, full_name=full_name, roles=[role], password=PASSWORD)
    fields = []
    if staff:
        user.is_staff = True
        fields.append("is_staff")
    if phone:
        user.phone = phone
        fields.append("phone")
    if fields:
        user.save(update_fields=fields)
    return user


def shop_with_products(
    owner: User,
    products: Sequence[tuple[str, str, int, int]],
    *,
    name: str = "Pecel Bu Sri",
    address: str = "Jl. Mojorejo No. 12",
    hub_delivery: bool = False,
) -> tuple[Shop, list[Variant]]:
    """`owner`'s open shop and one variant per (product name, SKU, price, stock). A shop with
    hub delivery stands on the map (SHOP_POINT): the hub fetches parcels there."""
    where: dict[str, Any] = {"lat": SHOP_POINT[0], "lng": SHOP_POINT[1]} if hub_delivery else {}
    shop = market.open_shop(owner, name=name, address=address, offers_hub_delivery=hub_delivery, **where)
    variants = [
        market.create_product(
            shop, owner, name=product, variants=[market.VariantSpec(sku=sku, price=price, stock=stock)]
        ).variants.get()
        for product, sku, price, stock in products
    ]
    return shop, variants


def hub(actor: User, *, code: str, name: str = "Hub Mojorejo", operators: Iterable[User] = ()) -> Hub:
    """An always-open hub (no opening hours) at HUB_POINT, created by staff `actor`."""
    return antar.create_hub(
        actor=actor, code=code, name=name, lat=HUB_POINT[0], lng=HUB_POINT[1], operators=list(operators)
    )


def hub_with_courier(actor: User, courier: User, *, code: str, name: str = "Hub Mojorejo") -> tuple[Hub, Courier]:
    """A hub (see `hub`) and `courier` on a motor based there, on shift all day."""
    made = hub(actor, code=code, name=name)
    rider = antar.register_courier(
        courier, actor=actor, vehicle="motor", home_hub=made, shift_start=time(0), shift_end=time(23, 59, 59)
    )
    return made, rider


def sembako_round(organiser: User, supplier: User, hub: Hub, *, sku_prefix: str) -> Any:
    """An open Sembako Pintar round of `organiser` at `hub`: rice from `supplier`'s new grocery
    (Rp12.500/kg in the round) and eggs as a free item; closes tomorrow. Its rows go with
    `clean_up(..., sembako=True)`."""
    from apps.sembako import services as sembako

    shop = market.open_shop(supplier, name=f"Grosir {supplier}", address="Jl. Mojorejo Gg. IV No. 9")
    rice = market.create_product(
        shop,
        supplier,
        name="Beras medium",
        variants=[market.VariantSpec(sku=f"{sku_prefix}BRS", price=12_000, stock=100)],
    ).variants.get()
    return sembako.open_round(
        organiser,
        title="Sembako Pintar RW 01",
        closes_at=timezone.now() + timedelta(days=1),
        hub=hub,
        items=[
            sembako.ItemSpec(variant=rice.pk, unit="kg", price=12_500),
            sembako.ItemSpec(name="Telur ayam", unit="kg", price=27_000),
        ],
    )


def hub_order(
    buyer: User,
    seller: User,
    variant: Variant,
    *,
    quantity: int = 1,
    note: str = "",
    address: str = HOME_ADDRESS,
    picked: tuple[float, float] = HOME,
) -> Delivery:
    """`buyer`'s cash-on-delivery hub order of `variant`, accepted and packed by `seller` and
    sent through the hub to HOME. `picked`: the point chosen at checkout (the drop-off is HOME)."""
    order = market.place_orders(
        buyer,
        [(variant.pk, quantity)],
        idempotency_key=f"scene-{uuid.uuid4().hex}",
        delivery="hub",
        address=address,
        lat=str(picked[0]),
        lng=str(picked[1]),
        note=note,
    ).orders[0]
    market.pay_order(order, "cod", payer=buyer, idempotency_key=f"scene-pay-{uuid.uuid4().hex}")
    market.transition(order, "accept", actor=seller)
    market.transition(order, "pack", actor=seller)
    now = timezone.now()
    return antar.create_delivery(
        order,
        actor=seller,
        lat=HOME[0],
        lng=HOME[1],
        address=address,
        window_start=now,
        window_end=now + timedelta(hours=6),
    )


def routed(delivery: Delivery, hub: Hub, actor: User) -> Delivery:
    """`delivery` after `actor` closed the hub's batch and the routing job ran: assigned."""
    job = antar.batch_now(hub, actor=actor)
    assert job is not None
    antar.run_routing_job(job.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    return delivery


def clean_up(
    tenant: Tenant,
    usernames: Sequence[str],
    session_keys: Iterable[str] = (),
    *,
    fulfillment: bool = False,
    kept_users: Sequence[str] = (),
    sembako: bool = False,
) -> None:
    """Remove the journey's sessions, the users `usernames` with their sign-in records, and
    every marketplace and payments row of `tenant` (and every fulfillment row with
    `fulfillment`). `kept_users`: existing users (the seeded "admin") whose sign-in records go
    but who stay."""
    signed_in = [*usernames, *kept_users]
    connection.set_schema_to_public()
    with tenant:
        WebSession.objects.filter(session_key__in=list(session_keys)).delete()
        forget_login_records(signed_in)
        if fulfillment or sembako:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                for table in [*(SEMBAKO_TABLES if sembako else []), *(FULFILLMENT_TABLES if fulfillment else [])]:
                    cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenant, list(usernames))


def sign_in(
    page: Any, server: Any, host: str, username: str, session_keys: list[str] | None = None, *, landing: str = "/"
) -> None:
    """Sign `username` in on a clean browser (the previous user's cookies cleared) through the
    sign-in form, and wait for `landing`. The new session's key goes to `session_keys` (the
    scene's clean-up deletes it)."""
    page.context.clear_cookies()
    login = "/akun/masuk/" if landing == "/" else f"/akun/masuk/?next={landing}"
    page.goto(server.url(host, login))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(host, landing))
    if session_keys is not None:
        session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

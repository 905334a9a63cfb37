"""Pasar UMKM demo for each kelurahan: Bu Sri's "Pecel Madiun Bu Sri" with its products, a
second shop (Bu Yati's oleh-oleh, a neighbour in RT 02/RW 01) so carts span shops, and Pak
Joko's completed orders (one paid from his KotaKitaPay wallet, one cash on delivery across
both shops) with reviews, and two of his orders still open in Bu Sri's seller home (one new,
one accepted). Bu Sri accepts invoice terms (net 14) from business buyers: Bu Yati restocks
sambal and brem for her oleh-oleh shop on a faktur, delivered (apps.invoicing's demo issues the
invoice). Idempotent: fixed SKUs and idempotency keys, nothing is made twice.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

from . import feed, lifecycle, services
from .models import Order, Placement, Review, Shop, Variant

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "KotaKita-Demo-2026"  # the password apps.demo.seed gives every demo account  # noqa: S105

# (name, description, categories, [(sku, variant, price, stock)])
SRI_PRODUCTS = [
    (
        "Nasi pecel",
        "Nasi pecel khas Madiun: sayur rebus, sambal kacang, rempeyek, tempe goreng.",
        ["Makanan"],
        [("PCL-NASI-1", "Porsi biasa", 12_000, 30), ("PCL-NASI-2", "Porsi + telur", 15_000, 20)],
    ),
    (
        "Sambal pecel 250 g",
        "Bumbu pecel kacang tanah, tahan 2 bulan. Tinggal seduh air panas.",
        ["Bumbu", "Oleh-oleh"],
        [("PCL-SMB-250", "250 g", 25_000, 40), ("PCL-SMB-500", "500 g", 45_000, 15)],
    ),
    ("Brem Madiun", "Brem padat manis asli Madiun, kotak isi 10.", ["Oleh-oleh"], [("PCL-BREM-10", "", 20_000, 25)]),
    ("Keripik tempe", "Keripik tempe renyah, bumbu bawang.", ["Camilan"], [("PCL-KRP-TMP", "200 g", 15_000, 35)]),
    ("Rempeyek kacang", "Rempeyek kacang tanah, toples kecil.", ["Camilan"], [("PCL-RMP-KCG", "", 12_000, 20)]),
]
YATI_PRODUCTS = [
    ("Madumongso", "Madumongso ketan hitam, bungkus kertas minyak.", ["Oleh-oleh"], [("YT-MDM", "250 g", 18_000, 30)]),
    ("Kerupuk puli", "Kerupuk nasi (puli) mentah, siap goreng.", ["Camilan"], [("YT-PULI", "500 g", 10_000, 40)]),
    ("Kopi bubuk Madiun", "Kopi robusta Kare, bubuk halus.", ["Minuman"], [("YT-KOPI", "200 g", 25_000, 25)]),
]


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    sri = User.objects.filter(username="bu-sri").first()
    joko = User.objects.filter(username="pak-joko").first()
    if sri is None or joko is None:
        return
    yati = _yati()
    pecel = _shop(
        sri,
        "Pecel Madiun Bu Sri",
        address="Jl. Mojorejo No. 12",
        offset=("0.0008", "0.0006"),
        hours=("06:00", "14:00"),
        own_delivery_fee=5_000,
        tenant=tenant,
        payment_account_code=f"merchant:{sri.pk}:pecel",  # the stall account apps.payments' demo opened
    )
    oleh = _shop(
        yati,
        "Oleh-oleh Bu Yati",
        address="Jl. Mojorejo Gg. IV No. 7",
        offset=("-0.0006", "0.0009"),
        hours=("08:00", "20:00"),
        own_delivery_fee=4_000,
        tenant=tenant,
    )
    _products(pecel, sri, SRI_PRODUCTS)
    _products(oleh, yati, YATI_PRODUCTS)

    first = _completed_order(
        joko,
        [("PCL-NASI-1", 2), ("PCL-KRP-TMP", 1), ("PCL-SMB-250", 1)],
        key="demo:pak-joko:pasar-1",
        payment="wallet",
    )
    second = _completed_order(
        joko, [("PCL-BREM-10", 1), ("YT-MDM", 2), ("PCL-KRP-TMP", 1)], key="demo:pak-joko:pasar-2", payment="cod"
    )
    for order in first:
        _review(order, joko, 5, "Pecelnya mantap, sambalnya pas. Pengiriman cepat.")
        for line in order.lines.all():
            _review(order, joko, 5, "Enak!", line_id=line.pk)
    for order in second:
        _review(order, joko, 4, "Oleh-olehnya rapi, cocok buat keluarga.")
    # Bu Sri's seller home (/pasar/toko/<slug>/pesanan/) has work waiting: a new order to accept
    # or reject, and an accepted one to pack and send.
    _open_order(joko, [("PCL-NASI-2", 2), ("PCL-RMP-KCG", 1)], key="demo:pak-joko:pasar-baru", steps=())
    _open_order(joko, [("PCL-SMB-500", 1)], key="demo:pak-joko:pasar-kirim", steps=("accept",))
    _b2b_order(pecel, yati)
    feed.resync_all()


B2B_KEY = "demo:bu-yati:grosir"


def _b2b_order(shop: Shop, buyer: User) -> None:
    """A business buyer's order on invoice terms, delivered: the shop's invoice follows."""
    if not shop.accepts_invoice:
        services.update_shop(shop, shop.owner, accepts_invoice=True, invoice_terms_days=14)
    if Placement.objects.filter(key=B2B_KEY).exists():
        return
    variants = {v.sku: v for v in Variant.objects.filter(shop=shop, sku__in=["PCL-SMB-250", "PCL-BREM-10"])}
    wanted = [(variants[sku].pk, n) for sku, n in (("PCL-SMB-250", 10), ("PCL-BREM-10", 5)) if sku in variants]
    if not wanted:
        return
    result = services.place_and_pay(
        buyer,
        wanted,
        idempotency_key=B2B_KEY,
        payment_method=services.INVOICE_METHOD,
        delivery="own",
        address="Jl. Mojorejo Gg. IV No. 7",
        note="Stok oleh-oleh, bayar tempo 14 hari",
    )
    for order in result.orders:
        for action in ("accept", "pack", "ship", "deliver"):
            services.transition(order, action, actor=order.shop.owner)


def _yati() -> User:
    yati = User.objects.filter(username="bu-yati").first()
    if yati is None:
        yati = create_user(
            username="bu-yati",
            full_name="Suryati (Oleh-oleh Bu Yati)",
            roles=[Role.PEMILIK_UMKM],
            password=DEMO_PASSWORD,
            email="bu-yati@example.id",
        )
    rw1 = RukunWarga.objects.filter(number=1).first()
    rt2 = RukunTetangga.objects.filter(rw=rw1, number=2).first() if rw1 else None
    if rt2 is not None:
        Residency.objects.get_or_create(user=yati, defaults={"rt": rt2, "address": "Jl. Mojorejo Gg. IV No. 7"})
    return yati


def _shop(
    owner: User,
    name: str,
    *,
    address: str,
    offset: tuple[str, str],
    hours: tuple[str, str],
    own_delivery_fee: int,
    tenant: Tenant,
    payment_account_code: str = "",
) -> Shop:
    shop = Shop.objects.filter(owner=owner, name=name).first()
    if shop is not None:
        return shop
    lat = lng = None
    if tenant.lat is not None and tenant.lng is not None:
        lat, lng = tenant.lat + Decimal(offset[0]), tenant.lng + Decimal(offset[1])
    return services.open_shop(
        owner,
        name=name,
        address=address,
        description="",
        lat=lat,
        lng=lng,
        opening_hours={str(day): list(hours) for day in range(6)},
        offers_pickup=True,
        offers_hub_delivery=True,
        offers_own_delivery=True,
        own_delivery_fee=own_delivery_fee,
        payment_account_code=payment_account_code,
    )


def _products(
    shop: Shop, owner: User, catalogue: list[tuple[str, str, list[str], list[tuple[str, str, int, int]]]]
) -> None:
    for name, description, categories, variants in catalogue:
        if Variant.objects.filter(shop=shop, sku=variants[0][0]).exists():
            continue
        services.create_product(
            shop,
            owner,
            name=name,
            description=description,
            categories=categories,
            variants=[
                services.VariantSpec(sku=sku, name=label, price=price, stock=stock)
                for sku, label, price, stock in variants
            ],
        )


def _completed_order(buyer: User, items: list[tuple[str, int]], *, key: str, payment: str) -> list[Order]:
    existing = Placement.objects.filter(key=key).first()
    if existing is not None:
        return list(existing.orders.order_by("pk"))
    variants = {v.sku: v for v in Variant.objects.filter(sku__in=[sku for sku, _n in items])}
    wanted = [(variants[sku].pk, n) for sku, n in items if sku in variants]
    try:
        result = services.place_and_pay(
            buyer,
            wanted,
            idempotency_key=key,
            payment_method=payment,
            delivery="own",
            address="Jl. Mojorejo Gg. II No. 3",
        )
    except Conflict as exc:  # e.g. the wallet is short in this tenant: pay cash instead
        logger.info("marketplace demo: %s paid cash instead: %s", key, exc.message)
        result = services.place_and_pay(
            buyer,
            wanted,
            idempotency_key=key,
            payment_method="cod",
            delivery="own",
            address="Jl. Mojorejo Gg. II No. 3",
        )
    for order in result.orders:
        owner = order.shop.owner
        for action in ("accept", "pack", "ship", "deliver"):
            order.refresh_from_db()
            if action in _possible(order):
                services.transition(order, action, actor=owner)
        order.refresh_from_db()
        if order.status == lifecycle.Status.DELIVERED:
            services.transition(order, "complete", actor=buyer)
    return list(Order.objects.filter(placement=result.placement).order_by("pk"))


def _open_order(buyer: User, items: list[tuple[str, int]], *, key: str, steps: tuple[str, ...]) -> None:
    """An order still in progress, cash on delivery, taken by its shop through `steps`."""
    if Placement.objects.filter(key=key).exists():
        return
    variants = {v.sku: v for v in Variant.objects.filter(sku__in=[sku for sku, _n in items])}
    wanted = [(variants[sku].pk, n) for sku, n in items if sku in variants]
    result = services.place_and_pay(
        buyer, wanted, idempotency_key=key, payment_method="cod", delivery="own", address="Jl. Mojorejo Gg. II No. 3"
    )
    for order in result.orders:
        for action in steps:
            services.transition(order, action, actor=order.shop.owner)


def _possible(order: Order) -> set[str]:
    return set(lifecycle.ORDER.allowed(order.status))


def _review(order: Order, buyer: User, rating: int, comment: str, *, line_id: int | None = None) -> None:
    order.refresh_from_db()
    if order.status != lifecycle.Status.COMPLETED:
        return
    exists = (
        Review.objects.filter(line_id=line_id).exists()
        if line_id is not None
        else Review.objects.filter(order=order, line__isnull=True).exists()
    )
    if not exists:
        services.add_review(order, buyer, rating=rating, comment=comment, line_id=line_id)

"""Pilot-sized data for bench/web.py (not a test): one kelurahan of Kota Madiun, built through the
project's services on a throw-away database.

What is built (all in the kelurahan's schema unless said otherwise):

* the kota (Kota Madiun, 35.77) and the kelurahan (Mojorejo, 35.77.03.1001) through
  `activate_region`, the kota first so the kelurahan has its parent;
* 5 RW × 4 RT; a lurah and a warga who sign in (real passwords, PBKDF2 as in production),
  SHOPS pemilik UMKM and BUYERS warga (`create_user`, no password), each with a residency;
* SHOPS shops (`open_shop`: stock location + settlement account), PRODUCTS products with 1–3
  variants each and their stock (`create_product`: categories, search document, listing sync);
* ORDERS checkouts (`place_and_pay`, cash on delivery, pickup; 1–3 lines, sometimes across
  two shops, so ~1,200 orders), about 30% moved on to completed with `transition`;
* REPORTS laporan warga (`submit_report`) in 6 categories within 1.5 km of the centre, a third
  verified, some started/resolved;
* then `created_at` of orders and reports is spread over the last 60 days with one UPDATE each
  (the only direct write: services stamp "now"), and the daily facts of those 60 days are
  rolled up (`rollup_tenant_day`) so the dashboard has figures.

Everything goes through services (with their audit rows, events and checks); nothing is
bulk-inserted. On 2 cores this takes ~2–4 minutes; bench/web.py keeps the database and reuses
it while the counts match (`--rebuild` forces a new one).
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from benchlib import log

KOTA = "35.77"
KELURAHAN = "35.77.03.1001"  # Mojorejo, the pilot
SHOPS = 300
PRODUCTS_PER_SHOP = 10
PRODUCTS = SHOPS * PRODUCTS_PER_SHOP
ORDERS = 1_000
REPORTS = 300
BUYERS = 200
SPREAD_DAYS = 60
BENCH_PASSWORD = "Bench-Web-Sandi-2026-x7Q"  # noqa: S105 - throw-away database only
LURAH = "bench-lurah"
WARGA = "bench-warga"

NOUNS = [
    "Pecel",
    "Brem",
    "Madumongso",
    "Keripik tempe",
    "Rempeyek",
    "Sambal pecel",
    "Kopi bubuk",
    "Kerupuk puli",
    "Lempeng",
    "Jenang",
    "Batik tulis",
    "Tas anyaman",
    "Gula aren",
    "Emping",
    "Sale pisang",
    "Wingko",
    "Tahu takwa",
    "Bakpia",
    "Kue lumpur",
    "Nasi jotos",
]
ADJECTIVES = ["manis", "pedas", "renyah", "asli", "premium", "super", "spesial", "khas Madiun", "original", "mini"]
CATEGORIES = ["Makanan", "Minuman", "Camilan", "Oleh-oleh", "Bumbu", "Kerajinan", "Fashion", "Sembako"]
SHOP_WORDS = ["Warung", "Toko", "Kedai", "Dapur", "Griya", "Omah", "Pawon", "Lapak"]
REPORT_TEXT = [
    "Aspal berlubang di depan gang, rawan motor jatuh saat malam.",
    "Sampah menumpuk di TPS sementara sejak minggu lalu.",
    "Lampu jalan mati tiga tiang berturut-turut menuju musala.",
    "Selokan tersumbat lumpur, air meluap setiap hujan deras.",
    "Balap liar tengah malam di jalan utama kampung.",
    "Pohon tumbang menutup sebagian jalan lingkungan.",
]


@dataclass(frozen=True)
class Sizes:
    shops: int
    products: int
    checkouts: int
    reports: int


EXPECTED = Sizes(shops=SHOPS, products=PRODUCTS, checkouts=ORDERS, reports=REPORTS)


def current_sizes(tenant: Any) -> Sizes:
    from apps.marketplace.models import Placement, Product, Shop
    from apps.reports.models import Report

    with tenant:
        return Sizes(
            shops=Shop.objects.count(),
            products=Product.objects.count(),
            checkouts=Placement.objects.count(),
            reports=Report.objects.count(),
        )


def describe(tenant: Any) -> str:
    from apps.marketplace.models import Order, Product, Shop, Variant
    from apps.reports.models import Report

    with tenant:
        return (
            f"1 kelurahan (+ its kota): {Shop.objects.count()} shops, {Product.objects.count()} products "
            f"({Variant.objects.count()} variants), {ORDERS} checkouts = {Order.objects.count()} orders, "
            f"{Report.objects.count()} reports"
        )


def bench_tenant() -> Any:
    from apps.tenancy.models import Tenant

    return Tenant.objects.filter(region_id=KELURAHAN).first()


def _categories_for_reports() -> list[Any]:
    from apps.reports import services as reports
    from apps.reports.models import Category
    from apps.rtrw.models import RukunTetangga, RukunWarga

    rw = RukunWarga.objects.get(number=1)
    rt = RukunTetangga.objects.get(rw=rw, number=1)
    pupr = reports.ensure_opd(code="dinas-pupr", name="Dinas Pekerjaan Umum dan Penataan Ruang Kota Madiun")
    dlh = reports.ensure_opd(code="dlh", name="Dinas Lingkungan Hidup Kota Madiun")
    dishub = reports.ensure_opd(code="dishub", name="Dinas Perhubungan Kota Madiun")
    specs: list[dict[str, Any]] = [
        {
            "code": "jalan-rusak",
            "name": "Jalan rusak",
            "unit": Category.Unit.OPD,
            "opd": pupr,
            "group": "Infrastruktur",
        },
        {"code": "sampah", "name": "Sampah", "unit": Category.Unit.OPD, "opd": dlh, "group": "Lingkungan"},
        {
            "code": "lampu-jalan",
            "name": "Lampu jalan mati",
            "unit": Category.Unit.OPD,
            "opd": dishub,
            "group": "Infrastruktur",
        },
        {
            "code": "saluran-air",
            "name": "Saluran air tersumbat",
            "unit": Category.Unit.RW,
            "rw": rw,
            "group": "Lingkungan",
        },
        {"code": "keamanan", "name": "Keamanan", "unit": Category.Unit.RT, "rt": rt, "group": "Ketertiban"},
        {"code": "lainnya", "name": "Lainnya", "unit": Category.Unit.KELURAHAN, "group": "Umum"},
    ]
    return [
        reports.ensure_category(description=spec["name"], sla_hours=72, escalation_hours=168, order=i, **spec)
        for i, spec in enumerate(specs, start=1)
    ]


def _people(rng: random.Random) -> tuple[Any, Any, list[Any], list[Any]]:
    from apps.accounts.roles import Role
    from apps.accounts.services import create_user
    from apps.rtrw.models import Residency, RukunTetangga, RukunWarga

    rts = []
    for rw_number in range(1, 6):
        rw = RukunWarga.objects.create(number=rw_number)
        rts += [RukunTetangga.objects.create(rw=rw, number=n) for n in range(1, 5)]
    lurah = create_user(username=LURAH, full_name="Lurah Bench", roles=[Role.LURAH], password=BENCH_PASSWORD)
    warga = create_user(username=WARGA, full_name="Warga Bench", roles=[Role.WARGA], password=BENCH_PASSWORD)
    owners = [
        create_user(username=f"umkm-{i:03d}", full_name=f"Pemilik UMKM {i:03d}", roles=[Role.PEMILIK_UMKM])
        for i in range(SHOPS)
    ]
    buyers = [warga] + [
        create_user(username=f"warga-{i:03d}", full_name=f"Warga {i:03d}", roles=[Role.WARGA]) for i in range(BUYERS)
    ]
    Residency.objects.bulk_create(
        Residency(
            user=user, rt=rng.choice(rts), address=f"Jl. Mojorejo Gg. {rng.randint(1, 12)} No. {rng.randint(1, 80)}"
        )
        for user in [*owners, *buyers]
    )
    return lurah, warga, owners, buyers


def _offset(rng: random.Random, centre: Decimal | None, spread: float) -> Decimal | None:
    if centre is None:
        return None
    return (centre + Decimal(str(round(rng.uniform(-spread, spread), 6)))).quantize(Decimal("0.000001"))


def _shops_and_products(rng: random.Random, tenant: Any, owners: list[Any]) -> list[list[int]]:
    """SHOPS shops with PRODUCTS_PER_SHOP products each; the variant ids per shop."""
    from apps.marketplace import services as market

    variants_by_shop: list[list[int]] = []
    for i, owner in enumerate(owners):
        shop = market.open_shop(
            owner,
            name=f"{rng.choice(SHOP_WORDS)} {rng.choice(NOUNS)} {i:03d}",
            address=f"Jl. Mojorejo No. {i + 1}",
            description="Produk UMKM Mojorejo, dibuat sendiri setiap hari.",
            lat=_offset(rng, tenant.lat, 0.008),
            lng=_offset(rng, tenant.lng, 0.008),
            opening_hours={str(day): ["07:00", "20:00"] for day in range(7)},
            offers_pickup=True,
            offers_own_delivery=rng.random() < 0.5,
            own_delivery_fee=5_000,
        )
        ids: list[int] = []
        for n in range(PRODUCTS_PER_SHOP):
            noun = rng.choice(NOUNS)
            specs = [
                market.VariantSpec(
                    sku=f"S{i:03d}-P{n:02d}-V{v}",
                    name=["", "250 g", "500 g"][v] if v else "",
                    price=rng.randrange(5_000, 150_000, 500),
                    stock=rng.randint(50, 500),
                )
                for v in range(rng.choice([1, 1, 2, 3]))
            ]
            product = market.create_product(
                shop,
                owner,
                name=f"{noun} {rng.choice(ADJECTIVES)} {n:02d}",
                description=f"{noun} buatan {shop.name}. Bahan pilihan, tanpa pengawet, cocok untuk oleh-oleh.",
                categories=rng.sample(CATEGORIES, rng.choice([1, 1, 2])),
                variants=specs,
            )
            ids += list(product.variants.values_list("pk", flat=True))
        variants_by_shop.append(ids)
        if (i + 1) % 50 == 0:
            log(f"  {i + 1}/{len(owners)} shops with {PRODUCTS_PER_SHOP} products each")
    return variants_by_shop


def _orders(rng: random.Random, buyers: list[Any], variants_by_shop: list[list[int]]) -> None:
    from apps.marketplace import lifecycle
    from apps.marketplace import services as market

    for i in range(ORDERS):
        buyer = rng.choice(buyers)
        shops = rng.sample(range(len(variants_by_shop)), 2 if rng.random() < 0.2 else 1)
        items: dict[int, int] = {}
        for shop in shops:
            for variant in rng.sample(variants_by_shop[shop], min(len(variants_by_shop[shop]), rng.randint(1, 2))):
                items[variant] = rng.randint(1, 3)
        result = market.place_and_pay(
            buyer, list(items.items()), idempotency_key=f"bench-web-{i}", payment_method="cod", delivery="pickup"
        )
        if rng.random() < 0.3:
            for order in result.orders:
                for action in ("accept", "pack", "ship", "deliver", "complete"):
                    order.refresh_from_db()
                    if action in lifecycle.ORDER.allowed(order.status):
                        market.transition(order, action, actor=buyer if action == "complete" else order.shop.owner)
        if (i + 1) % 250 == 0:
            log(f"  {i + 1}/{ORDERS} checkouts")


def _reports(rng: random.Random, tenant: Any, lurah: Any, buyers: list[Any]) -> None:
    from apps.reports import services as reports

    categories = _categories_for_reports()
    for i in range(REPORTS):
        category = categories[i % len(categories)]
        report = reports.submit_report(
            category=category,
            description=f"{rng.choice(REPORT_TEXT)} (laporan {i + 1})",
            lat=_offset(rng, tenant.lat, 0.012),
            lng=_offset(rng, tenant.lng, 0.012),
            reporter=rng.choice(buyers),
        )
        roll = rng.random()
        if roll < 0.35:
            reports.verify(report, lurah, "Sudah dicek petugas.")
        if roll < 0.2:
            reports.start_work(report, lurah, "Dalam pengerjaan.")
        if roll < 0.1:
            reports.resolve(report, lurah, "Sudah diperbaiki.")


def _spread_dates(rng: random.Random) -> None:
    """Orders and reports over the last SPREAD_DAYS days (services stamp everything 'now')."""
    from django.db import connection

    days = SPREAD_DAYS
    seed = rng.random()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [seed])
        cursor.execute(
            "UPDATE marketplace_order SET created_at = created_at - (random() * %s) * interval '1 day'", [days]
        )
        cursor.execute(
            "UPDATE reports_report SET created_at = created_at - (random() * %s) * interval '1 day', "
            "status_changed_at = status_changed_at - (random() * %s) * interval '1 day'",
            [days, days],
        )


def _rollup(tenant: Any) -> None:
    from django.utils import timezone

    from apps.analytics import services as analytics

    today = timezone.localdate()
    for back in range(SPREAD_DAYS, -1, -1):
        analytics.rollup_tenant_day(tenant, today - datetime.timedelta(days=back))


def build(seed: int = 16) -> Any:
    """The whole data set on a freshly migrated database; returns the kelurahan tenant."""
    from django.core.cache import cache
    from django.db import connection

    from apps.analytics import services as analytics
    from apps.tenancy.services import activate_region

    rng = random.Random(seed)
    connection.set_schema_to_public()
    activate_region(KOTA, refill_pool=False)
    tenant = activate_region(KELURAHAN, refill_pool=False).tenant
    with tenant:
        # Celery is eager here, so the debounced "roll up today" after every paid order or
        # report would run each time (~0.5 s); hold its debounce key instead, roll up once at the end.
        cache.set(analytics.debounce_key(tenant.pk), 1, None)
        log(f"people: lurah, warga, {SHOPS} pemilik UMKM, {BUYERS} warga, residencies")
        lurah, _warga, owners, buyers = _people(rng)
        log(f"{SHOPS} shops, {PRODUCTS} products (create_product)")
        variants_by_shop = _shops_and_products(rng, tenant, owners)
        log(f"{ORDERS} checkouts (place_and_pay, cash on delivery)")
        _orders(rng, buyers, variants_by_shop)
        log(f"{REPORTS} reports (submit_report)")
        _reports(rng, tenant, lurah, buyers)
        _spread_dates(rng)
        cache.delete(analytics.debounce_key(tenant.pk))
    connection.set_schema_to_public()
    log(f"daily facts of the last {SPREAD_DAYS} days (rollup_tenant_day)")
    _rollup(tenant)
    return tenant

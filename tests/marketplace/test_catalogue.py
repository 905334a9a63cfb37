"""Shops, products, variants and stock: rules, bad input, and search for Indonesian names."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.marketplace import selectors, services
from apps.marketplace.models import Product, Shop, Stock, StockLocation, Variant
from tests.images import PNG
from tests.marketplace.conftest import Market, product

pytestmark = pytest.mark.django_db


def test_an_umkm_owner_opens_a_shop_with_its_own_location_and_settlement_account(market: Market) -> None:
    shop = services.open_shop(
        market.sri,
        name="Warung Kopi Bu Sri",
        address="Jl. Mojorejo No. 12",
        lat="-7.6298",
        lng="111.5239",
        opening_hours={"0": ["07:00", "14:00"], 5: ["07.00", "12.00"]},
        offers_pickup=False,
        offers_hub_delivery=True,
        photo=SimpleUploadedFile("warung.png", PNG, content_type="image/png"),
    )
    assert shop.slug == "warung-kopi-bu-sri"
    assert shop.opening_hours == {"0": ["07:00", "14:00"], "5": ["07:00", "12:00"]}
    assert shop.delivery_methods() == ["hub"]
    assert shop.photo_type == "image/png" and shop.photo.name.endswith(".png")
    assert StockLocation.objects.get(shop=shop).kind == StockLocation.Kind.SHOP
    assert shop.payment_account is not None and shop.payment_account.owner == market.sri


def test_only_umkm_owners_open_shops(market: Market) -> None:
    with pytest.raises(Forbidden):
        services.open_shop(market.joko, name="Toko Joko", address="Gg. II")
    assert not Shop.objects.filter(owner=market.joko).exists()


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": "  "}, "required"),
        ({"lat": "-7.6", "lng": "200"}, "invalid_location"),
        ({"opening_hours": {"0": ["14:00", "07:00"]}}, "invalid_hours"),
        ({"opening_hours": {"9": ["07:00", "14:00"]}}, "invalid_hours"),
        ({"offers_pickup": False}, "no_delivery"),
        ({"own_delivery_fee": -1000, "offers_own_delivery": True}, "invalid_fee"),
    ],
)
def test_bad_shop_input_is_refused_and_nothing_is_made(market: Market, fields: dict[str, object], code: str) -> None:
    before = Shop.objects.count()
    params: dict[str, object] = {"name": "Toko Baru", "address": "Jl. Baru 1", **fields}
    with pytest.raises(ValidationFailed) as caught:
        services.open_shop(market.sri, **params)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert Shop.objects.count() == before


def test_a_product_has_variants_with_prices_and_stock(market: Market) -> None:
    made = services.create_product(
        market.pecel,
        market.sri,
        name="Sambal pecel",
        categories=["Bumbu", "Oleh-oleh", "bumbu"],
        variants=[
            services.VariantSpec(sku="SMB-250", name="250 g", price="25.000", stock=10),
            services.VariantSpec(sku="SMB-500", name="500 g", price=45_000, stock=3),
        ],
    )
    assert sorted(c.name for c in made.categories.all()) == ["Bumbu", "Oleh-oleh"]
    prices = dict(made.variants.values_list("sku", "price"))
    assert prices == {"SMB-250": 25_000, "SMB-500": 45_000}
    assert Stock.objects.get(variant__sku="SMB-500").quantity == 3
    assert made.search_name.startswith("sambal pecel 250 g 500 bumbu")


@pytest.mark.parametrize(
    ("price", "stock", "code"),
    [
        (-5000, 1, "invalid_price"),
        (0, 1, "invalid_price"),
        ("12,5", 1, "invalid_price"),
        (1000, -1, "invalid_quantity"),
    ],
)
def test_negative_prices_and_quantities_are_refused_and_nothing_is_written(
    market: Market, price: object, stock: object, code: str
) -> None:
    before = (Product.objects.count(), Variant.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        services.create_product(
            market.pecel,
            market.sri,
            name="Produk gagal",
            variants=[services.VariantSpec(sku="X-1", price=price, stock=stock)],
        )
    assert caught.value.code == code
    assert (Product.objects.count(), Variant.objects.count()) == before


def test_a_sku_is_unique_within_a_shop_but_not_across_shops(market: Market) -> None:
    with pytest.raises(Conflict):
        product(market.pecel, market.sri, "Nasi pecel lagi", "pcl-nasi", 10_000, 1)
    assert product(market.oleh, market.yati, "Nasi pecel Bu Yati", "PCL-NASI", 10_000, 1).shop == market.oleh


def test_only_the_owner_changes_a_shops_catalogue(market: Market) -> None:
    with pytest.raises(Forbidden):
        services.update_variant(market.nasi, market.yati, price=1)
    with pytest.raises(Forbidden):
        services.set_stock(market.nasi, 99, actor=market.joko)
    market.nasi.refresh_from_db()
    assert market.nasi.price == 12_000


def test_stock_cannot_be_set_below_what_orders_hold(market: Market) -> None:
    services.place_orders(market.joko, [(market.sambal.pk, 4)], idempotency_key="k1")
    with pytest.raises(Conflict) as caught:
        services.set_stock(market.sambal, 3, actor=market.sri)
    assert caught.value.code == "below_allocated"
    assert services.set_stock(market.sambal, 4, actor=market.sri).quantity == 4


def test_stock_at_a_hub_is_a_generic_location(market: Market) -> None:
    admin = create_user(username="staf", roles=[Role.ADMIN])
    hub = services.create_hub(code="hub-mojorejo", name="Hub Mojorejo", actor=admin)
    services.set_stock(market.sambal, 7, actor=market.sri, location=hub)
    assert selectors.available_by_variant([market.sambal.pk]) == {market.sambal.pk: 12}
    with pytest.raises(Forbidden):
        services.create_hub(code="hub-2", name="Hub 2", actor=market.sri)


def test_a_photo_must_really_be_an_image(market: Market) -> None:
    fake = SimpleUploadedFile("foto.jpg", b"<?php echo 'hi'; ?>", content_type="image/jpeg")
    with pytest.raises(ValidationFailed) as caught:
        services.add_photo(market.nasi.product, market.sri, fake)
    assert caught.value.code == "photo_type"


# --- search -------------------------------------------------------------------------------


def _names(query: str) -> list[str]:
    return [p.name for p in selectors.search_products(query)]


def test_a_typo_still_finds_the_product(market: Market) -> None:
    assert _names("kripik tempe")[0] == "Keripik tempe"
    assert _names("keripik tempe")[0] == "Keripik tempe"
    assert "Sambal pecel 250 g" in _names("sambel pecel")
    assert "Madumongso" in _names("madu mongso") or "Madumongso" in _names("madumongso")


def test_prefix_words_and_accents_and_categories_match(market: Market) -> None:
    assert _names("nasi pec") == ["Nasi pecel"]
    assert _names("NÀSI  PÉCEL!")[0] == "Nasi pecel"
    assert "Madumongso" in _names("oleh")  # category
    assert _names("bu sri tempe") == ["Keripik tempe"]  # shop name plus product word


def test_unrelated_words_find_nothing(market: Market) -> None:
    assert _names("sepatu kulit") == []
    assert _names("") != []  # no query: newest products


def test_hidden_products_and_closed_shops_are_not_found(market: Market) -> None:
    services.update_product(market.keripik.product, market.sri, is_active=False)
    services.update_shop(market.oleh, market.yati, is_active=False)
    assert _names("keripik tempe") == []
    assert _names("madumongso") == []


def test_search_uses_the_gin_indexes_not_a_like_scan(market: Market) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM marketplace_product WHERE search_vector @@ to_tsquery('simple', 'tempe:*')"
            " OR search_name %> 'kripik tempe'"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "marketplace_product_fts" in plan and "marketplace_product_trgm" in plan, plan
    assert "~~" not in plan  # no LIKE


def test_the_extensions_live_in_the_public_schema(market: Market) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
            " WHERE e.extname IN ('pg_trgm', 'unaccent') ORDER BY 1"
        )
        assert cursor.fetchall() == [("pg_trgm", "public"), ("unaccent", "public")]

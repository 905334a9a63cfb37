"""The catalogue fragments of /pasar/ are cached (apps.marketplace.fragments) and follow every
write that changes what they show: read, change it the way a seller or staff does, read again."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.test import Client

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.marketplace import services
from tests.conftest import client_for
from tests.marketplace.conftest import Market, product, product_of


def _pasar(market: Market, query: str = "") -> str:
    client: Client = client_for(market.tenant)
    return client.get("/pasar/", {"q": query} if query else {}).content.decode()


def test_the_grid_follows_prices_stock_and_new_products(market: Market) -> None:
    assert "Rp12.000" in _pasar(market)
    services.update_variant(market.nasi, market.sri, price=13_500)
    page = _pasar(market)
    assert "Rp13.500" in page and "Rp12.000" not in page

    services.set_stock(market.sambal, 0, actor=market.sri)  # the stock state, written by an UPDATE
    assert "Stok habis" in _pasar(market)

    product(market.oleh, market.yati, "Brem Madiun", "YT-BRM", 9_000, 4)
    assert "Brem Madiun" in _pasar(market)

    services.update_product(product_of(market.keripik), market.sri, name="Keripik tempe pedas")
    assert "Keripik tempe pedas" in _pasar(market, "keripik")


def test_the_shop_list_follows_names_and_verification(market: Market) -> None:
    assert "Oleh-oleh Bu Yati" in _pasar(market) and "terverifikasi" not in _pasar(market)
    services.update_shop(market.oleh, market.yati, name="Oleh-oleh Mbak Yati")
    assert "Oleh-oleh Mbak Yati" in _pasar(market)
    staff = create_user(username="petugas", roles=[Role.ADMIN])
    services.mark_verified(market.oleh, "Sudah dicek di lapangan", actor=staff)
    assert "terverifikasi" in _pasar(market)


def test_near_you_is_per_buyer_and_absent_for_visitors(market: Market) -> None:
    from apps.marketplace import fragments

    assert fragments.near_you(AnonymousUser()) == ""  # type: ignore[arg-type]
    first, second = fragments.near_you(market.joko), fragments.near_you(market.andi)
    assert isinstance(first, str) and isinstance(second, str)

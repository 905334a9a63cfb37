"""The product and shop forms keep a chosen photo across a validation error (issue 19,
problem 10): the seller sees it is still chosen, and saving uses it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.marketplace.models import Product, Shop
from apps.tenancy.models import Tenant
from tests.images import PNG
from tests.marketplace.conftest import Market, signed_in

pytestmark = pytest.mark.django_db

KEPT = "Foto sudah dipilih: tempe.png (tidak perlu memilih lagi)"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def _token(html: str) -> str:
    found = re.search(r'name="photo__kept" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_product_photo_kept_when_the_price_is_missing(market: Market, tenant_a: Tenant) -> None:
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/produk/baru/"
    fields = {"name": "Tempe goreng", "sku": "TMP-GRG", "stock": "5"}
    first = sri.post(url, {**fields, "photo": SimpleUploadedFile("tempe.png", PNG, "image/png")})
    html = first.content.decode()
    assert first.status_code == 422 and 'data-testid="error-price"' in html
    assert KEPT in html and 'data-testid="kept-remove-photo"' in html
    saved = sri.post(url, {**fields, "price": "7.000", "photo__kept": _token(html)})
    assert saved.status_code == 302
    product = Product.objects.get(shop=market.pecel, name="Tempe goreng")
    assert product.photos.count() == 1 and product.photos.get().file.read() == PNG


def test_product_photo_kept_when_the_service_refuses(market: Market, tenant_a: Tenant) -> None:
    """A rule only the service checks (the price must be above zero) keeps the photo too."""
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/produk/baru/"
    fields = {"name": "Tempe bacem", "sku": "TMP-BCM", "stock": "5"}
    first = sri.post(url, {**fields, "price": "0", "photo": SimpleUploadedFile("tempe.png", PNG, "image/png")})
    assert first.status_code == 422 and KEPT in first.content.decode()
    # She removes it after all: saved without a photo.
    token = _token(first.content.decode())
    saved = sri.post(url, {**fields, "price": "6000", "photo__kept": token, "photo__kept_remove": "1"})
    assert saved.status_code == 302
    assert Product.objects.get(shop=market.pecel, name="Tempe bacem").photos.count() == 0


def test_a_bad_photo_is_not_kept(market: Market, tenant_a: Tenant) -> None:
    sri = signed_in(tenant_a, market.sri)
    url = f"/pasar/toko/{market.pecel.slug}/produk/baru/"
    bad = SimpleUploadedFile("tempe.png", b"not an image at all", "image/png")
    first = sri.post(url, {"name": "Tempe", "sku": "TMP-X", "stock": "1", "photo": bad})
    html = first.content.decode()
    assert first.status_code == 422 and 'data-testid="error-photo"' in html
    assert "photo__kept" not in html and "Pilih ulang foto" in html


def test_another_seller_cannot_use_the_token(market: Market, tenant_a: Tenant) -> None:
    sri = signed_in(tenant_a, market.sri)
    first = sri.post(
        f"/pasar/toko/{market.pecel.slug}/produk/baru/",
        {"name": "Tempe", "sku": "TMP-Y", "stock": "1", "photo": SimpleUploadedFile("tempe.png", PNG, "image/png")},
    )
    token = _token(first.content.decode())
    yati = signed_in(tenant_a, market.yati)
    refused = yati.post(
        f"/pasar/toko/{market.oleh.slug}/produk/baru/",
        {"name": "Jenang", "sku": "JNG-Y", "price": "9000", "stock": "1", "photo__kept": token},
    )
    html = refused.content.decode()
    assert refused.status_code == 422 and "Foto yang dipilih tadi sudah tidak tersimpan" in html
    assert not Product.objects.filter(shop=market.oleh, name="Jenang").exists()
    # Bu Sri's kept photo is still hers to use.
    saved = sri.post(
        f"/pasar/toko/{market.pecel.slug}/produk/baru/",
        {"name": "Tempe", "sku": "TMP-Y", "price": "5000", "stock": "1", "photo__kept": token},
    )
    assert saved.status_code == 302
    assert Product.objects.get(shop=market.pecel, name="Tempe").photos.count() == 1


def test_shop_photo_kept(market: Market, tenant_a: Tenant) -> None:
    yati = signed_in(tenant_a, market.yati)
    fields = {"name": "Kopi Bu Yati", "description": "", "offers_pickup": "on", "own_delivery_fee": "0"}
    first = yati.post("/pasar/toko/baru/", {**fields, "photo": SimpleUploadedFile("tempe.png", PNG, "image/png")})
    html = first.content.decode()
    assert first.status_code == 422 and 'data-testid="error-address"' in html and KEPT in html
    saved = yati.post("/pasar/toko/baru/", {**fields, "address": "Jl. Mojorejo 3", "photo__kept": _token(html)})
    assert saved.status_code == 302
    assert Shop.objects.get(name="Kopi Bu Yati").photo.read() == PNG

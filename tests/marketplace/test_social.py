"""Reviews only from buyers of completed orders; "sering dibeli bersama" from real sales;
the verified badge (staff mark, or an issued permit/NIB in apps.permits)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.marketplace import selectors, services
from apps.marketplace.models import Order, Review
from tests.marketplace.conftest import Market, key

pytestmark = pytest.mark.django_db


def completed(market: Market, buyer: object, items: list[tuple[object, int]]) -> list[Order]:
    result = services.place_and_pay(
        buyer,  # type: ignore[arg-type]
        [(v.pk, n) for v, n in items],  # type: ignore[attr-defined]
        idempotency_key=key(),
        payment_method="cod",
    )
    for order in result.orders:
        for action in ("accept", "pack", "ship", "deliver"):
            services.transition(order, action, actor=order.shop.owner)
        services.transition(order, "complete", actor=buyer)  # type: ignore[arg-type]
    return [Order.objects.get(pk=o.pk) for o in result.orders]


def test_reviews_come_only_from_buyers_of_completed_orders_once_each(market: Market) -> None:
    open_order = services.place_orders(market.joko, [(market.nasi.pk, 1)], idempotency_key=key()).orders[0]
    with pytest.raises(Conflict) as caught:
        services.add_review(open_order, market.joko, rating=5)
    assert caught.value.code == "not_completed"
    order = completed(market, market.joko, [(market.nasi, 1), (market.keripik, 2)])[0]
    with pytest.raises(NotFound):
        services.add_review(order, market.andi, rating=1)
    for bad in (0, 6, "lima", None):
        with pytest.raises(ValidationFailed):
            services.add_review(order, market.joko, rating=bad)
    with pytest.raises(ValidationFailed) as too_long:
        services.add_review(order, market.joko, rating=4, comment="x" * (Review.COMMENT_MAX + 1))
    assert too_long.value.code == "too_long" and not Review.objects.exists()
    shop_review = services.add_review(order, market.joko, rating=4, comment="Ramah")
    with pytest.raises(Conflict):
        services.add_review(order, market.joko, rating=5)
    line = order.lines.get(variant=market.keripik)
    services.add_review(order, market.joko, rating=5, line_id=line.pk)
    with pytest.raises(Conflict):
        services.add_review(order, market.joko, rating=3, line_id=line.pk)
    # The database refuses it too (the partial unique that also serves reads by line).
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(order=order, line=line, shop=order.shop, buyer=market.joko, rating=3)
    with pytest.raises(ValidationFailed):
        services.add_review(order, market.joko, rating=3, line_id=999999)
    assert shop_review.product is None and Review.objects.count() == 2
    assert selectors.product_rating(market.keripik.product) == {"avg": 5.0, "count": 1}
    may_shop, lines = selectors.reviewable_lines(order, market.joko)
    assert not may_shop and [x.variant_id for x in lines] == [market.nasi.pk]


def test_bought_together_comes_from_real_checkouts_across_shops(market: Market) -> None:
    completed(market, market.joko, [(market.nasi, 1), (market.keripik, 1), (market.madumongso, 1)])
    completed(market, market.andi, [(market.nasi, 1), (market.madumongso, 2)])
    services.place_orders(market.andi, [(market.nasi.pk, 1), (market.sambal.pk, 1)], idempotency_key="k")  # not paid
    together = selectors.bought_together(market.nasi.product)
    assert [p.name for p in together] == ["Madumongso", "Keripik tempe"]
    assert selectors.bought_together(market.sambal.product) == []


def test_co_purchase_counts_follow_refunds_and_match_the_backfill(market: Market) -> None:
    """The pair counts are kept as orders are paid and refunded; the migration's backfill,
    recomputing from the orders, gives the same table."""
    import importlib

    from django.apps import apps as django_apps
    from django.db import connection

    from apps.marketplace.models import CoPurchase

    first = completed(market, market.joko, [(market.nasi, 1), (market.madumongso, 1)])
    completed(market, market.andi, [(market.nasi, 1), (market.madumongso, 1), (market.keripik, 1)])
    pair = CoPurchase.objects.get(product=market.nasi.product, other=market.madumongso.product)
    assert pair.together == 2
    # A refund takes the checkout out of "real sales": the pair loses it again.
    madumongso_order = next(o for o in first if o.shop_id == market.oleh.pk)
    services.transition(madumongso_order, "refund", actor=market.yati)
    pair.refresh_from_db()
    assert pair.together == 1
    assert {p.name for p in selectors.bought_together(market.nasi.product)} == {"Madumongso", "Keripik tempe"}

    kept = set(CoPurchase.objects.filter(together__gt=0).values_list("product_id", "other_id", "together"))
    CoPurchase.objects.all().delete()
    migration = importlib.import_module("apps.marketplace.migrations.0006_copurchase_counts")
    with connection.schema_editor() as editor:
        migration.backfill(django_apps, editor)
    assert set(CoPurchase.objects.values_list("product_id", "other_id", "together")) == kept


def test_staff_mark_a_shop_verified(market: Market) -> None:
    assert not selectors.is_verified(market.pecel)
    with pytest.raises(Forbidden):
        services.mark_verified(market.pecel, "NIB sudah dicek", actor=market.sri)
    staff = create_user(username="petugas", roles=[Role.ADMIN])
    shop = services.mark_verified(market.pecel, "NIB 1234567890123 dicek di OSS", actor=staff)
    assert shop.verified and shop.verified_by == staff and selectors.is_verified(shop)
    shop = services.unmark_verified(shop, "NIB dicabut", actor=staff)
    assert not selectors.is_verified(shop)


def test_an_issued_permit_of_the_owner_shows_the_badge(market: Market) -> None:
    from django.utils import timezone

    from apps.permits.models import Permit

    Permit.objects.create(
        applicant=market.yati,
        created_by=market.yati,
        status="issued",
        owner_name="Suryati",
        nik_digest="x" * 64,
        nik_ciphertext="-",
        nik_masked="3577********0001",
        business_name="Oleh-oleh Bu Yati",
        kbli_code="47211",
        kbli_title="Perdagangan eceran",
        risk_level="rendah",
        capital=5_000_000,
        workers=1,
        number="IUM/2026/0001",
        verification_token="tok-1",
        issued_at=timezone.now(),
        issued_year=2026,
        sequence=1,
    )
    assert selectors.verified_shop_ids([market.pecel, market.oleh]) == {market.oleh.pk}
    # A 13-digit NIB on a permit still in progress counts; a revoked permit does not.
    nib = Permit.objects.create(
        applicant=market.pecel.owner,
        created_by=market.pecel.owner,
        status="submitted",
        owner_name="Pemilik pecel",
        nik_digest="y" * 64,
        nik_ciphertext="-",
        nik_masked="3577********0002",
        business_name="Pecel",
        kbli_code="56102",
        kbli_title="Warung makan",
        risk_level="rendah",
        capital=1_000_000,
        workers=1,
        nib="1234567890123",
    )
    assert selectors.verified_shop_ids([market.pecel, market.oleh]) == {market.pecel.pk, market.oleh.pk}
    Permit.objects.filter(pk=nib.pk).update(status="withdrawn")
    Permit.objects.filter(applicant=market.yati).update(status="revoked", revoked_at=timezone.now())
    assert selectors.verified_shop_ids([market.pecel, market.oleh]) == set()

"""Tenant isolation, shop selection, the shape the scoring engine needs, and a fixed query count."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.lending.features import FEATURE_COLUMNS, extract_all, extract_features
from apps.lending.scoring import UMKM_FEATURES, CreditEngine, LenderOutcomes
from apps.marketplace import services as marketplace
from apps.marketplace.models import Shop
from apps.payments import services as payments
from apps.tenancy.models import Tenant
from tests.lending.features.conftest import at, sold
from tests.marketplace.conftest import Market, make_market

pytestmark = pytest.mark.django_db


def test_a_shop_of_tenant_b_never_appears_in_tenant_a(tenant_a: Tenant, tenant_b: Tenant, as_of: dt.date) -> None:
    with tenant_b:
        market_b = make_market(tenant_b, prefix="b-")
        sold(market_b, market_b.nasi, 5, at(as_of, 3))
        b_ids = {market_b.pecel.pk, market_b.oleh.pk}
        frame_b = extract_all(as_of)
        assert set(frame_b.index) == b_ids
        assert frame_b.loc[market_b.pecel.pk, "orders_3m"] == 1
    with tenant_a:
        market_a = make_market(tenant_a, prefix="a-")
        frame_a = extract_all(as_of)
        assert set(frame_a.index) == {market_a.pecel.pk, market_a.oleh.pk}
        assert frame_a["orders_3m"].sum() == 0  # B's sale is not A's
        assert set(frame_a["owner_id"]) == {market_a.sri.pk, market_a.yati.pk}
        # Tenant B's shop ids name nothing (or A's own shops) here.
        assert not Shop.objects.filter(pk__in=b_ids, name__startswith="b-").exists()


def test_only_active_shops_opened_by_the_date(market: Market, as_of: dt.date) -> None:
    marketplace_shop = market.oleh
    Shop.objects.filter(pk=marketplace_shop.pk).update(is_active=False)
    assert list(extract_all(as_of).index) == [market.pecel.pk]
    assert list(extract_all(as_of - dt.timedelta(days=1)).index) == []  # opened today
    assert list(extract_all(as_of, shop_ids=[market.pecel.pk]).index) == [market.pecel.pk]
    # One shop asked for by name still gets its features, even inactive.
    assert extract_features(marketplace_shop, as_of)["orders_3m"] == 0


def test_rows_fit_the_scoring_engine(market: Market, as_of: dt.date) -> None:
    sold(market, market.nasi, 2, at(as_of, 3))
    frame = extract_all(as_of)
    assert list(frame.columns) == ["owner_id", *UMKM_FEATURES.names]
    assert tuple(FEATURE_COLUMNS) == UMKM_FEATURES.names
    x = frame[list(UMKM_FEATURES.names)].to_numpy(dtype=np.float64)
    scores = CreditEngine().score_batch(x, LenderOutcomes(0, 0))
    assert scores.pd.shape == (2,) and scores.method == "scorecard"
    decision = CreditEngine().decide(extract_features(market.pecel, as_of), LenderOutcomes(0, 0))
    assert decision.method == "scorecard" and 0 < decision.pd < 1


def test_extract_all_runs_a_fixed_number_of_queries(market: Market, as_of: dt.date) -> None:
    """No query per shop: 2 shops and 8 shops (more orders, more owners' data) cost the same."""
    sold(market, market.nasi, 1, at(as_of, 2))
    for owner in (market.sri, market.yati):  # the same kinds of data as the six owners below
        payments.ensure_wallet(owner)
    with CaptureQueriesContext(connection) as two:
        assert len(extract_all(as_of)) == 2
    for i in range(6):
        owner = create_user(username=f"umkm-{i}", full_name=f"UMKM {i}", roles=[Role.PEMILIK_UMKM], password="x")
        payments.ensure_wallet(owner)
        marketplace.open_shop(owner, name=f"Toko {i}", address="Jl. Mojorejo")
    sold(market, market.keripik, 1, at(as_of, 5))
    with CaptureQueriesContext(connection) as eight:
        assert len(extract_all(as_of)) == 8
    assert len(eight.captured_queries) == len(two.captured_queries) <= 24

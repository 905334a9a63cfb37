"""Order-based features (GMV level and trend, count, regularity, refunds, cancellations) by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from apps.lending.features import extract_all, extract_features
from apps.marketplace.models import Order
from tests.lending.features.conftest import at, backdate, cancelled, placed, refunded, sold
from tests.marketplace.conftest import Market

pytestmark = pytest.mark.django_db


def test_gmv_orders_and_regularity_by_hand(market: Market, as_of: dt.date) -> None:
    # Last 90 days: 3 x nasi (36.000) 5 days ago, 2 x keripik (30.000) 20 days ago, 1 x sambal
    # (25.000) 80 days ago -> 91.000 in 3 orders; previous 90 days: 1 x sambal 100 days ago and
    # 4 x nasi (48.000) 170 days ago -> 73.000. One order 200 days ago is outside both windows.
    sold(market, market.nasi, 3, at(as_of, 5))
    sold(market, market.keripik, 2, at(as_of, 20))
    sold(market, market.sambal, 1, at(as_of, 80))
    sold(market, market.sambal, 1, at(as_of, 100))
    sold(market, market.nasi, 4, at(as_of, 170))
    sold(market, market.nasi, 1, at(as_of, 200))
    # Not sales: still awaiting payment, and an order placed after as_of (tomorrow).
    placed(market, market.nasi, 1)
    backdate(sold(market, market.keripik, 1, at(as_of, 0)), at(as_of, -1))

    f = extract_features(market.pecel, as_of)
    assert f["gmv_avg_3m"] == pytest.approx(91_000 / 3)
    assert f["gmv_trend_3m"] == pytest.approx(91_000 / 73_000 - 1)
    assert f["orders_3m"] == 3
    # Weeks counted back from as_of: day 5 -> week 0, day 20 -> week 2, day 80 -> week 11.
    assert f["active_weeks_ratio_12w"] == pytest.approx(3 / 12)
    assert f["refund_rate_3m"] == 0 and f["cancel_rate_3m"] == 0 and f["cancellations_30d"] == 0

    # The other shop sold nothing: zeros, not missing.
    other = extract_features(market.oleh, as_of)
    assert (other["gmv_avg_3m"], other["gmv_trend_3m"], other["orders_3m"], other["active_weeks_ratio_12w"]) == (
        0,
        0,
        0,
        0,
    )


def test_trend_is_clipped_and_zero_without_a_previous_quarter(market: Market, as_of: dt.date) -> None:
    sold(market, market.nasi, 1, at(as_of, 10))
    assert extract_features(market.pecel, as_of)["gmv_trend_3m"] == 0  # no basis for a trend
    sold(market, market.nasi, 1, at(as_of, 120))  # 12.000 before
    sold(market, market.sambal, 5, at(as_of, 11))  # 12.000 + 125.000 now: +1041% -> clipped
    assert extract_features(market.pecel, as_of)["gmv_trend_3m"] == 2.0
    # Seen 100 days later, the recent sales are the previous quarter and nothing since: -100%.
    assert extract_features(market.pecel, as_of + dt.timedelta(days=100))["gmv_trend_3m"] == -1.0


def test_refund_and_cancellation_rates_by_hand(market: Market, as_of: dt.date) -> None:
    sold(market, market.nasi, 1, at(as_of, 3))
    sold(market, market.nasi, 1, at(as_of, 4))
    sold(market, market.nasi, 1, at(as_of, 50))
    refunded(market, market.keripik, at(as_of, 40))
    cancelled(market, market.nasi, at(as_of, 10), cancelled_at=at(as_of, 9))
    cancelled(market, market.nasi, at(as_of, 60), cancelled_at=at(as_of, 59))
    expired = placed(market, market.nasi, 1)
    Order.objects.filter(pk=expired.pk).update(status="expired")  # left unpaid: not the shop's doing

    f = extract_features(market.pecel, as_of)
    assert f["orders_3m"] == 3
    assert f["refund_rate_3m"] == pytest.approx(1 / 4)  # 1 refunded of 3 sold + 1 refunded
    assert f["cancel_rate_3m"] == pytest.approx(2 / 6)  # 2 cancelled of 6 placed (expired left out)
    assert f["cancellations_30d"] == 1  # the one cancelled 9 days ago
    assert f["gmv_avg_3m"] == pytest.approx(3 * 12_000 / 3)  # refunded and cancelled orders are not GMV


def test_extract_all_matches_single_extraction(market: Market, as_of: dt.date) -> None:
    sold(market, market.nasi, 2, at(as_of, 7))
    sold(market, market.madumongso, 1, at(as_of, 30))
    frame = extract_all(as_of)
    assert list(frame.index) == sorted([market.pecel.pk, market.oleh.pk])
    assert frame.index.name == "shop_id"
    assert frame.loc[market.pecel.pk, "owner_id"] == market.sri.pk
    for shop in (market.pecel, market.oleh):
        single = extract_features(shop, as_of)
        for name, value in single.items():
            cell = float(frame.loc[shop.pk, name])
            assert (value is None and math.isnan(cell)) or cell == pytest.approx(value), name

"""Owner- and shop-level features: ratings, tenure, permit, iuran/arisan punctuality, wallet,
past repayments; each against values computed by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from apps.community import services as community
from apps.community.models import ArisanContribution, ArisanMember, IuranPayment
from apps.lending.features import RepaymentRecord, extract_all, extract_features
from apps.marketplace import services as marketplace
from apps.marketplace.models import Shop
from apps.payments import services as payments
from apps.permits.models import Permit
from tests.community.conftest import World, fund, make_world
from tests.lending.features.conftest import at, completed
from tests.marketplace.conftest import Market, key
from tests.permits.conftest import advance, make_people, submitted_permit

pytestmark = pytest.mark.django_db


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def test_ratings_and_tenure(market: Market, as_of: dt.date) -> None:
    for rating, days in ((5, 3), (4, 10), (2, 30)):
        order = completed(market, market.nasi, at(as_of, days))
        marketplace.add_review(order, market.joko, rating=rating, comment="")
    Shop.objects.filter(pk=market.pecel.pk).update(created_at=at(as_of, 400))
    market.pecel.refresh_from_db()

    f = extract_features(market.pecel, as_of)
    assert f["rating_avg"] == pytest.approx(11 / 3)
    assert f["rating_count"] == 3
    assert f["tenure_months"] == 13  # 400 days / 30.4375 = 13.1
    # Reviews written after the date are not known then (they were written today).
    before = extract_features(market.pecel, as_of - dt.timedelta(days=1))
    assert before["rating_avg"] is None and before["rating_count"] == 0
    assert before["tenure_months"] == 13  # 399 days
    # The other shop: no review yet (missing, not zero), opened today.
    other = extract_features(market.oleh, as_of)
    assert other["rating_avg"] is None and other["rating_count"] == 0 and other["tenure_months"] == 0


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Iterator[Path]:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    yield tmp_path / "media"


def test_permit_level_follows_the_owners_izin_usaha(in_a: Any, media_root: Path, as_of: dt.date) -> None:
    people = make_people("f-")
    shop = marketplace.open_shop(people.owner, name="Pecel Bu Sri", address="Jl. Mojorejo No. 12")
    other = marketplace.open_shop(people.other_owner, name="Toko Pak Budi", address="Jl. Mojorejo No. 40")
    assert extract_features(shop, as_of)["permit_level"] == 0

    permit = submitted_permit(people)
    assert extract_features(shop, as_of)["permit_level"] == 1  # submitted, in process
    permit = advance(permit, people, "issued")
    assert extract_features(shop, as_of)["permit_level"] == 2
    # Seen from earlier dates: submitted 20 days ago, issued 10 days ago.
    Permit.objects.filter(pk=permit.pk).update(submitted_at=at(as_of, 20), issued_at=at(as_of, 10))
    assert extract_features(shop, as_of - dt.timedelta(days=5))["permit_level"] == 2
    assert extract_features(shop, as_of - dt.timedelta(days=15))["permit_level"] == 1  # in process then
    assert extract_features(shop, as_of - dt.timedelta(days=25))["permit_level"] == 0  # not yet submitted
    assert extract_features(other, as_of)["permit_level"] == 0  # someone else's permit
    advance(permit, people, "revoked")
    assert extract_features(shop, as_of)["permit_level"] == 0


def test_iuran_and_arisan_punctuality(in_a: Any, as_of: dt.date) -> None:
    world: World = make_world("f-")
    sri, book, treasurer = world.sri, world.rt1.book, world.rt1.treasurer
    shop = marketplace.open_shop(sri, name="Pecel Bu Sri", address="Jl. Mojorejo No. 12")
    assert extract_features(shop, as_of)["iuran_on_time_ratio"] is None  # no dues at all

    # Iuran from six months before this month: M0..M5 (the window is the 12 months before this one).
    this_month = as_of.replace(day=1)
    m = [add_months(this_month, i - 6) for i in range(6)]
    community.set_schedule(book, actor=treasurer, amount=10_000, start_month=m[0])
    community.add_exemption(book, sri, actor=treasurer, from_month=m[5], until_month=m[5], reason="uji")
    tz = timezone.get_current_timezone()
    paid_on = {m[0]: m[0] + dt.timedelta(days=3), m[1]: m[1], m[2]: add_months(m[2], 1) - dt.timedelta(days=1)}
    paid_on[m[3]] = add_months(m[3], 1) + dt.timedelta(days=4)  # late
    for month, day in paid_on.items():
        payment = community.record_iuran_cash(book, sri, month, actor=treasurer, client_key=key())
        when = dt.datetime.combine(day, dt.time(20), tzinfo=tz)
        IuranPayment.objects.filter(pk=payment.pk).update(paid_at=when)
    # M4 unpaid (late), M5 exempt: 5 months due, 3 on time.
    assert extract_features(shop, as_of)["iuran_on_time_ratio"] == pytest.approx(3 / 5)

    # Arisan with Joko, monthly, first round 100 days ago: two rounds due, Sri pays the first on
    # its due date and the second three days late.
    group = community.create_group(
        organiser=sri,
        name="Arisan UMKM",
        contribution=50_000,
        period="monthly",
        draw_method="agreed",
        start_date=as_of - dt.timedelta(days=100),
    )
    joko_member = community.add_member(group, world.joko, actor=sri)
    sri_member = ArisanMember.objects.get(group=group, user=sri)
    community.set_agreed_order(group, [sri_member.pk, joko_member.pk], actor=sri)
    fund(sri, 200_000)
    rounds = list(group.rounds.order_by("number"))
    assert all(r.due_date < as_of for r in rounds)
    for round_, late in zip(rounds, (0, 3), strict=True):
        contribution = community.contribute_with_wallet(round_, sri_member, payer=sri)
        when = dt.datetime.combine(round_.due_date + dt.timedelta(days=late), dt.time(9), tzinfo=tz)
        ArisanContribution.objects.filter(pk=contribution.pk).update(paid_at=when)
    # (3 iuran + 1 arisan on time) / (5 iuran + 2 arisan dues).
    assert extract_features(shop, as_of)["iuran_on_time_ratio"] == pytest.approx(4 / 7)


def test_wallet_active_days(market: Market, as_of: dt.date) -> None:
    assert extract_features(market.oleh, as_of)["wallet_active_days_3m"] is None  # no wallet
    wallet = payments.ensure_wallet(market.sri)
    assert extract_features(market.pecel, as_of)["wallet_active_days_3m"] == 0  # a wallet, never used
    # Ledger postings are immutable (no back-dating): three movements today are one active day,
    # seen today and 89 days later; 90 days later today has left the window.
    for _ in range(3):
        payments.top_up(wallet, 10_000, reference="uji", idempotency_key=key())
    assert extract_features(market.pecel, as_of)["wallet_active_days_3m"] == 1
    assert extract_features(market.pecel, as_of + dt.timedelta(days=89))["wallet_active_days_3m"] == 1
    assert extract_features(market.pecel, as_of + dt.timedelta(days=90))["wallet_active_days_3m"] == 0
    assert extract_features(market.pecel, as_of - dt.timedelta(days=1))["wallet_active_days_3m"] == 0


def test_past_repayments_come_from_the_mapping(market: Market, as_of: dt.date) -> None:
    record = RepaymentRecord(
        loans_closed=2, loans_written_off=1, instalments_paid=20, instalments_paid_late=3, max_days_past_due=45
    )
    f = extract_features(market.pecel, as_of, {market.sri.pk: record})
    assert f["repay_on_time_ratio"] == pytest.approx(17 / 20)
    assert f["repay_max_dpd"] == 45 and f["prior_loans_count"] == 3
    none = extract_features(market.oleh, as_of, {market.sri.pk: record})  # Bu Yati: no history
    assert (none["repay_on_time_ratio"], none["repay_max_dpd"], none["prior_loans_count"]) == (None, None, 0)
    frame = extract_all(as_of, {market.sri.pk: record})
    assert frame.loc[market.pecel.pk, "repay_max_dpd"] == 45
    assert frame.loc[market.oleh.pk, "prior_loans_count"] == 0

"""The database's own "paid at most once, at most one pending" rules of iuran payments and arisan
contributions (one partial unique each, status first: docs/design/schema-cost.md "Index audit,
third pass"): two paid rows or two pending rows of one month/share are refused; a paid and a
pending row may coexist (a QRIS cancelled by a newer one can still settle); cancelled rows are
not limited."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from apps.community import services
from apps.community.models import ArisanContribution, ArisanGroup, ArisanMember, IuranPayment
from tests.community.conftest import World, fund, key

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 1)


def _refused(create: object) -> bool:
    try:
        with transaction.atomic():
            create()  # type: ignore[operator]
    except IntegrityError:
        return True
    return False


def test_iuran_paid_once_and_one_pending_per_member_and_month(scheduled: World) -> None:
    w = scheduled
    fund(w.joko, 30_000)
    paid = services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=key())
    april = services.pay_iuran_with_wallet(w.joko, "2026-04", client_key=key())

    def row(status: str) -> IuranPayment:
        return IuranPayment.objects.create(
            cash_book=w.rt1.book, member=w.joko, month=MARCH, amount=10_000, method="qris", status=status
        )

    row(IuranPayment.Status.PENDING)  # beside the paid one
    assert _refused(lambda: row(IuranPayment.Status.PENDING))
    row(IuranPayment.Status.CANCELLED)
    row(IuranPayment.Status.CANCELLED)
    assert _refused(lambda: IuranPayment.objects.filter(pk=april.pk).update(month=MARCH))  # a second paid
    assert IuranPayment.objects.filter(member=w.joko, month=MARCH).count() == 4
    assert IuranPayment.objects.get(member=w.joko, month=MARCH, status=IuranPayment.Status.PAID).pk == paid.pk


def test_arisan_share_paid_once_and_one_pending_per_round_and_member(world: World) -> None:
    w = world
    group = services.create_group(
        organiser=w.rt1.ketua,
        name="Arisan Uji Unik",
        contribution=5_000,
        period="monthly",
        draw_method="random",
        start_date=date(2026, 1, 10),
    )
    for person in (w.sri, w.joko):
        services.add_member(group, person, actor=w.rt1.ketua)
    group = services.reveal_draw(services.commit_draw(group, actor=w.rt1.ketua), actor=w.rt1.ketua)
    first, second = list(ArisanGroup.objects.get(pk=group.pk).rounds.order_by("number"))[:2]
    member = ArisanMember.objects.get(group=group, user=w.sri)
    fund(w.sri, 10_000)
    services.contribute_with_wallet(first, member, payer=w.sri)
    later = services.contribute_with_wallet(second, member, payer=w.sri)

    def row(status: str) -> ArisanContribution:
        return ArisanContribution.objects.create(
            round=first, member=member, amount=5_000, method="qris", status=status, payer=w.sri
        )

    row(ArisanContribution.Status.PENDING)  # beside the paid one
    assert _refused(lambda: row(ArisanContribution.Status.PENDING))
    row(ArisanContribution.Status.CANCELLED)
    row(ArisanContribution.Status.CANCELLED)
    assert _refused(lambda: ArisanContribution.objects.filter(pk=later.pk).update(round=first))  # a second paid
    assert ArisanContribution.objects.filter(round=first, member=member).count() == 4

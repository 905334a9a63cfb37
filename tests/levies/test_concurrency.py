"""Committed data, real threads: eight concurrent wallet payments of one levy copy move the money
once; the route and the register are paid once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.core.errors import Conflict
from apps.levies import services
from apps.levies.models import Levy, LevyBill
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind, PaymentRequest
from apps.tenancy.models import LevyBillRoute
from tests.conftest import TenantSet
from tests.levies.conftest import World, make_world
from tests.payments.conftest import wipe_payments

THREADS = 8


def _clean(tenants: TenantSet) -> None:
    connection.set_schema_to_public()
    LevyBillRoute.objects.filter(number__startswith="LVCSMP/").delete()
    with tenants.kota:
        LevyBill.objects.filter(levy__code__startswith="LVC").delete()
        Levy.objects.filter(code__startswith="LVC").delete()
        for user in User.objects.filter(username__startswith="lvc-"):
            user.groups.clear()
            user.delete()
    with tenants.a:
        Message.objects.filter(recipient__username__startswith="lvc-").delete()
    wipe_payments(tenants.a, ["lvc-joko", "lvc-tetangga", "lvc-lurah"])
    connection.set_schema_to_public()


@pytest.fixture
def committed_world(tenants: TenantSet, committed: None) -> Iterator[World]:
    _clean(tenants)
    try:
        yield make_world(tenants, prefix="lvc")
    finally:
        _clean(tenants)


def test_concurrent_payments_of_one_bill_pay_it_once(committed_world: World) -> None:
    world = committed_world
    with world.kota:  # committed: the payer's copy is opened after commit, for real
        bill = services.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name="Joko",
            payer_account=world.payer.username,
            actor=world.officer,
        )
    with world.kel:
        wallet = payments.ensure_wallet(world.payer)
        payments.top_up(wallet, 100_000, reference="t", idempotency_key="lvc-top")
        copy = PaymentRequest.objects.get(reference=f"levy:{bill.number}")
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def pay(index: int) -> None:
        try:
            # Not `with world.kel:`: django-tenants keeps the tenants to return to in one list
            # shared by all threads; each thread's connection is its own, so set it directly.
            connection.set_tenant(world.kel)
            start.wait()
            try:
                payments.pay_request_with_wallet(copy, world.payer, idempotency_key=f"lvc-pay-{index}")
                outcome = "paid"
            except Conflict as exc:
                outcome = exc.code
            with lock:
                outcomes[outcome] += 1
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert outcomes == Counter({"paid": 1, "already_paid": THREADS - 1})
    with world.kel:
        wallet.refresh_from_db()
        assert wallet.balance == 85_000
        assert Account.objects.get(kind=AccountKind.TREASURY_CLEARING).balance == 15_000
    assert LevyBillRoute.objects.get(number=bill.number).status == "paid"
    with world.kota:
        bill.refresh_from_db()
        assert bill.status == "paid" and bill.paid_amount == 15_000

"""Issue -> the payer's copy in the kelurahan -> pay (wallet, QRIS sandbox, cash at the counter)
-> route paid -> register paid; idempotency of issuing and paying; fines re-price the copy."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.levies import recurring, services
from apps.levies.models import LevyBill
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind, GatewayCharge, PaymentRequest
from apps.tenancy.models import LevyBillRoute
from tests.levies.conftest import World

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def issue(world: World, capture: Capture, **extra: Any) -> LevyBill:
    with world.kota, capture(execute=True):
        return services.do_issue_bill(
            extra.pop("levy", world.sampah),
            kelurahan=world.kel,
            payer_name="Joko Susilo",
            payer_account=world.payer.username,
            object_address="Jl. Mojorejo 1",
            period_label=extra.pop("period_label", "2026-12"),
            actor=world.officer,
            **extra,
        )


def copy_of(bill: LevyBill) -> PaymentRequest:
    return PaymentRequest.objects.exclude(status="cancelled").get(reference=f"levy:{bill.number}")


def test_issue_makes_a_numbered_bill_a_route_and_the_payers_copy(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    bill = issue(world, django_capture_on_commit_callbacks)
    year = datetime.date.today().year
    assert bill.number == f"LVSMP/{year}/00001" and bill.amount_due == 15_000
    route = LevyBillRoute.objects.get(number=bill.number)
    assert (route.kota, route.kelurahan, route.amount_due, route.status) == (world.kota, world.kel, 15_000, "open")
    with world.kel:
        copy = copy_of(bill)
        assert copy.payer == world.payer and copy.amount == 15_000 and copy.due_on == bill.due_on
        assert copy.merchant.kind == AccountKind.TREASURY_CLEARING
        assert Message.objects.filter(recipient=world.payer, event="levies.issued").exists()
    second = issue(world, django_capture_on_commit_callbacks, levy=world.pasar)
    assert second.number == f"LVPSR/{year}/00001"


def test_issuing_again_with_the_same_key_returns_the_same_bill(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    first = issue(world, django_capture_on_commit_callbacks)
    again = issue(world, django_capture_on_commit_callbacks)
    assert again.pk == first.pk
    assert LevyBillRoute.objects.filter(number=first.number).count() == 1
    with world.kel:
        assert PaymentRequest.objects.filter(reference=f"levy:{first.number}").count() == 1
    with pytest.raises(Conflict):
        issue(world, django_capture_on_commit_callbacks, amount=20_000)


def test_wallet_payment_marks_route_and_register_paid(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    bill = issue(world, django_capture_on_commit_callbacks)
    with world.kel:
        wallet = payments.ensure_wallet(world.payer)
        payments.top_up(wallet, 50_000, reference="test", idempotency_key="lv-top")
        copy = copy_of(bill)
        with django_capture_on_commit_callbacks(execute=True):
            payments.pay_request_with_wallet(copy, world.payer, idempotency_key="lv-pay")
        with django_capture_on_commit_callbacks(execute=True):  # a double submit moves nothing more
            payments.pay_request_with_wallet(copy, world.payer, idempotency_key="lv-pay")
        wallet.refresh_from_db()
        treasury = Account.objects.get(kind=AccountKind.TREASURY_CLEARING)
        assert wallet.balance == 35_000 and treasury.balance == 15_000  # no platform fee on a levy
        with pytest.raises(Conflict):
            payments.pay_request_with_wallet(copy, world.payer, idempotency_key="lv-pay-2")
    route = LevyBillRoute.objects.get(number=bill.number)
    assert route.status == "paid" and route.channel == "wallet" and route.paid_at is not None
    with world.kota:
        bill.refresh_from_db()
        assert bill.status == "paid" and bill.paid_amount == 15_000 and bill.channel == "wallet"


def test_qris_sandbox_payment_settles_the_bill(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    bill = issue(world, django_capture_on_commit_callbacks)
    with world.kel:
        charge = GatewayCharge.objects.get(payment_request=copy_of(bill))
        with django_capture_on_commit_callbacks(execute=True):
            payments.sandbox_pay(charge.order_id)
        assert copy_of(bill).status == "paid"
    assert LevyBillRoute.objects.get(number=bill.number).channel == "qris"
    with world.kota:
        bill.refresh_from_db()
        assert bill.status == "paid" and bill.channel == "qris"


def test_cash_at_the_counter_marks_the_payers_copy_paid(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    bill = issue(world, django_capture_on_commit_callbacks)
    with world.kota, django_capture_on_commit_callbacks(execute=True):
        services.do_record_cash(bill.number, actor=world.officer)
    with world.kota:
        bill.refresh_from_db()
        assert bill.status == "paid" and bill.channel == "cash"
    with world.kel:
        copy = copy_of(bill)
        assert copy.status == "paid" and copy.paid_method == "cash" and copy.paid_entry is None
    assert LevyBillRoute.objects.get(number=bill.number).status == "paid"


def test_a_fine_replaces_the_open_copy_with_the_new_amount(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    bill = issue(world, django_capture_on_commit_callbacks, due_on=datetime.date(2026, 1, 10))
    with world.kota, django_capture_on_commit_callbacks(execute=True):
        services.do_apply_fine(bill.number, today=datetime.date(2026, 3, 11))  # 3 started months x 2% = 900
    with world.kota:
        bill.refresh_from_db()
        assert bill.fine == 900 and bill.amount_due == 15_900
    assert LevyBillRoute.objects.get(number=bill.number).amount_due == 15_900
    with world.kel:
        copies = PaymentRequest.objects.filter(reference=f"levy:{bill.number}").order_by("id")
        assert [(c.amount, c.status) for c in copies] == [(15_000, "cancelled"), (15_900, "open")]


def test_cancel_withdraws_the_copy(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    bill = issue(world, django_capture_on_commit_callbacks)
    with world.kota, django_capture_on_commit_callbacks(execute=True):
        services.do_cancel_bill(bill.number, actor=world.officer)
    with world.kel:
        assert PaymentRequest.objects.get(reference=f"levy:{bill.number}").status == "cancelled"
    assert LevyBillRoute.objects.get(number=bill.number).status == "cancelled"


def test_monthly_bills_recur_once_per_month(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    today = datetime.date(2027, 3, 5)
    issue(world, django_capture_on_commit_callbacks, period_label="2027-02")
    with world.kota:
        with django_capture_on_commit_callbacks(execute=True):
            assert recurring.issue_monthly(today) == 1
            assert recurring.issue_monthly(today) == 0  # a re-run issues nothing twice
        new = LevyBill.objects.get(period_label="2027-03")
        assert new.payer_account == world.payer.username and new.principal == 15_000


def test_a_payer_with_the_longest_account_is_billed_every_month(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    """The default key was cut at 120 characters, period included: March's key equalled
    February's, so the monthly run took March's bill as issued and never issued it."""
    with world.kel:
        world.payer.username = "warga." + "x" * 144  # 150, the longest username
        world.payer.save(update_fields=["username"])
    issue(world, django_capture_on_commit_callbacks, period_label="2027-02")
    with world.kota:
        with django_capture_on_commit_callbacks(execute=True):
            assert recurring.issue_monthly(datetime.date(2027, 3, 5)) == 1
        assert LevyBill.objects.get(period_label="2027-03").payer_account == world.payer.username


def test_only_the_kotas_finance_office_issues(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    with world.kota, pytest.raises(Forbidden):
        services.do_issue_bill(
            world.sampah, kelurahan=world.kel, payer_name="x", payer_account="x", actor=world.kota_warga
        )
    with world.kel, pytest.raises(Forbidden):  # a kelurahan (its lurah too) never issues kota bills
        services.do_issue_bill(world.sampah, kelurahan=world.kel, payer_name="x", payer_account="x", actor=world.lurah)


def test_a_kelurahan_of_another_kota_cannot_be_billed(world: World) -> None:
    from apps.tenancy.models import Tenant

    stranger = Tenant.objects.create(
        schema_name="kel_lv_other", name="Kel Lain", slug="lv-lain", tenant_type="kelurahan"
    )
    with world.kota, pytest.raises(ValidationFailed):
        services.do_issue_bill(world.sampah, kelurahan=stranger, payer_name="x", payer_account="x", actor=world.officer)

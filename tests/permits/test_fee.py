"""Retribusi izin: a permit whose risk level carries a fee is billed at approval, waits for the
payment ("menunggu pembayaran") and is issued by it, once (workflow.BILL, services/fees.py)."""

from __future__ import annotations

from typing import Any

import pytest

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind, PaymentRequest
from apps.permits import services, workflow
from apps.permits.models import Permit, PermitEvent, PermitFee
from apps.permits.services import fees
from apps.tenancy.models import Tenant

from .conftest import People, advance, logged_in, submitted_permit

pytestmark = pytest.mark.django_db(transaction=False)

FEE = 75_000  # hand-set: Perda retribusi izin usaha mikro, risk "rendah"


@pytest.fixture
def fee(tenant_a: Tenant, people: People) -> PermitFee:
    with tenant_a:  # every risk level the same fee: whatever the test permit's KBLI says
        for risk in Permit.Risk.values:
            PermitFee.objects.create(risk_level=risk, amount=FEE, perda="Perda Kota Madiun 2/2024")
        return PermitFee.objects.get(risk_level=Permit.Risk.RENDAH)


def _verified(tenant: Tenant, people: People) -> Permit:
    with tenant:
        return advance(submitted_permit(people), people, "verified")


def _pay(permit: Permit, people: People, capture: Any, key: str = "fee-pay") -> PaymentRequest:
    bill = fees.fee_bill(permit)
    assert bill is not None
    wallet = payments.ensure_wallet(people.owner)
    payments.top_up(wallet, 100_000, reference="test", idempotency_key=f"{key}-top")
    with capture(execute=True):
        payments.pay_request_with_wallet(bill, people.owner, idempotency_key=key)
    bill.refresh_from_db()
    return bill


def test_approval_bills_and_waits_for_payment(
    tenant_a: Tenant, people: People, fee: PermitFee, django_capture_on_commit_callbacks: Any
) -> None:
    permit = _verified(tenant_a, people)
    with tenant_a:
        permit = services.approve(permit, people.lurah)
        assert permit.status == workflow.AWAITING_PAYMENT and permit.number is None
        assert Permit.Status(permit.status).label == "Menunggu pembayaran retribusi"
        actions = list(permit.events.values_list("action", flat=True))
        assert actions[-2:] == ["approve", "bill"]
        bill = fees.fee_bill(permit)
        assert bill is not None and bill.amount == FEE and bill.payer_id == people.owner.pk
        assert bill.reference == f"permit:{permit.uuid}" and bill.merchant.kind == AccountKind.TREASURY_CLEARING
        # Staff cannot issue before the fee is paid.
        with pytest.raises(ValidationFailed):
            services.issue(permit, people.admin)

        bill = _pay(permit, people, django_capture_on_commit_callbacks)
        assert bill.status == PaymentRequest.Status.PAID
        permit.refresh_from_db()
        assert permit.status == workflow.ISSUED and permit.number
        issue_event = permit.events.order_by("-id").first()
        assert issue_event is not None and issue_event.action == "issue" and issue_event.actor_id is None
        wallet = Account.objects.get(owner=people.owner, kind=AccountKind.WALLET)
        treasury = Account.objects.get(pk=bill.merchant_id)
        assert wallet.balance == 100_000 - FEE and treasury.balance == FEE  # no platform fee


def test_paying_twice_moves_money_and_the_permit_once(
    tenant_a: Tenant, people: People, fee: PermitFee, django_capture_on_commit_callbacks: Any
) -> None:
    permit = _verified(tenant_a, people)
    with tenant_a:
        permit = services.approve(permit, people.lurah)
        bill = _pay(permit, people, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):  # the same submit again: a replay
            payments.pay_request_with_wallet(bill, people.owner, idempotency_key="fee-pay")
        with pytest.raises(Conflict):
            payments.pay_request_with_wallet(bill, people.owner, idempotency_key="fee-pay-2")
        # The settlement handler replayed (a retried task) changes nothing.
        services.steps.issue_paid(permit.pk)
        permit.refresh_from_db()
        assert permit.status == workflow.ISSUED
        assert PermitEvent.objects.filter(permit=permit, action="issue").count() == 1
        treasury = Account.objects.get(pk=bill.merchant_id)
        assert treasury.balance == FEE
        # Approving again is refused; no second bill.
        with pytest.raises(Conflict):
            services.approve(permit, people.lurah)
        assert PaymentRequest.objects.filter(reference=f"permit:{permit.uuid}").count() == 1


def test_no_fee_keeps_the_old_flow(tenant_a: Tenant, people: People) -> None:
    permit = _verified(tenant_a, people)
    with tenant_a:
        permit = services.approve(permit, people.lurah)
        assert permit.status == workflow.ISSUED
        assert not PaymentRequest.objects.filter(reference=f"permit:{permit.uuid}").exists()


def test_inactive_fee_is_no_fee(tenant_a: Tenant, people: People, fee: PermitFee) -> None:
    with tenant_a:
        PermitFee.objects.update(is_active=False)
    permit = _verified(tenant_a, people)
    with tenant_a:
        assert services.approve(permit, people.lurah).status == workflow.ISSUED


def test_role_matrix(tenant_a: Tenant, people: People, fee: PermitFee) -> None:
    """Only the lurah approves (and so bills); nobody but the payment issues an unpaid permit;
    the applicant cannot bill their own permit."""
    permit = _verified(tenant_a, people)
    with tenant_a:
        for who in (people.owner, people.staf, people.ketua_rt):
            with pytest.raises(Forbidden):
                services.approve(permit, who)
        permit = services.approve(permit, people.lurah)
        for who in (people.owner, people.ketua_rt):
            with pytest.raises(Forbidden):
                services.issue(permit, who)
        with pytest.raises((ValidationFailed, Conflict)):
            services.issue(permit, people.admin)
        with pytest.raises(Conflict):  # billed already: bill is a step from "approved" only
            services.steps.bill(permit, people.lurah)
        with pytest.raises(Conflict):  # a decided permit is not withdrawn
            services.withdraw(permit, people.owner)
        permit.refresh_from_db()
        assert permit.status == workflow.AWAITING_PAYMENT


def test_permit_page_shows_the_bill_with_qris(tenant_a: Tenant, people: People, fee: PermitFee) -> None:
    permit = _verified(tenant_a, people)
    with tenant_a:
        services.approve(permit, people.lurah)
    page = logged_in(tenant_a, people.owner).get(f"/izin/{permit.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-testid="permit-fee"' in body and "Rp75.000" in body.replace("\xa0", "")
    assert "Menunggu pembayaran retribusi" in body
    staff_page = logged_in(tenant_a, people.staf).get(f"/izin/{permit.pk}/")
    assert staff_page.status_code == 200 and 'data-testid="permit-fee"' in staff_page.content.decode()
    assert 'data-testid="action-issue"' not in staff_page.content.decode()


def test_state_machine_has_the_payment_wait() -> None:
    assert workflow.PERMIT.allowed(workflow.APPROVED) == ("bill", "issue")
    assert workflow.PERMIT.allowed(workflow.AWAITING_PAYMENT) == ("issue",)

"""ArisanGo vouchers: a round paid out as a voucher, redeemed at shops (in part), expired back to
the wallet; the ledger invariants hold under any sequence (property test); roles; the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.bazar import services
from apps.bazar.models import Voucher
from apps.community import services as community
from apps.community.models import ArisanRound
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.payments import services as pay
from apps.payments.models import Account, AccountKind
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, arisan_with_paid_round, key
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def _balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def _invariants() -> None:
    """Voucher accounts hold exactly what open vouchers still promise; nothing negative."""
    liabilities = Account.objects.filter(kind=AccountKind.VOUCHER).aggregate(s=Sum("balance"))["s"] or 0
    outstanding = Voucher.objects.filter(status=Voucher.Status.ACTIVE).aggregate(s=Sum("remaining"))["s"] or 0
    assert liabilities == outstanding
    for voucher in Voucher.objects.select_related("account"):
        assert voucher.account.balance == voucher.remaining >= 0
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
    assert unbalanced_entries() == [] and verify_balances() == []


def test_a_round_paid_out_as_a_voucher(world: World) -> None:
    m = world.market
    pool = world.group.pool_account
    wallet_before = _balance(pay.ensure_wallet(m.joko))
    voucher = services.pay_out_as_voucher(world.round1, actor=m.andi)
    assert (voucher.holder, voucher.value, voucher.remaining) == (m.joko, 100_000, 100_000)
    assert voucher.expires_on == timezone.localdate() + timedelta(days=services.DEFAULT_VALIDITY_DAYS)
    assert _balance(voucher.account) == 100_000 and _balance(pool) == 0
    assert _balance(pay.ensure_wallet(m.joko)) == wallet_before  # not cash
    assert ArisanRound.objects.get(pk=world.round1.pk).status == ArisanRound.Status.PAID_OUT
    assert services.pay_out_as_voucher(world.round1, actor=m.andi).pk == voucher.pk  # once
    _invariants()


def test_only_the_organiser_pays_out_and_not_after_cash(world: World) -> None:
    m = world.market
    with pytest.raises(Forbidden):
        services.pay_out_as_voucher(world.round1, actor=m.joko)
    assert not Voucher.objects.exists()
    community.pay_out(world.round1, actor=m.andi)  # cash
    with pytest.raises(Conflict) as refused:
        services.pay_out_as_voucher(world.round1, actor=m.andi)
    assert refused.value.code == "already_paid_out"


def test_partial_redemptions_then_used_up(world: World) -> None:
    m = world.market
    voucher = services.pay_out_as_voucher(world.round1, actor=m.andi)
    assert m.pecel.payment_account is not None
    till = _balance(m.pecel.payment_account)
    first = services.redeem_voucher(voucher.code.lower(), m.pecel, 30_000, actor=m.sri, idempotency_key="r-1")
    assert (first.voucher.remaining, first.replayed) == (70_000, False)
    again = services.redeem_voucher(voucher.code, m.pecel, 30_000, actor=m.sri, idempotency_key="r-1")
    assert again.replayed and again.entry.pk == first.entry.pk and again.voucher.remaining == 70_000
    with pytest.raises(Conflict):  # the same key with another amount
        services.redeem_voucher(voucher.code, m.pecel, 10_000, actor=m.sri, idempotency_key="r-1")
    with pytest.raises(Conflict) as short:
        services.redeem_voucher(voucher.code, m.oleh, 70_001, actor=m.yati, idempotency_key="r-2")
    assert short.value.code == "voucher_insufficient"
    services.redeem_voucher(voucher.code, m.oleh, 70_000, actor=m.yati, idempotency_key="r-3")
    voucher.refresh_from_db()
    assert (voucher.remaining, voucher.status) == (0, Voucher.Status.USED)
    assert _balance(m.pecel.payment_account) == till + 30_000
    assert m.oleh.payment_account is not None and _balance(m.oleh.payment_account) == 70_000
    with pytest.raises(Conflict) as closed:
        services.redeem_voucher(voucher.code, m.pecel, 1, actor=m.sri, idempotency_key="r-4")
    assert closed.value.code == "voucher_closed"
    _invariants()


def test_redemption_roles_and_unknown_codes(world: World) -> None:
    m = world.market
    voucher = services.pay_out_as_voucher(world.round1, actor=m.andi)
    with pytest.raises(Forbidden):  # only the shop's owner takes vouchers for it
        services.redeem_voucher(voucher.code, m.pecel, 1_000, actor=m.joko, idempotency_key="x-1")
    with pytest.raises(NotFound):
        services.redeem_voucher("TIDAKADA22", m.pecel, 1_000, actor=m.sri, idempotency_key="x-2")
    with pytest.raises(ValidationFailed):
        services.redeem_voucher(voucher.code, m.pecel, 0, actor=m.sri, idempotency_key="x-3")
    _invariants()


def test_expiry_returns_the_rest_to_the_holders_wallet(world: World) -> None:
    m = world.market
    voucher = services.pay_out_as_voucher(
        world.round1, actor=m.andi, expires_on=timezone.localdate() + timedelta(days=1)
    )
    services.redeem_voucher(voucher.code, m.pecel, 40_000, actor=m.sri, idempotency_key="e-1")
    wallet = pay.ensure_wallet(m.joko)
    before = _balance(wallet)
    assert services.expire_vouchers() == 0  # still valid today and tomorrow
    later = timezone.localdate() + timedelta(days=2)
    assert services.expire_vouchers(today=later) == 1
    voucher.refresh_from_db()
    assert (voucher.status, voucher.remaining) == (Voucher.Status.EXPIRED, 0)
    assert _balance(wallet) == before + 60_000
    assert services.expire_vouchers(today=later) == 0  # once
    services.expire_voucher(voucher, today=later)  # again: nothing moves
    assert _balance(wallet) == before + 60_000
    _invariants()


def test_expired_vouchers_are_refused_at_the_till(world: World) -> None:
    m = world.market
    voucher = services.pay_out_as_voucher(
        world.round1, actor=m.andi, expires_on=timezone.localdate() + timedelta(days=1)
    )
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(Conflict) as refused:
        services.redeem_voucher(voucher.code, m.pecel, 1_000, actor=m.sri, idempotency_key="old-1")
    assert refused.value.code == "voucher_closed"


def test_expiry_must_be_in_the_future(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.pay_out_as_voucher(world.round1, actor=world.market.andi, expires_on=timezone.localdate())


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), st.integers(0, 0)),
        st.tuples(st.just("redeem"), st.integers(1, 120_000)),
        st.tuples(st.just("expire"), st.integers(0, 3)),
        st.tuples(st.just("retry"), st.integers(0, 0)),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_keeps_the_ledger_invariants(world: World, ops: list[tuple[str, int]]) -> None:
    """issue / redeem (any amount, any voucher, at either shop) / expire (days ahead) / retry the
    last redemption: liabilities always equal what open vouchers promise, nothing goes negative,
    and a refused step changes nothing."""
    m = world.market
    sid = connection.savepoint()  # each example starts from the same world
    try:
        vouchers: list[Voucher] = []
        last: tuple[str, int, str, object] | None = None
        for step, (op, arg) in enumerate(ops):
            try:
                if op == "issue":
                    _group, round_ = arisan_with_paid_round(m.andi, m.joko, name=f"Arisan {step}-{key()[-6:]}")
                    vouchers.append(services.pay_out_as_voucher(round_, actor=m.andi))
                elif op == "redeem" and vouchers:
                    v = vouchers[arg % len(vouchers)]
                    shop, owner = (m.pecel, m.sri) if arg % 2 else (m.oleh, m.yati)
                    k = key()
                    services.redeem_voucher(v.code, shop, arg, actor=owner, idempotency_key=k)
                    last = (v.code, arg, k, (shop, owner))
                elif op == "expire":
                    services.expire_vouchers(today=timezone.localdate() + timedelta(days=arg * 60))
                elif op == "retry" and last is not None:
                    code, amount, k, (shop, owner) = last  # type: ignore[misc]
                    assert services.redeem_voucher(code, shop, amount, actor=owner, idempotency_key=k).replayed
            except Conflict:
                pass  # refused (more than the rest, closed voucher): checked by the invariants
            _invariants()
    finally:
        connection.savepoint_rollback(sid)


def test_voucher_api_payout_redeem_and_list(world: World, tenant_a: Tenant) -> None:
    m = world.market
    organiser = signed_in(tenant_a, m.andi)
    made = organiser.post(
        f"/api/v1/bazar/arisan-rounds/{world.round1.pk}/voucher/",
        {"expires_on": (date.today() + timedelta(days=30)).isoformat()},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="vp-1",
    )
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    assert signed_in(tenant_a, m.joko).get("/api/v1/bazar/vouchers/").json()["results"][0]["code"] == code
    assert signed_in(tenant_a, m.sri).get("/api/v1/bazar/vouchers/").json()["results"] == []
    shop = signed_in(tenant_a, m.sri)
    body = {"code": code, "shop": m.pecel.pk, "amount": 25_000}
    first = shop.post(
        "/api/v1/bazar/vouchers/redeem/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rd-1"
    )
    again = shop.post(
        "/api/v1/bazar/vouchers/redeem/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rd-1"
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert first.json()["remaining"] == 75_000
    no_key = shop.post("/api/v1/bazar/vouchers/redeem/", body, content_type="application/json")
    assert no_key.status_code == 422
    other = signed_in(tenant_a, m.yati).post(
        "/api/v1/bazar/vouchers/redeem/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rd-2"
    )
    assert other.status_code == 403  # Bu Yati is not the pecel shop's owner
    _invariants()


def test_voucher_pages(world: World, tenant_a: Tenant) -> None:
    m = world.market
    voucher = services.pay_out_as_voucher(world.round1, actor=m.andi)
    page = signed_in(tenant_a, m.joko).get("/bazar/voucher/")
    assert page.status_code == 200 and voucher.code in page.content.decode()
    assert "kembali otomatis ke dompet" in page.content.decode()
    till = signed_in(tenant_a, m.sri)
    assert till.get("/bazar/voucher/tukar/").status_code == 200
    assert signed_in(tenant_a, m.joko).get("/bazar/voucher/tukar/").status_code == 404  # no shop
    done = till.post(
        "/bazar/voucher/tukar/",
        {"shop": m.pecel.pk, "code": voucher.code, "amount": "12000", "idempotency_key": "page-1"},
        follow=True,
    )
    assert done.status_code == 200 and "Rp88.000" in done.content.decode()
    voucher.refresh_from_db()
    assert voucher.remaining == 88_000
    _invariants()


def test_the_daily_task_expires_past_vouchers(world: World) -> None:
    from apps.bazar import tasks

    voucher = services.pay_out_as_voucher(world.round1, actor=world.market.andi)
    assert tasks.expire_vouchers() == 0
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    assert tasks.expire_vouchers() == 1
    voucher.refresh_from_db()
    assert voucher.status == Voucher.Status.EXPIRED
    _invariants()


def test_voucher_list_query_budget(world: World, tenant_a: Tenant) -> None:
    from tests.budgets import assert_list_budget

    m = world.market
    client = signed_in(tenant_a, m.joko)

    def grow(count: int) -> None:
        for _ in range(count):
            _group, round_ = arisan_with_paid_round(m.andi, m.joko, name=f"Arisan {key()[-8:]}")
            services.pay_out_as_voucher(round_, actor=m.andi)

    assert_list_budget(fetch=lambda: client.get("/api/v1/bazar/vouchers/"), grow=grow)
    assert_list_budget(fetch=lambda: client.get("/bazar/voucher/"), grow=grow)

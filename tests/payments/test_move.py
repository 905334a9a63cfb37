"""`move`: internal movements between ledger accounts (wallets, RT cash, arisan pools, clearing)."""

from __future__ import annotations

import pytest

from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.payments import services
from apps.payments.models import MOVE_RULES, Account, AccountKind, EntryKind, JournalEntry, Posting
from apps.payments.reconciliation import verify_balances
from tests.payments.conftest import People, balances, check_deferred_now, fund, key

pytestmark = pytest.mark.django_db


def rt_cash() -> Account:
    return services.open_account(AccountKind.RT_CASH, name="Kas RT 01/RW 01")


def cash_clearing() -> Account:
    return services.open_account(AccountKind.CASH_CLEARING, name="Kliring kas tunai RT 01/RW 01")


def pool() -> Account:
    return services.open_account(AccountKind.ARISAN_POOL, name="Dana arisan ibu-ibu")


def assert_ledger_sound() -> None:
    check_deferred_now()  # the balanced-entry constraint triggers
    assert sum(Account.objects.values_list("balance", flat=True)) == 0
    assert sum(Posting.objects.values_list("amount", flat=True)) == 0
    assert verify_balances() == []


def test_cash_clearing_is_openable_and_may_go_negative(people: People) -> None:
    clearing = cash_clearing()
    assert clearing.kind == AccountKind.CASH_CLEARING
    assert clearing.allow_negative is True
    cash = rt_cash()
    entry = services.move(clearing, cash, 20_000, idempotency_key=key(), reference="kas:rt:1", memo="Iuran tunai")
    clearing.refresh_from_db()
    cash.refresh_from_db()
    assert (clearing.balance, cash.balance) == (-20_000, 20_000)
    assert entry.kind == EntryKind.TRANSFER
    assert (entry.amount, entry.reference, entry.description) == (20_000, "kas:rt:1", "Iuran tunai")
    assert_ledger_sound()


def test_every_documented_pair_moves_in_one_balanced_entry(people: People) -> None:
    wallet, cash, clearing, arisan = people.joko_wallet, rt_cash(), cash_clearing(), pool()
    fund(wallet, 100_000)
    steps = [
        (wallet, cash, 30_000),
        (cash, wallet, 5_000),
        (wallet, arisan, 20_000),
        (arisan, wallet, 20_000),
        (clearing, cash, 10_000),
        (cash, clearing, 15_000),
    ]
    for source, destination, amount in steps:
        entry = services.move(source, destination, amount, idempotency_key=key(), reference="test", actor=people.joko)
        lines = {p.account_id: p.amount for p in entry.postings.all()}
        assert lines == {source.pk: -amount, destination.pk: amount}
        assert sum(lines.values()) == 0
        assert entry.created_by_id == people.joko.pk
    got = balances()
    assert got[wallet.code] == 100_000 - 30_000 + 5_000 - 20_000 + 20_000
    assert got[cash.code] == 30_000 - 5_000 + 10_000 - 15_000
    assert got[arisan.code] == 0
    assert got[clearing.code] == -10_000 + 15_000
    assert_ledger_sound()


def test_same_key_same_parameters_returns_the_same_entry(people: People) -> None:
    cash = rt_cash()
    fund(people.joko_wallet, 50_000)
    k = key()
    first = services.move(people.joko_wallet, cash, 10_000, idempotency_key=k, reference="iuran:2026-11")
    # The memo is not a money parameter: a retry with another text still replays.
    again = services.move(people.joko_wallet, cash, 10_000, idempotency_key=k, reference="iuran:2026-11", memo="lagi")
    assert again.pk == first.pk
    assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 1
    assert balances()[cash.code] == 10_000
    assert balances()[people.joko_wallet.code] == 40_000
    assert_ledger_sound()


@pytest.mark.parametrize("change", ["amount", "reference", "destination", "source"])
def test_same_key_other_parameters_is_a_409(people: People, change: str) -> None:
    cash, other_cash = rt_cash(), rt_cash()
    fund(people.joko_wallet, 50_000)
    fund(people.andi_wallet, 50_000)
    k = key()
    services.move(people.joko_wallet, cash, 10_000, idempotency_key=k, reference="iuran:2026-11")
    before = balances()
    params: dict[str, object] = {
        "source": people.joko_wallet,
        "destination": cash,
        "amount": 10_000,
        "reference": "iuran:2026-11",
    }
    params[change] = {
        "amount": 9_000,
        "reference": "iuran:2026-12",
        "destination": other_cash,
        "source": people.andi_wallet,
    }[change]
    with pytest.raises(Conflict) as exc:
        services.move(idempotency_key=k, **params)  # type: ignore[arg-type]
    assert exc.value.status_code == 409
    assert exc.value.code == "idempotency_conflict"
    assert balances() == before


def test_overdraft_is_refused_on_accounts_that_may_not_go_negative(people: People) -> None:
    cash, arisan, clearing = rt_cash(), pool(), cash_clearing()
    fund(people.joko_wallet, 5_000)
    before = balances()
    for source, destination in [(people.joko_wallet, cash), (cash, people.joko_wallet), (arisan, people.joko_wallet)]:
        with pytest.raises(Conflict) as exc:
            services.move(source, destination, 5_001, idempotency_key=key(), reference="test")
        assert exc.value.status_code == 409
        assert exc.value.code == "insufficient_funds"
    with pytest.raises(Conflict):
        services.move(cash, clearing, 1, idempotency_key=key(), reference="test")  # no cash to spend
    assert balances() == before
    # Exactly the balance is fine; the wallet ends at zero.
    services.move(people.joko_wallet, cash, 5_000, idempotency_key=key(), reference="test")
    assert balances()[people.joko_wallet.code] == 0
    assert_ledger_sound()


def test_pairs_the_kind_rules_forbid_are_refused(people: People) -> None:
    cash, other_cash, clearing, arisan = rt_cash(), rt_cash(), cash_clearing(), pool()
    receivable = services.open_account(AccountKind.LOAN_RECEIVABLE, name="Piutang BPR")
    fee, gateway = services.platform_fee_account(), services.gateway_clearing_account()
    fund(people.joko_wallet, 50_000)
    services.move(people.joko_wallet, cash, 20_000, idempotency_key=key(), reference="test")
    before = balances()
    forbidden = [
        (people.joko_wallet, people.andi_wallet),  # that is `transfer`
        (people.joko_wallet, people.shop),  # that is `pay`
        (people.shop, people.joko_wallet),
        (people.joko_wallet, fee),
        (gateway, people.joko_wallet),  # that is `top_up`
        (cash, gateway),
        (clearing, people.joko_wallet),  # cash never becomes wallet money directly
        (people.joko_wallet, clearing),
        (clearing, arisan),
        (cash, other_cash),
        (cash, arisan),
        (receivable, cash),  # a loan is disbursed to a wallet only (apps.lending)
        (cash, receivable),
    ]
    for source, destination in forbidden:
        assert (source.kind, destination.kind) not in MOVE_RULES
        with pytest.raises(ValidationFailed) as exc:
            services.move(source, destination, 1_000, idempotency_key=key(), reference="test")
        assert exc.value.status_code == 422
        assert exc.value.code == "move_not_allowed"
    assert balances() == before
    assert_ledger_sound()


def test_bad_input_is_refused_before_anything_moves(people: People) -> None:
    cash = rt_cash()
    fund(people.joko_wallet, 5_000)
    before = balances()
    with pytest.raises(ValidationFailed):
        services.move(cash, cash, 1_000, idempotency_key=key(), reference="test")
    for amount in (0, -1, 1.5):
        with pytest.raises(ValidationFailed):
            services.move(people.joko_wallet, cash, amount, idempotency_key=key(), reference="t")  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed):
        services.move(people.joko_wallet, cash, 1_000, idempotency_key=" ", reference="test")
    ghost = Account(pk=10**9, code="ghost", kind=AccountKind.RT_CASH, name="ghost")
    with pytest.raises(NotFound):
        services.move(people.joko_wallet, ghost, 1_000, idempotency_key=key(), reference="test")
    assert balances() == before


def test_frozen_account_is_refused(people: People) -> None:
    cash = rt_cash()
    fund(people.joko_wallet, 5_000)
    cash.is_active = False
    cash.save()
    with pytest.raises(Conflict) as exc:
        services.move(people.joko_wallet, cash, 1_000, idempotency_key=key(), reference="test")
    assert exc.value.code == "account_frozen"


def test_loan_loss_moves_only_in_its_two_lending_pairs(people: People) -> None:
    """A lender's credit-loss account: charged into the receivable at a write-off, credited from
    a wallet by a recovery; may go negative (it accumulates the loss); nothing else moves it."""
    loss = services.open_account(AccountKind.LOAN_LOSS, name="Kerugian kredit BPR")
    receivable = services.open_account(AccountKind.LOAN_RECEIVABLE, name="Piutang BPR")
    income = services.open_account(AccountKind.LENDER_INCOME, name="Pendapatan BPR")
    cash = rt_cash()
    assert loss.kind == AccountKind.LOAN_LOSS and loss.allow_negative is True
    assert {pair for pair in MOVE_RULES if AccountKind.LOAN_LOSS in pair} == {
        (AccountKind.LOAN_LOSS, AccountKind.LOAN_RECEIVABLE),
        (AccountKind.WALLET, AccountKind.LOAN_LOSS),
    }
    fund(people.joko_wallet, 50_000)
    services.move(receivable, people.joko_wallet, 100_000, idempotency_key=key(), reference="pinjaman-1")
    services.move(loss, receivable, 100_000, idempotency_key=key(), reference="pinjaman-1")  # write-off
    services.move(people.joko_wallet, loss, 30_000, idempotency_key=key(), reference="pinjaman-1")  # recovery
    got = balances()
    assert (got[receivable.code], got[loss.code], got[people.joko_wallet.code]) == (0, -70_000, 120_000)
    before = balances()
    for source, destination in [
        (receivable, loss),
        (loss, people.joko_wallet),
        (loss, income),
        (income, loss),
        (cash, loss),
        (loss, cash),
    ]:
        with pytest.raises(ValidationFailed) as exc:
            services.move(source, destination, 1_000, idempotency_key=key(), reference="test")
        assert exc.value.code == "move_not_allowed"
    assert balances() == before
    assert_ledger_sound()

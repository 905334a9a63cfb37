"""The ledger: balanced entries, idempotency, no overdraft, corrections by reversal only."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from apps.core.errors import Conflict, ValidationFailed
from apps.payments import services
from apps.payments.models import Account, AccountKind, EntryKind, JournalEntry, Posting
from apps.payments.reconciliation import verify_balances
from tests.ledger_guard import ledger_triggers_off
from tests.payments.conftest import People, balances, check_deferred_now, fund, key

pytestmark = pytest.mark.django_db


def test_transfer_moves_money_in_one_balanced_entry(people: People) -> None:
    fund(people.joko_wallet, 100_000)
    entry = services.transfer(people.joko_wallet, people.andi_wallet, 30_000, idempotency_key=key())
    people.joko_wallet.refresh_from_db()
    people.andi_wallet.refresh_from_db()
    assert (people.joko_wallet.balance, people.andi_wallet.balance) == (70_000, 30_000)
    lines = {p.account_id: (p.amount, p.balance_after) for p in entry.postings.all()}
    assert lines == {people.joko_wallet.pk: (-30_000, 70_000), people.andi_wallet.pk: (30_000, 30_000)}
    assert sum(Account.objects.values_list("balance", flat=True)) == 0
    check_deferred_now()
    assert verify_balances() == []


def test_same_key_same_result_and_no_second_movement(people: People) -> None:
    fund(people.joko_wallet, 50_000)
    k = key()
    first = services.transfer(people.joko_wallet, people.andi_wallet, 10_000, idempotency_key=k)
    again = services.transfer(people.joko_wallet, people.andi_wallet, 10_000, idempotency_key=k)
    assert again.pk == first.pk
    assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 1
    people.andi_wallet.refresh_from_db()
    assert people.andi_wallet.balance == 10_000


def test_same_key_other_parameters_is_a_conflict(people: People) -> None:
    fund(people.joko_wallet, 50_000)
    k = key()
    services.transfer(people.joko_wallet, people.andi_wallet, 10_000, idempotency_key=k)
    before = balances()
    with pytest.raises(Conflict) as exc:
        services.transfer(people.joko_wallet, people.andi_wallet, 11_000, idempotency_key=k)
    assert exc.value.status_code == 409 and exc.value.code == "idempotency_conflict"
    assert balances() == before


def test_a_replay_after_the_wallet_emptied_still_returns_the_original(people: People) -> None:
    fund(people.joko_wallet, 10_000)
    k = key()
    first = services.transfer(people.joko_wallet, people.andi_wallet, 10_000, idempotency_key=k)
    assert services.transfer(people.joko_wallet, people.andi_wallet, 10_000, idempotency_key=k).pk == first.pk


def test_overdraft_is_refused_and_changes_nothing(people: People) -> None:
    fund(people.joko_wallet, 5_000)
    before = balances()
    with pytest.raises(Conflict) as exc:
        services.transfer(people.joko_wallet, people.andi_wallet, 5_001, idempotency_key=key())
    assert exc.value.code == "insufficient_funds"
    assert "Saldo" in str(exc.value.message)
    assert balances() == before
    assert not JournalEntry.objects.filter(kind=EntryKind.TRANSFER).exists()


@pytest.mark.parametrize(
    "amount", [0, -1, -50_000, 1.5, "abc", None, True, 10**12, "1.500,50", "1500.50", "1,500", "-1.000"]
)
def test_bad_amounts_are_rejected_with_422(people: People, amount: object) -> None:
    fund(people.joko_wallet, 5_000)
    before = balances()
    with pytest.raises(ValidationFailed) as exc:
        services.transfer(people.joko_wallet, people.andi_wallet, amount, idempotency_key=key())  # type: ignore[arg-type]
    assert exc.value.status_code == 422
    assert balances() == before


def test_wrong_account_kinds_and_self_transfer_are_rejected(people: People) -> None:
    fund(people.joko_wallet, 5_000)
    with pytest.raises(ValidationFailed):
        services.transfer(people.joko_wallet, people.joko_wallet, 1_000, idempotency_key=key())
    with pytest.raises(ValidationFailed):
        services.transfer(people.joko_wallet, people.shop, 1_000, idempotency_key=key())
    with pytest.raises(ValidationFailed):
        services.pay(people.joko_wallet, people.andi_wallet, 1_000, 0, "x", key())
    with pytest.raises(ValidationFailed):
        services.transfer(people.joko_wallet, people.andi_wallet, 1_000, idempotency_key="  ")


def test_pay_splits_into_merchant_and_platform_fee(people: People) -> None:
    fund(people.joko_wallet, 100_000)
    entry = services.pay(people.joko_wallet, people.shop, 25_000, 75, "order:1", key())
    got = {p.account.code: p.amount for p in entry.postings.select_related("account")}
    assert got == {
        people.joko_wallet.code: -25_000,
        people.shop.code: 24_925,
        f"system:{AccountKind.PLATFORM_FEE}": 75,
    }
    with pytest.raises(ValidationFailed):
        services.pay(people.joko_wallet, people.shop, 1_000, 1_000, "x", key())
    with pytest.raises(ValidationFailed):
        services.pay(people.joko_wallet, people.shop, 1_000, -1, "x", key())


def test_refunds_are_pro_rata_reversals_up_to_the_paid_amount(people: People) -> None:
    fund(people.joko_wallet, 100_000)
    payment = services.pay(people.joko_wallet, people.shop, 10_001, 301, "order:2", key())
    k = key()
    first = services.refund(payment, 3_333, idempotency_key=k)
    assert services.refund(payment, 3_333, idempotency_key=k).pk == first.pk  # replay
    services.refund(payment, 6_000, idempotency_key=key())
    with pytest.raises(Conflict) as exc:
        services.refund(payment, 669, idempotency_key=key())
    assert exc.value.code == "over_refund"
    services.refund(payment, 668, idempotency_key=key())
    # Fully refunded: every account of the payment is back exactly where it was.
    people.joko_wallet.refresh_from_db()
    people.shop.refresh_from_db()
    assert people.joko_wallet.balance == 100_000
    assert people.shop.balance == 0
    assert services.platform_fee_account().balance == 0
    for entry in JournalEntry.objects.filter(reverses=payment):
        assert entry.kind == EntryKind.REFUND
        assert sum(p.amount for p in entry.postings.all()) == 0
    check_deferred_now()


def test_refund_needs_the_merchant_to_still_hold_the_money(people: People) -> None:
    fund(people.joko_wallet, 10_000)
    payment = services.pay(people.joko_wallet, people.shop, 10_000, 0, "order:3", key())
    services.payout(people.shop, 10_000, idempotency_key=key(), destination="BRI 0123")
    with pytest.raises(Conflict) as exc:
        services.refund(payment, 5_000, idempotency_key=key())
    assert exc.value.code == "insufficient_funds"


def test_only_payments_can_be_refunded(people: People) -> None:
    fund(people.joko_wallet, 10_000)
    transfer = services.transfer(people.joko_wallet, people.andi_wallet, 1_000, idempotency_key=key())
    with pytest.raises(ValidationFailed):
        services.refund(transfer, 1_000, idempotency_key=key())


def test_payout_moves_settlement_to_clearing(people: People) -> None:
    fund(people.joko_wallet, 50_000)
    services.pay(people.joko_wallet, people.shop, 50_000, 0, "order:4", key())
    services.payout(people.shop, 20_000, idempotency_key=key(), destination="BRI 0123")
    people.shop.refresh_from_db()
    assert people.shop.balance == 30_000
    with pytest.raises(Conflict):
        services.payout(people.shop, 30_001, idempotency_key=key())


def test_corrections_are_reversing_entries(people: People) -> None:
    fund(people.joko_wallet, 50_000)
    mistaken = services.transfer(people.joko_wallet, people.andi_wallet, 20_000, idempotency_key=key())
    reversal = services.reverse_entry(mistaken, idempotency_key=key(), reason="salah kirim")
    assert reversal.kind == EntryKind.REVERSAL and reversal.reverses_id == mistaken.pk
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 50_000
    with pytest.raises(Conflict):
        services.reverse_entry(mistaken, idempotency_key=key())
    with pytest.raises(ValidationFailed):
        services.reverse_entry(reversal, idempotency_key=key())


# --- the database itself refuses what must never happen ----------------------------------


def _refused(sql: str, params: list[object]) -> None:
    check_deferred_now()  # TRUNCATE refuses to run beside pending deferred checks
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_updates_and_deletes_of_entries_and_postings(people: People) -> None:
    entry = fund(people.joko_wallet, 10_000)
    posting = entry.postings.first()
    assert posting is not None
    _refused("UPDATE payments_posting SET amount = amount + 1 WHERE id = %s", [posting.pk])
    _refused("DELETE FROM payments_posting WHERE id = %s", [posting.pk])
    _refused("UPDATE payments_journalentry SET amount = 1 WHERE id = %s", [entry.pk])
    _refused("DELETE FROM payments_journalentry WHERE id = %s", [entry.pk])
    _refused("TRUNCATE payments_posting CASCADE", [])
    with pytest.raises(IntegrityError), transaction.atomic():
        Posting.objects.filter(pk=posting.pk).update(amount=1)


def test_database_refuses_direct_balance_changes(people: People) -> None:
    _refused("UPDATE payments_account SET balance = 1000000 WHERE id = %s", [people.joko_wallet.pk])
    _refused(
        "INSERT INTO payments_account (public_id, code, kind, name, allow_negative, balance, is_active, nmid, mcc,"
        " city, qris_payload, created_at) VALUES (gen_random_uuid(), 'evil', 'wallet', 'x', false, 500, true,"
        " '', '', '', '', now())",
        [],
    )
    # A stale in-memory copy saved back does not touch the balance.
    fund(people.joko_wallet, 7_000)
    stale = Account.objects.get(pk=people.joko_wallet.pk)
    stale.balance = 0
    stale.name = "Dompet Pak Joko"
    stale.save()
    stale.refresh_from_db()
    assert (stale.name, stale.balance) == ("Dompet Pak Joko", 7_000)


def test_database_refuses_unbalanced_entries(people: People) -> None:
    entry = fund(people.joko_wallet, 10_000)
    new_entry = (
        "INSERT INTO payments_journalentry (public_id, kind, idempotency_key, request_hash, amount, fee, description,"
        " reference, created_at) VALUES (gen_random_uuid(), 'transfer', %s, 'x', 100, 0, '', '', now()) RETURNING id"
    )
    # one leg only
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(new_entry, [key()])
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO payments_posting (entry_id, account_id, amount, balance_after, created_at)"
            " VALUES (%s, %s, 100, 0, now())",
            [entry_id, people.andi_wallet.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # two legs not summing to zero
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(new_entry, [key()])
        entry_id = cursor.fetchone()[0]
        for account, amount in ((people.andi_wallet.pk, 100), (people.joko_wallet.pk, -99)):
            cursor.execute(
                "INSERT INTO payments_posting (entry_id, account_id, amount, balance_after, created_at)"
                " VALUES (%s, %s, %s, 0, now())",
                [entry_id, account, amount],
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    # an entry with no postings at all
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(new_entry, [key()])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert entry.postings.count() == 2


def test_database_refuses_a_negative_wallet(people: People) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_journalentry (public_id, kind, idempotency_key, request_hash, amount, fee,"
            " description, reference, created_at) VALUES (gen_random_uuid(), 'transfer', %s, 'x', 100, 0, '', '',"
            " now()) RETURNING id",
            [key()],
        )
        entry_id = cursor.fetchone()[0]
        for account, amount in ((people.andi_wallet.pk, 100), (people.joko_wallet.pk, -100)):
            cursor.execute(
                "INSERT INTO payments_posting (entry_id, account_id, amount, balance_after, created_at)"
                " VALUES (%s, %s, %s, 0, now())",
                [entry_id, account, amount],
            )


def test_verify_balances_finds_a_tampered_cache(people: People) -> None:
    fund(people.joko_wallet, 10_000)
    assert verify_balances() == []
    with transaction.atomic(), connection.cursor() as cursor, ledger_triggers_off(cursor, ["payments_account"]):
        cursor.execute("UPDATE payments_account SET balance = 99 WHERE id = %s", [people.joko_wallet.pk])
    drift = verify_balances()
    assert [(d.code, d.cached, d.derived) for d in drift] == [(people.joko_wallet.code, 99, 10_000)]


def test_accounts_and_wallets(people: People) -> None:
    assert services.ensure_wallet(people.joko).pk == people.joko_wallet.pk
    rt = services.open_account(AccountKind.RT_CASH, name="Kas RT 01/RW 01")
    assert rt.allow_negative is False
    receivable = services.open_account(AccountKind.LOAN_RECEIVABLE, name="Piutang BPR")
    assert receivable.allow_negative is True
    assert services.gateway_clearing_account().allow_negative is True
    with pytest.raises(ValidationFailed):
        services.open_account(AccountKind.PLATFORM_FEE, name="x")


def test_an_entry_written_unbalanced_is_refused_inside_the_call(
    people: People, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check on the entry as written (not SET CONSTRAINTS, which Citus does not pass on to
    the workers): a posting lost between the Python check and the database raises the domain
    error in the call, and nothing of the entry stays."""
    fund(people.joko_wallet, 10_000)
    write = Posting.objects.bulk_create

    def lose_last_posting(objs: object, *args: object, **kwargs: object) -> object:
        return write(list(objs)[:-1], *args, **kwargs)

    monkeypatch.setattr(Posting.objects, "bulk_create", lose_last_posting)
    lost = key()
    with pytest.raises(ValidationFailed) as refused:
        services.transfer(people.joko_wallet, people.andi_wallet, 4_000, idempotency_key=lost)
    assert refused.value.code == "unbalanced"
    assert not JournalEntry.objects.filter(idempotency_key=lost).exists()
    assert balances()[people.joko_wallet.code] == 10_000
    check_deferred_now()  # and no pending deferred check is left to fail the transaction later


def test_ledger_triggers_take_their_table_from_an_argument_not_from_its_name(people: People) -> None:
    """On Citus a trigger fires on a shard (payments_posting_102008): the functions must not
    read TG_TABLE_NAME (migration 0008)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            " WHERE n.nspname = current_schema() AND p.proname LIKE 'payments\\_%%'"
        )
        sources = dict(cursor.fetchall())
        cursor.execute(
            "SELECT tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t"
            " WHERE NOT tgisinternal AND tgrelid IN ('payments_posting'::regclass, 'payments_journalentry'::regclass)"
        )
        triggers = dict(cursor.fetchall())
    assert sources and not [name for name, source in sources.items() if "TG_TABLE_NAME" in source]
    assert not [name for name, source in sources.items() if "session_replication_role" in source]
    assert triggers["payments_posting_balanced"].endswith("payments_entry_balanced('posting')")
    assert triggers["payments_entry_balanced"].endswith("payments_entry_balanced('entry')")
    assert triggers["payments_posting_immutable"].endswith("payments_refuse_change('payments_posting')")

"""Daily reconciliation: a clean ledger passes; every kind of fault is recorded."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from apps.payments import services
from apps.payments.models import ChargeStatus, GatewayCharge, ReconciliationRun
from apps.payments.reconciliation import reconcile
from apps.payments.tasks import reconcile as reconcile_task
from apps.payments.tasks import reconcile_all_tenants
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests.payments.conftest import People, check_deferred_now, fund, key

pytestmark = pytest.mark.django_db


def _settled_top_up(people: People, amount: int = 60_000) -> GatewayCharge:
    charge = services.start_top_up(people.joko_wallet, amount)
    tx = services.sandbox_gateway().pay(charge.order_id)
    from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, notification_body

    services.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY))
    charge.refresh_from_db()
    return charge


def test_a_clean_ledger_reconciles(people: People) -> None:
    _settled_top_up(people)
    services.pay(people.joko_wallet, people.shop, 20_000, 60, "o1", key())
    services.payout(people.shop, 10_000, idempotency_key=key())
    run = reconcile(triggered_by="test")
    assert run.status == ReconciliationRun.Status.OK, list(run.mismatches.values_list("kind", "reference", "actual"))
    assert run.entries_checked == 3 and run.charges_checked == 1 and run.accounts_checked == 5
    assert run.finished_at is not None


def test_every_fault_is_recorded(people: People) -> None:
    settled = _settled_top_up(people)
    unnotified = services.start_top_up(people.joko_wallet, 10_000)
    SandboxTransaction.objects.filter(order_id=unnotified.order_id).update(status=ChargeStatus.SETTLEMENT)
    lost = services.start_top_up(people.joko_wallet, 5_000)
    GatewayCharge.objects.filter(pk=lost.pk).update(status=ChargeStatus.SETTLEMENT)  # no entry booked
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # simulate corruption
        cursor.execute("UPDATE payments_account SET balance = balance + 1 WHERE id = %s", [people.andi_wallet.pk])
        cursor.execute(
            "INSERT INTO payments_journalentry (public_id, kind, idempotency_key, request_hash, amount, fee,"
            " description, reference, created_at) VALUES (gen_random_uuid(), 'transfer', 'corrupt', 'x', 7, 0, '',"
            " '', now()) RETURNING id"
        )
        entry_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO payments_posting (entry_id, account_id, amount, balance_after, created_at)"
            " VALUES (%s, %s, 7, 7, now())",
            [entry_id, people.andi_wallet.pk],
        )
    run = reconcile(triggered_by="test")
    kinds = set(run.mismatches.values_list("kind", flat=True))
    assert run.status == ReconciliationRun.Status.MISMATCH and run.mismatch_count == run.mismatches.count()
    assert {
        "entry_unbalanced",
        "ledger_total",
        "balance_drift",
        "charge_without_entry",
        "gateway_status",
    } <= kinds, kinds
    references = set(run.mismatches.values_list("reference", flat=True))
    assert lost.order_id in references and unnotified.order_id in references
    assert settled.order_id not in references


def test_negative_balance_is_reported(people: People) -> None:
    fund(people.joko_wallet, 1_000)
    check_deferred_now()  # ALTER TABLE refuses to run beside pending deferred checks
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("ALTER TABLE payments_account DROP CONSTRAINT payments_account_no_overdraft")
        cursor.execute("UPDATE payments_account SET balance = -5 WHERE id = %s", [people.andi_wallet.pk])
    run = reconcile(triggered_by="test", ask_gateway=False)
    assert "negative_balance" in set(run.mismatches.values_list("kind", flat=True))


def test_command_and_tasks(people: People, tenant_a: Tenant, capsys: pytest.CaptureFixture[str]) -> None:
    _settled_top_up(people)
    call_command("reconcile_payments", "--schema", tenant_a.schema_name)
    assert "kel_3577031001: run" in capsys.readouterr().out
    with tenant_a:
        GatewayCharge.objects.update(status=ChargeStatus.EXPIRE)  # booked money, charge says expired
        with pytest.raises(CommandError):
            call_command("reconcile_payments", "--schema", tenant_a.schema_name, "--no-gateway")
        assert "entry_without_charge" in capsys.readouterr().out
        result = reconcile_task.delay("test").get()
        assert result["status"] == "mismatch"
    connection.set_schema_to_public()
    assert reconcile_all_tenants.delay().get() >= 3

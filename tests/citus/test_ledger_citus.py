"""The payments ledger on a real Citus cluster: a tenant schema distributed to a worker.

Skips unless the database Django is connected to has the citus extension and at least one
worker (a single-node Citus hides the worker-side problems: there the triggers fire on the
coordinator). Runs only on a throw-away database (its name starts with "test"): it commits
into a schema of its own and drops it at the end. Run with `make test-citus` against a local
cluster (README, "Citus"): the test database is then made on every node by
apps/tenancy/postgresql/creation.py.

What it proves, with data committed on the worker (the deferred triggers fire at COMMIT there):
a balanced entry posts and balances move; an entry written unbalanced raises the domain error
inside the service call (Citus does not pass SET CONSTRAINTS on to the workers); the deferred
trigger still refuses an unbalanced commit; UPDATE, DELETE and TRUNCATE of postings and entries
and a direct balance change are refused; the start-up check refuses citus.enable_unsafe_triggers
off.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django_tenants.utils import schema_context

from apps.core.db import connection
from apps.core.errors import ValidationFailed
from apps.payments import services
from apps.payments.checks import check_citus_ledger_triggers
from apps.payments.models import Account, AccountKind, JournalEntry, Posting
from apps.tenancy import schemas
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.citus

LEDGER_TABLES = ("payments_account", "payments_journalentry", "payments_posting")


def _scalar(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def _citus_problem() -> str | None:
    if not _scalar("SELECT 1 FROM pg_extension WHERE extname = 'citus'"):
        return "not a Citus database (no citus extension)"
    if not _scalar("SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary' AND isactive"):
        return "Citus without a worker node"
    if not str(connection.settings_dict["NAME"]).startswith("test"):
        return f"database {connection.settings_dict['NAME']!r} is not a throw-away test database"
    return None


@pytest.fixture(scope="module")
def citus_schema(django_db_blocker: Any) -> Iterator[str]:
    """A kelurahan schema cloned from the template, then distributed (schema-based sharding).

    Cloned with sharding off and distributed afterwards, as docs/operations.md "Citus" says
    tenant schemas are made: the pg_dump replay adds identity columns with ALTER TABLE, which
    a distributed table refuses."""
    with django_db_blocker.unblock():
        connection.set_schema_to_public()
        problem = _citus_problem()
        if problem:
            pytest.skip(problem)
        name = f"citus_ledger_{uuid.uuid4().hex[:10]}"
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL citus.enable_schema_based_sharding = off")
            schemas.clone_template(Tenant.Type.KELURAHAN, name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT citus_schema_distribute(%s)", [name])
        try:
            yield name
        finally:
            connection.set_schema_to_public()
            with connection.cursor() as cursor:
                cursor.execute(f"DROP SCHEMA {connection.ops.quote_name(name)} CASCADE")


@pytest.fixture
def ledger(citus_schema: str, django_db_blocker: Any) -> Iterator[str]:
    """Run the test in the distributed schema, committing (no test transaction around it)."""
    with django_db_blocker.unblock(), schema_context(citus_schema):
        yield citus_schema


def key() -> str:
    return f"citus-{uuid.uuid4().hex}"


def cash(name: str) -> Account:
    return services.open_account(AccountKind.RT_CASH, name=name)


def test_the_tenant_schema_is_distributed_and_its_ledger_lives_on_a_worker(ledger: str) -> None:
    assert _scalar("SELECT count(*) FROM citus_schemas WHERE schema_name = %s::regnamespace", [ledger]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.table_name::text, n.groupid, n.nodeport FROM citus_shards s"
            " JOIN pg_dist_node n ON n.nodename = s.nodename AND n.nodeport = s.nodeport"
            " WHERE s.table_name = ANY(%s::regclass[])",
            [[f"{ledger}.{table}" for table in LEDGER_TABLES]],
        )
        placements = cursor.fetchall()
    assert len(placements) == len(LEDGER_TABLES)  # one shard each: single-shard tables
    assert 0 not in {group for _table, group, _port in placements}  # none on the coordinator
    assert len({port for _table, _group, port in placements}) == 1  # colocated on one worker
    # The triggers are there, with their arguments (copied to the shard on the worker).
    triggers = _scalar(
        "SELECT string_agg(pg_get_triggerdef(oid), E'\\n') FROM pg_trigger"
        " WHERE NOT tgisinternal AND tgrelid = %s::regclass",
        [f"{ledger}.payments_posting"],
    )
    assert "payments_entry_balanced('posting')" in triggers
    assert "payments_refuse_change('payments_posting')" in triggers


def test_a_balanced_entry_posts_and_commits(ledger: str) -> None:
    rt = cash("Kas RT 01")
    entry = services.top_up(rt, 25_000, reference="iuran", idempotency_key=key())  # committed
    assert services.top_up(rt, 25_000, reference="iuran", idempotency_key=entry.idempotency_key).pk == entry.pk
    reversal = services.reverse_entry(entry, idempotency_key=key(), reason="salah catat")
    rt.refresh_from_db()
    assert rt.balance == 0
    amounts = Posting.objects.filter(entry__in=[entry, reversal]).values_list("amount", flat=True)
    assert sorted(amounts) == [-25_000, -25_000, 25_000, 25_000]
    assert Posting.objects.get(entry=entry, account=rt).balance_after == 25_000
    assert Posting.objects.get(entry=reversal, account=rt).balance_after == 0


def test_an_unbalanced_entry_is_refused_inside_the_call(ledger: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rt = cash("Kas RT 02")
    services.top_up(rt, 10_000, reference="iuran", idempotency_key=key())
    write = Posting.objects.bulk_create

    def lose_last_posting(objs: Any, *args: Any, **kwargs: Any) -> Any:
        return write(list(objs)[:-1], *args, **kwargs)

    monkeypatch.setattr(Posting.objects, "bulk_create", lose_last_posting)
    lost = key()
    with pytest.raises(ValidationFailed) as refused:
        services.top_up(rt, 5_000, reference="iuran", idempotency_key=lost)
    assert refused.value.code == "unbalanced"
    monkeypatch.undo()
    assert not JournalEntry.objects.filter(idempotency_key=lost).exists()
    rt.refresh_from_db()
    assert rt.balance == 10_000


def _raw_entry(cursor: Any) -> int:
    cursor.execute(
        "INSERT INTO payments_journalentry (public_id, kind, idempotency_key, request_hash, amount, fee,"
        " description, reference, created_at) VALUES (gen_random_uuid(), 'transfer', %s, 'x', 100, 0, '', '',"
        " now()) RETURNING id",
        [key()],
    )
    return int(cursor.fetchone()[0])


def _raw_postings(cursor: Any, entry_id: int, legs: list[tuple[int, int]]) -> None:
    for account_id, amount in legs:
        cursor.execute(
            "INSERT INTO payments_posting (entry_id, account_id, amount, balance_after, created_at)"
            " VALUES (%s, %s, %s, 0, now())",
            [entry_id, account_id, amount],
        )


def test_the_deferred_trigger_still_refuses_an_unbalanced_commit(ledger: str) -> None:
    rt = cash("Kas RT 03")
    clearing = services.gateway_clearing_account()  # may go negative: only the balance rule fires
    before = JournalEntry.objects.count()
    for legs in ([(rt.pk, 100)], [(rt.pk, 100), (clearing.pk, -99)], []):
        # The worker refuses at PREPARE/COMMIT; the coordinator reports a failed commit.
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            _raw_postings(cursor, _raw_entry(cursor), legs)
    assert JournalEntry.objects.count() == before
    rt.refresh_from_db()
    assert rt.balance == 0
    # ... and a balanced one written the same way commits (the trigger does not refuse everything).
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_postings(cursor, _raw_entry(cursor), [(rt.pk, 100), (clearing.pk, -100)])
    rt.refresh_from_db()
    assert rt.balance == 100


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ("UPDATE payments_posting SET amount = amount + 1", "payments_posting"),
        ("DELETE FROM payments_posting", "payments_posting"),
        ("TRUNCATE payments_posting CASCADE", "payments_posting"),
        ("UPDATE payments_journalentry SET amount = 1", "payments_journalentry"),
        ("DELETE FROM payments_journalentry", "payments_journalentry"),
    ],
)
def test_postings_and_entries_cannot_be_changed(ledger: str, sql: str, table: str) -> None:
    rt = cash("Kas RT 04")
    services.top_up(rt, 1_000, reference="iuran", idempotency_key=key())
    postings = Posting.objects.count()
    with pytest.raises(IntegrityError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    # The message names the table, not the shard the trigger fired on.
    assert f"on {ledger}.{table} is not allowed" in str(refused.value)
    assert Posting.objects.count() == postings


def test_a_balance_changes_only_by_postings(ledger: str) -> None:
    rt = cash("Kas RT 05")
    services.top_up(rt, 1_000, reference="iuran", idempotency_key=key())
    with pytest.raises(IntegrityError, match="changes only by postings"), connection.cursor() as cursor:
        cursor.execute("UPDATE payments_account SET balance = 1000000 WHERE id = %s", [rt.pk])
    rt.refresh_from_db()
    assert rt.balance == 1_000


def test_the_start_up_check_refuses_citus_without_unsafe_triggers(ledger: str) -> None:
    assert check_citus_ledger_triggers(databases=["default"]) == []
    with connection.cursor() as cursor:
        cursor.execute("SET citus.enable_unsafe_triggers = off")
    try:
        assert [message.id for message in check_citus_ledger_triggers(databases=["default"])] == ["kotakita.E106"]
        # ... which is what Citus needs it for: a trigger on a distributed table is refused.
        with (
            pytest.raises(DatabaseError, match="triggers are not supported"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "CREATE TRIGGER probe BEFORE UPDATE ON payments_posting"
                " FOR EACH ROW EXECUTE FUNCTION payments_refuse_change('payments_posting')"
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET citus.enable_unsafe_triggers")

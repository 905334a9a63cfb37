"""What one kelurahan costs PostgreSQL before it holds a row: every table, index, sequence and
TOAST table of its schema is a pg_class row (and catalog cache in every connection that opens
it; docs/operations.md "Connections"). Thousands of tenants multiply it, so the count has a
budget, and the indexes that only repeat another index are refused.

Measured on the test database's `template_kelurahan` (apps.tenancy.schemas: every new
kelurahan schema is a copy of it), with no tenant rows in it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from apps.core.db import connection
from apps.tenancy.schemas import template_schema

pytestmark = pytest.mark.django_db

# pg_class rows of an empty kelurahan schema (tables + indexes + sequences + TOAST tables and
# their indexes). Lower it when a change makes a schema cheaper; raising it needs a reason.
# 931 before issue 17 (577 indexes, 122 sequences); 730 after its index clean-up (496 indexes)
# and one id sequence per schema (2 sequences: bigint and integer keys); 693 once the 37
# "who did it" user columns (actor, created_by, recorded_by, ...) lost their index: users are
# deactivated, never deleted, and nothing lists by them. The road to 450 needs fewer tables:
# docs/design/schema-cost.md. 690: the permit and purchase-order counters share core_documentcounter.
# +1 (691): payments_request_payer, the partial index behind a payer's bills (/tagihan/, issue 20:
# kota levy copies); the levy tables themselves live in kota schemas only.
# +16 (707) for issue 21's apps.bazar (3 tables): bazarevent 5 (table, pkey, slug unique, TOAST
# table and index), stall 6 (table, pkey, 2 unique constraints, TOAST table and index), voucher 5
# (table, pkey, code unique, round unique, holder index).
# +18 (725) for apps.invoicing (issue 20 part 2): invoice, invoice line and invoice event tables with
# their TOAST tables, primary keys and the unique/partial indexes that enforce numbering, one
# invoice per source document and one recorded payment per bill.
# +21 (746) for GoTukang (issue 21): tukang_tukang 6, tukang_job 7, tukang_quote 3, tukang_conversation 5.
# +5 (751) for apps.feedback (issue 21): feedback_prompt, its toast table and toast index, its primary
# key and its unique (user, kind, event_key), which also serves the user's lookups.
# −17 (734), schema-cost.md step 5: the outside services' sandbox tables (payments sandbox
# transactions 6, permits sandbox NIBs 6, notification sandbox deliveries 5) moved to one public
# app, apps.sandbox, keyed by schema name.
# +11 (745) for Sembako Pintar (issue 21 part 2), kept to 3 tables (order lines are JSON):
# sembako_round 3 (table, pkey, (status, closes_at) for the closing sweep), sembako_rounditem 3
# (table, pkey, round FK), sembako_householdorder 5 (table, pkey, unique (round, household),
# TOAST table and index for the lines). Reference food prices live in the public schema (apps.pangan).
# +6 (751) for apps.factoring (issue 20 part 3): factoringproduct 3 (table, pkey, unique lender+name)
# and financing 3 (table, pkey, unique invoice = "financed only once"); no text columns, so no TOAST.
# -30 (721): django-axes' four login-attempt tables moved to the public schema, usernames
# qualified by schema (apps.accounts.lockout; docs/design/schema-cost.md step 2).
# -14 (707): the seven ManyToManyField link tables are explicit through models keyed by the pair
# (CompositePrimaryKey, apps.core.pair_tables): no id primary key and no index on the key's first
# column. -2 (705), index audit: fulfillment_hub_operators.user_id (users are never deleted, no
# query lists a user's hubs) and lending_loantransaction_entries.journalentry_id (journal entries
# are immutable, nothing filters by entry) lost their index.
# -29 (676): the six per-app audit-event tables (order, delivery, invoice, procurement, permit and
# loan events: 35 rows with their keys, FK/created_at indexes and TOAST) are one core_event (6: table,
# pkey, the (subject_type, subject_id, created_at) timeline index, the paid-bill unique, TOAST
# table and index); docs/design/schema-cost.md step 3.
# +3 (679) for the retribusi izin (issue 20 part 1): permits_permitfee, its primary key and its
# unique risk level (no TOAST: short columns only).
# -5 (674): report updates (the public timeline of a laporan warga) are core_event rows too
# (subject "report", the public actor label in `data`): reports_reportupdate's table, pkey, report
# index, TOAST table and index are gone; docs/design/schema-cost.md step 3.
# -7 (667), schema-cost.md step 8: no per-user permissions (accounts_user_user_permissions gone:
# table, id pkey, unique pair, two FK indexes; permissions come from groups, apps.accounts.backends)
# and accounts_user_groups keyed by the pair (accounts.UserGroup: no id pkey, no user_id index).
# -20 (647), index audit second pass (docs/design/schema-cost.md): 19 foreign-key/column indexes no
# query reads (referenced rows never deleted, or every read also filters by an indexed column or
# is served by a partial unique) and permits' unique (issued_year, sequence), which the unique
# number built from the pair already enforces. +1 (648): lending_model_one_active_per_lender, a
# partial unique that lending.0002's AlterField(db_index=False) had dropped, is back.
# -8 (640): four tables whose only unbounded text was short by nature lost their TOAST table and
# its index (apps.core.bounded_text: varchar(n) small enough for the row to stay under PostgreSQL's
# ~2 kB TOAST threshold): review comments (480 characters, refused beyond with a clear message),
# routing-job and reconciliation errors (first 400 characters; the traceback goes to the log), and
# the public award summary (450).
# -6 (634): django_session (table, pkey, the session_key `_like` copy, expire_date index, TOAST
# table and index) moved to one public table keyed by schema (apps.websessions;
# docs/design/schema-cost.md "Sessions").
# -5 (629), index audit third pass (docs/design/schema-cost.md): iuran payments and arisan
# contributions keep "paid once" and "one pending" in one partial unique each (status first,
# WHERE status IN ('paid', 'pending'): rows clash only with the same status, the same rule);
# community_treasurer(rt_id) (every read asks for the current treasurer: the partial unique),
# reports_report(assignee_id) and (duplicate_of_id) (no query by them; users and reports are never
# deleted) lost their index.
# -6 (623, 2026-12-07): core_idempotencyrecord (table, pkey, created_at index, unique (owner, key),
# TOAST table and index) moved to one public table keyed by schema (apps.idempotency, unique
# (schema_name, owner, key)); docs/design/schema-cost.md "Idempotency keys".
# -6 (617), 2026-12-07: django_admin_log (table, pkey, content_type_id and user_id indexes, TOAST
# table and index) is public-only; a tenant admin's change history is core_event rows (subject
# "admin", apps.core.admin_log; docs/design/schema-cost.md "Admin history").
# -3 (614): SLA reminders sent (reports_slareminder: table, pkey, the once-per-stage unique) are
# core_event rows (subject "report_sla"; sent once under the report's row lock; docs/design/
# schema-cost.md "SLA reminders").
# -7 (607), 2026-12-07: permits_ossconfig (table, pkey) and notifications_channelconfig (table, pkey,
# unique channel, TOAST table and index) are one public table keyed by schema (apps.integrations,
# unique (schema_name, service)); docs/design/schema-cost.md "Outside-service configs".
# -2 (605): payments_journalentry.reference is indexed once (its varchar_pattern_ops index serves the
# reconciliation's prefix read and equality), and accounts_user.username is unique by a Meta
# constraint without Django's LIKE-prefix copy.
# -4 (601): cart items, reservations, allocations and co-purchase counts are keyed by the pair that
# was their unique constraint (apps.core.pair_tables): no id primary key.
# -6 (595): residency and channel preference (by user), courier earning (by delivery), SLA rule (by
# status), permit fee (by risk level) and WhatsApp conversation (by phone) are keyed by their one
# unique column (apps.core.column_keys): no id primary key. docs/design/schema-cost.md "Natural keys".
SCHEMA_COST_BUDGET = 595

# Indexes that are a column prefix (or a copy) of another index on the same table, kept on
# purpose: all are created by Django's own apps, whose table definitions are not ours to change.
# Our ManyToManyFields (User.groups included) have explicit through models keyed by the pair
# (apps.core.pair_tables), so their link tables have no such index.
PREFIX_ALLOWED = {
    # Django's contrib apps
    "auth_permission.content_type_id",
    "auth_group_permissions.group_id",
}

# varchar_pattern_ops copies ("*_like", made by Django for unique=True/db_index=True text
# fields) serve only case-sensitive LIKE 'x%' (`__startswith`); `__istartswith`/`__icontains`
# use UPPER() and never read them. Declare uniqueness/indexes in Meta instead, unless the column
# is really searched by prefix.
LIKE_ALLOWED = {
    # reconciliation: reference__startswith="charge:"; the column's only index (it serves = too)
    "payments_journalentry.reference",
    "auth_group.name",  # Django
}


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _schema() -> str:
    name = template_schema("kelurahan")
    assert _rows("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name]), f"no schema {name}"
    return name


def schema_cost(schema: str) -> tuple[Counter[str], Counter[str]]:
    """pg_class rows of `schema` by kind, and by table (a table with its indexes, sequences
    owned by its columns and TOAST)."""
    rows = _rows(
        """
        WITH own AS (
            SELECT c.oid, c.relkind, c.relname, c.reltoastrelid FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s
        ), owner AS (
            SELECT own.oid, coalesce(tbl.relname, seqtbl.relname, own.relname) AS tbl
            FROM own
            LEFT JOIN pg_index i ON i.indexrelid = own.oid
            LEFT JOIN pg_class tbl ON tbl.oid = i.indrelid
            LEFT JOIN pg_depend d ON d.objid = own.oid AND d.classid = 'pg_class'::regclass
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                AND own.relkind = 'S'
            LEFT JOIN pg_class seqtbl ON seqtbl.oid = d.refobjid
        )
        SELECT CASE own.relkind WHEN 'r' THEN 'tables' WHEN 'p' THEN 'tables' WHEN 'i' THEN 'indexes'
                   WHEN 'I' THEN 'indexes' WHEN 'S' THEN 'sequences' ELSE 'other ' || own.relkind::text END,
               owner.tbl
        FROM own JOIN owner ON owner.oid = own.oid
        UNION ALL
        SELECT 'toast tables', own.relname FROM own WHERE own.reltoastrelid <> 0
        UNION ALL
        SELECT 'toast indexes', own.relname FROM own JOIN pg_index ti ON ti.indrelid = own.reltoastrelid
        """,
        [schema],
    )
    return Counter(kind for kind, _ in rows), Counter(table for _, table in rows)


def test_an_empty_kelurahan_schema_stays_within_its_pg_class_budget() -> None:
    by_kind, by_table = schema_cost(_schema())
    total = sum(by_kind.values())
    breakdown = ", ".join(f"{kind} {count}" for kind, count in sorted(by_kind.items()))
    biggest = ", ".join(f"{table} {count}" for table, count in by_table.most_common(15))
    assert total <= SCHEMA_COST_BUDGET, (
        f"an empty kelurahan schema has {total} pg_class rows (budget {SCHEMA_COST_BUDGET}): {breakdown}. "
        f"Most expensive tables: {biggest}"
    )
    # The breakdown adds up: nothing is counted twice or missed.
    assert by_kind["tables"] > 0 and total == sum(by_table.values())


def _indexes(schema: str) -> list[dict[str, Any]]:
    rows = _rows(
        """
        SELECT t.relname, ic.relname, ic.relam, i.indisunique,
               i.indpred IS NOT NULL OR i.indexprs IS NOT NULL,
               string_to_array(i.indkey::text, ' ')::int[],
               (SELECT array_agg(o.opcname ORDER BY u.ord)
                  FROM unnest(i.indclass) WITH ORDINALITY u(oc, ord) JOIN pg_opclass o ON o.oid = u.oc),
               (SELECT array_agg(a.attname ORDER BY u.ord)
                  FROM unnest(string_to_array(i.indkey::text, ' ')::int[]) WITH ORDINALITY u(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum)
        FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = %s
        ORDER BY t.relname, ic.relname
        """,
        [schema],
    )
    keys = ("table", "name", "am", "unique", "partial", "keys", "opclasses", "columns")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def redundant_indexes(indexes: list[dict[str, Any]]) -> dict[str, str]:
    """Non-unique, non-partial indexes whose columns (with their operator classes) lead another
    non-partial index of the same table: `table.columns` -> the index that already serves them."""
    found: dict[str, str] = {}
    for a in indexes:
        if a["unique"] or a["partial"]:
            continue
        width = len(a["keys"])
        for b in indexes:
            if b is a or b["table"] != a["table"] or b["partial"] or b["am"] != a["am"]:
                continue
            same_lead = b["keys"][:width] == a["keys"] and b["opclasses"][:width] == a["opclasses"]
            # of two identical non-unique indexes, flag only one (the later name)
            wider_or_unique = len(b["keys"]) > width or b["unique"] or b["name"] < a["name"]
            if same_lead and wider_or_unique:
                found[f"{a['table']}.{','.join(a['columns'])}"] = f"{a['name']} (served by {b['name']})"
                break
    return found


def test_no_tenant_index_repeats_the_lead_of_another() -> None:
    found = redundant_indexes(_indexes(_schema()))
    new = {key: why for key, why in found.items() if key not in PREFIX_ALLOWED}
    assert not new, (
        "indexes that only repeat another index's leading columns (a ForeignKey that leads a "
        "composite UniqueConstraint/Index needs db_index=False): "
        + "; ".join(f"{k}: {v}" for k, v in sorted(new.items()))
    )
    stale = PREFIX_ALLOWED - set(found)
    assert not stale, f"PREFIX_ALLOWED lists indexes that are gone: {sorted(stale)}"


def test_no_varchar_pattern_copies_beyond_the_justified_ones() -> None:
    like = {
        f"{index['table']}.{index['columns'][0]}"
        for index in _indexes(_schema())
        if any(name in ("varchar_pattern_ops", "text_pattern_ops") for name in index["opclasses"])
    }
    new = like - LIKE_ALLOWED
    assert not new, (
        "LIKE-prefix index copies (Django adds them for unique=True/db_index=True text fields); declare "
        "a UniqueConstraint/Index in Meta instead, or justify it in LIKE_ALLOWED: " + ", ".join(sorted(new))
    )
    stale = LIKE_ALLOWED - like
    assert not stale, f"LIKE_ALLOWED lists indexes that are gone: {sorted(stale)}"


def test_the_redundancy_check_finds_what_it_should() -> None:
    """The detector itself: a prefix of a wider index and a copy of a unique one are found; a
    unique prefix, a partial index, another operator class or access method are not."""

    def index(name: str, keys: list[int], **extra: Any) -> dict[str, Any]:
        base = {"table": "t", "name": name, "am": 403, "unique": False, "partial": False}
        return {
            **base,
            "keys": keys,
            "opclasses": ["int8_ops"] * len(keys),
            "columns": [f"c{k}" for k in keys],
            **extra,
        }

    found = redundant_indexes(
        [
            index("fk", [2]),
            index("pair", [2, 3]),
            index("copy", [4]),
            index("uniq", [4], unique=True),
            index("uniq_lead", [2], unique=True),
            index("partial", [5], partial=True),
            index("wide_partial", [6, 7], partial=True),
            index("alone", [6]),
            index("like", [3], opclasses=["varchar_pattern_ops"]),
            index("pair2", [3, 2]),
            index("gin", [8], am=2),
            index("btree", [8, 9]),
        ]
    )
    assert found == {"t.c2": "fk (served by pair)", "t.c4": "copy (served by uniq)"}


def test_every_declared_unique_constraint_and_index_exists_in_the_schema() -> None:
    """Django's AlterField(db_index=False) drops every single-column index of the column that is
    not a Meta index, a partial UniqueConstraint's index too: an index audit must not lose one."""
    from django.apps import apps
    from django.db.models import UniqueConstraint

    schema = _schema()
    tables = {name for (name,) in _rows("SELECT tablename FROM pg_tables WHERE schemaname = %s", [schema])}
    present = {name for (name,) in _rows("SELECT indexname FROM pg_indexes WHERE schemaname = %s", [schema])}
    missing = {
        f"{model._meta.db_table}.{item.name}"
        for model in apps.get_models()
        if model._meta.db_table in tables
        for item in [*model._meta.indexes, *model._meta.constraints]
        if item.name not in present and (isinstance(item, UniqueConstraint) or item in model._meta.indexes)
    }
    assert not missing, f"declared but missing in {schema}: {sorted(missing)}"

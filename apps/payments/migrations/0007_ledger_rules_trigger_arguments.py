"""Ledger triggers that work unchanged on Citus (schema-based sharding) and plain PostgreSQL.

On Citus a tenant schema is distributed: each table becomes a single shard placed on a worker,
and a trigger fires on the shard (`payments_posting_102008`), so 0002's test
`TG_TABLE_NAME = 'payments_posting'` is false there and every balanced entry was refused. Now
the triggers say what they are attached to in a trigger ARGUMENT ('posting', 'entry',
'journal entry'), fixed in the trigger definition and copied with it to every shard; no
function reads the table name or a session setting. Queries in the functions still find their
tables through TG_TABLE_SCHEMA: a shard lives in the same schema as its table, and a query on
the table from a trigger on a worker runs on the colocated shard.

Function names stay those of 0002 (CREATE OR REPLACE): template replays and archived tenants
keep working. As in 0002, one statement per list item, and no line of a $$ body starts with
"SET " (the template replay drops such lines).
"""

import importlib

from django.db import migrations

FORWARD = [
    r"""
CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0]: what the trigger guards (the table name is a shard's name on Citus).
    RAISE EXCEPTION 'KotaKitaPay ledger: % on %.% is not allowed; post a reversing entry instead',
        TG_OP, TG_TABLE_SCHEMA, TG_ARGV[0]
        USING ERRCODE = 'restrict_violation';
END;
$$;
""",
    r"""
CREATE OR REPLACE FUNCTION payments_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    entry bigint;
    total numeric;
    lines integer;
BEGIN
    -- TG_ARGV[0] says which row fired: 'posting' (NEW.entry_id) or 'entry' (NEW.id).
    IF TG_ARGV[0] = 'posting' THEN
        entry := NEW.entry_id;
    ELSIF TG_ARGV[0] = 'entry' THEN
        entry := NEW.id;
    ELSE
        RAISE EXCEPTION 'KotaKitaPay ledger: payments_entry_balanced() needs the argument posting or entry, not %',
            TG_ARGV[0]
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    EXECUTE format('SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM %I.payments_posting WHERE entry_id = $1',
                   TG_TABLE_SCHEMA)
        INTO total, lines USING entry;
    IF lines < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'KotaKitaPay ledger: journal entry % is unbalanced (% postings summing to %)',
            entry, lines, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
""",
    "DROP TRIGGER payments_journalentry_immutable ON payments_journalentry;",
    "DROP TRIGGER payments_journalentry_no_truncate ON payments_journalentry;",
    "DROP TRIGGER payments_posting_immutable ON payments_posting;",
    "DROP TRIGGER payments_posting_no_truncate ON payments_posting;",
    "DROP TRIGGER payments_posting_balanced ON payments_posting;",
    "DROP TRIGGER payments_entry_balanced ON payments_journalentry;",
    r"""
CREATE TRIGGER payments_journalentry_immutable BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change('payments_journalentry');
""",
    r"""
CREATE TRIGGER payments_journalentry_no_truncate BEFORE TRUNCATE ON payments_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION payments_refuse_change('payments_journalentry');
""",
    r"""
CREATE TRIGGER payments_posting_immutable BEFORE UPDATE OR DELETE ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change('payments_posting');
""",
    r"""
CREATE TRIGGER payments_posting_no_truncate BEFORE TRUNCATE ON payments_posting
    FOR EACH STATEMENT EXECUTE FUNCTION payments_refuse_change('payments_posting');
""",
    r"""
CREATE CONSTRAINT TRIGGER payments_posting_balanced AFTER INSERT ON payments_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced('posting');
""",
    r"""
CREATE CONSTRAINT TRIGGER payments_entry_balanced AFTER INSERT ON payments_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced('entry');
""",
]

# Back to 0002: its functions (CREATE OR REPLACE) and its triggers, without arguments.
_RULES_0002 = importlib.import_module("apps.payments.migrations.0002_ledger_rules")
_REPLACED = (
    "payments_journalentry_immutable ON payments_journalentry",
    "payments_journalentry_no_truncate ON payments_journalentry",
    "payments_posting_immutable ON payments_posting",
    "payments_posting_no_truncate ON payments_posting",
    "payments_posting_balanced ON payments_posting",
    "payments_entry_balanced ON payments_journalentry",
)
BACKWARD = [f"DROP TRIGGER {trigger};" for trigger in _REPLACED] + [
    statement
    for statement in _RULES_0002.FORWARD
    if "payments_refuse_change()" in statement or "payments_entry_balanced()" in statement
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0006_charge_reference")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

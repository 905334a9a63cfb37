"""Ledger rules enforced by PostgreSQL itself (see apps/payments/models.py).

The functions are created in the schema being migrated (the first schema on the search path)
and find their tables through TG_TABLE_SCHEMA, so they stay correct when a tenant schema is
made from its template (pg_dump replay or django-tenants' clone_schema: both copy the functions
and triggers under the new name) or a pooled schema is renamed. One statement per list item, so
no SQL splitter ever looks inside the $$ bodies (whose lines must not start with "SET ": the
template replay drops such lines).
"""

from django.db import migrations

FORWARD = [
    r"""
CREATE OR REPLACE FUNCTION payments_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'KotaKitaPay ledger: % on %.% is not allowed; post a reversing entry instead',
        TG_OP, TG_TABLE_SCHEMA, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
""",
    r"""
CREATE OR REPLACE FUNCTION payments_posting_apply() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    new_balance bigint;
BEGIN
    EXECUTE format('UPDATE %I.payments_account SET balance = balance + $1 WHERE id = $2 RETURNING balance',
                   TG_TABLE_SCHEMA)
        INTO new_balance USING NEW.amount, NEW.account_id;
    IF new_balance IS NULL THEN
        RAISE EXCEPTION 'KotaKitaPay ledger: account % does not exist', NEW.account_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    NEW.balance_after := new_balance;
    RETURN NEW;
END;
$$;
""",
    r"""
CREATE OR REPLACE FUNCTION payments_account_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.balance <> 0 THEN
            RAISE EXCEPTION 'KotaKitaPay ledger: account % must start at balance 0', NEW.code
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF NEW.balance IS DISTINCT FROM OLD.balance AND pg_trigger_depth() < 2 THEN
        -- depth 1: a statement changing the balance directly; depth 2: the posting trigger.
        RAISE EXCEPTION 'KotaKitaPay ledger: the balance of account % changes only by postings', OLD.code
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
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
    IF TG_TABLE_NAME = 'payments_posting' THEN
        entry := NEW.entry_id;
    ELSE
        entry := NEW.id;
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
    r"""
CREATE TRIGGER payments_journalentry_immutable BEFORE UPDATE OR DELETE ON payments_journalentry
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();
""",
    r"""
CREATE TRIGGER payments_journalentry_no_truncate BEFORE TRUNCATE ON payments_journalentry
    FOR EACH STATEMENT EXECUTE FUNCTION payments_refuse_change();
""",
    r"""
CREATE TRIGGER payments_posting_immutable BEFORE UPDATE OR DELETE ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_refuse_change();
""",
    r"""
CREATE TRIGGER payments_posting_no_truncate BEFORE TRUNCATE ON payments_posting
    FOR EACH STATEMENT EXECUTE FUNCTION payments_refuse_change();
""",
    r"""
CREATE TRIGGER payments_posting_apply BEFORE INSERT ON payments_posting
    FOR EACH ROW EXECUTE FUNCTION payments_posting_apply();
""",
    r"""
CREATE TRIGGER payments_account_guard BEFORE INSERT OR UPDATE ON payments_account
    FOR EACH ROW EXECUTE FUNCTION payments_account_guard();
""",
    r"""
CREATE CONSTRAINT TRIGGER payments_posting_balanced AFTER INSERT ON payments_posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced();
""",
    r"""
CREATE CONSTRAINT TRIGGER payments_entry_balanced AFTER INSERT ON payments_journalentry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION payments_entry_balanced();
""",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS payments_entry_balanced ON payments_journalentry;",
    "DROP TRIGGER IF EXISTS payments_posting_balanced ON payments_posting;",
    "DROP TRIGGER IF EXISTS payments_account_guard ON payments_account;",
    "DROP TRIGGER IF EXISTS payments_posting_apply ON payments_posting;",
    "DROP TRIGGER IF EXISTS payments_posting_no_truncate ON payments_posting;",
    "DROP TRIGGER IF EXISTS payments_posting_immutable ON payments_posting;",
    "DROP TRIGGER IF EXISTS payments_journalentry_no_truncate ON payments_journalentry;",
    "DROP TRIGGER IF EXISTS payments_journalentry_immutable ON payments_journalentry;",
    "DROP FUNCTION IF EXISTS payments_entry_balanced();",
    "DROP FUNCTION IF EXISTS payments_account_guard();",
    "DROP FUNCTION IF EXISTS payments_posting_apply();",
    "DROP FUNCTION IF EXISTS payments_refuse_change();",
]


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

"""The `Idempotency-Key` records of every tenant in one public table, each row keyed by the schema
it belongs to.

`core_idempotencyrecord` was a table in every tenant schema (6 pg_class rows of each empty
kelurahan schema; issue 17, docs/design/schema-cost.md "Idempotency keys"). The records are
transient (forgotten after `apps.core.idempotency.RETENTION`) and no tenant table refers to them,
so they live in the public schema only, like the sessions (apps.websessions). The default manager
only sees the rows of the connection's current schema ("public" on the platform site), so one
tenant's key is never another tenant's. The mechanism that uses the table is
`apps.core.idempotency`; this app sits below apps.core (it imports no app) so that core can use it.
"""

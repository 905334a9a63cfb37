"""Yearly document numbers (permit numbers, purchase order numbers, …): one table per tenant
schema for every numbered kind of document, one counter row per kind, scope and year.

A table per kind would cost every kelurahan schema a table and two indexes per document kind
(docs/design/schema-cost.md); the counters differ only by name. `scope` numbers a kind
separately inside the tenant where a document series belongs to something smaller (a shop's
own invoice numbers); it is "" for tenant-wide series.

`next_number(kind, year)` must run inside the transaction that stores the numbered document:
the counter row stays locked (SELECT ... FOR UPDATE) until that commits, so two concurrent
issues never share a number and a rolled-back issue gives its number back.
"""

from __future__ import annotations

from django.db import transaction

from .models import DocumentCounter


def next_number(kind: str, year: int, *, scope: str = "") -> int:
    """The next number of `kind` (in `scope`) for `year`: 1 for its first document."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"next_number({kind!r}) must run inside the issuing transaction")
    counters = DocumentCounter._default_manager
    # Insert the row if missing without failing (or waiting on) a concurrent insert, then lock
    # it: the second of two concurrent callers waits here for the first to commit.
    counters.bulk_create([DocumentCounter(kind=kind, scope=scope, year=year)], ignore_conflicts=True)
    counter = counters.select_for_update().get(kind=kind, scope=scope, year=year)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value

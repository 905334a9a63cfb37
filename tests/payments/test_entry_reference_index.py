"""A journal entry's reference has one index, with varchar_pattern_ops (issue 17): it must serve
both the reconciliation's prefix read and a lookup by the exact reference."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("condition", ["reference LIKE 'charge:%%'", "reference = 'charge:KK-1'"])
def test_prefix_and_equality_reads_use_the_one_reference_index(tenant_a: Tenant, condition: str) -> None:
    with tenant_a, connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN SELECT id FROM payments_journalentry WHERE {condition}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "payments_entry_reference" in plan, plan

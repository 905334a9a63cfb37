"""A restored tenant gets its daily facts back (apps.tenancy.events; registered in ready())."""

from __future__ import annotations

from apps.tenancy.events import Restoring

from .models import DailyFact


def restore_public_rows(restoring: Restoring) -> None:
    facts = restoring.objects("analytics.dailyfact")
    for fact in facts:
        fact.pk, fact.tenant, fact.region_code = None, restoring.tenant, restoring.code_of(fact.region_code)
    DailyFact.objects.bulk_create(facts)

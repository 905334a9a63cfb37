"""Celery entry points of billing (public schema: invoices are platform records)."""

from __future__ import annotations

from celery import shared_task

from apps.core.db import connection

from . import services


@shared_task(name="billing.issue_invoices", ignore_result=True)
def issue_invoices(period: str = "") -> dict[str, int]:
    """Monthly beat job: the previous month's invoice of every tenant (idempotent: a re-run
    returns the invoices already issued). `period` "YYYY-MM" re-runs another finished month."""
    connection.set_schema_to_public()
    month = services.clean_period(period) if period else services.previous_month()
    return services.issue_all(month)

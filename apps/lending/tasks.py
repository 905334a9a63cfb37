"""Celery entry points of apps.lending (tenant-aware; each runs in the schema it was queued in).

Beat (config/settings/base.py): `lending.nightly_everywhere` at 01:00 and
`lending.retrain_everywhere` weekly. Every task is idempotent for its day.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

from apps.tenancy.fanout import enqueue_in_every_tenant

from . import credit, services

logger = logging.getLogger(__name__)


def _day(as_of: str | None) -> dt.date:
    return dt.date.fromisoformat(as_of) if as_of else timezone.localdate()


@shared_task(name="lending.score", ignore_result=True)
def score(as_of: str | None = None, lender_id: int | None = None) -> dict[str, int]:
    """In this tenant: batch-score every UMKM and make pre-approved offers (on demand or nightly)."""
    from .models import Lender

    lender = Lender.objects.filter(pk=lender_id).first() if lender_id else None
    return credit.score_all(_day(as_of), lender=lender)


@shared_task(name="lending.nightly", ignore_result=True)
def nightly(as_of: str | None = None) -> dict[str, Any]:
    """In this tenant: penalties, auto-debits, arrears buckets, then batch scoring -> offers."""
    day = _day(as_of)
    result: dict[str, Any] = dict(services.run_nightly(day))
    result["scoring"] = score(day.isoformat())
    return result


@shared_task(name="lending.nightly_everywhere", ignore_result=True)
def nightly_everywhere() -> int:
    """Beat entry point (public schema): queue `nightly` in every active tenant."""
    return enqueue_in_every_tenant(nightly)


@shared_task(name="lending.retrain", ignore_result=True)
def retrain() -> dict[str, str]:
    """In this tenant: retrain (or keep the scorecard of) every lender."""
    return credit.retrain_all()


@shared_task(name="lending.retrain_everywhere", ignore_result=True)
def retrain_everywhere() -> int:
    return enqueue_in_every_tenant(retrain)

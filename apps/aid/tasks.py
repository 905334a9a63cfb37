"""Celery entry points of the bansos app (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

from celery import shared_task

from . import jobs


@shared_task(name="aid.run_import_preview", ignore_result=True)
def run_import_preview(batch_id: int) -> None:
    """The dry run of an uploaded beneficiary list (`bulk` queue); resumable, see apps.aid.jobs."""
    jobs.run_preview(batch_id)


@shared_task(name="aid.run_import_confirm", ignore_result=True)
def run_import_confirm(batch_id: int) -> None:
    """The confirmed write of a previewed beneficiary list (`bulk` queue), chunk by chunk;
    resumable and never writing a row twice, see apps.aid.jobs."""
    jobs.run_confirm(batch_id)

"""Celery entry points of apps.bazar (tenant-aware; each runs in the schema it was queued in).

Beat (config/settings/base.py): `bazar.expire_vouchers_everywhere` daily, into every tenant
(vouchers expire by the day, like community's daily reminders)."""

from __future__ import annotations

from celery import shared_task

from apps.tenancy.fanout import enqueue_in_every_tenant

from . import services


@shared_task(name="bazar.expire_vouchers", ignore_result=True)
def expire_vouchers() -> int:
    """In this tenant: vouchers past their date give their rest back to the holders' wallets."""
    return services.expire_vouchers()


@shared_task(name="bazar.expire_vouchers_everywhere", ignore_result=True)
def expire_vouchers_everywhere() -> int:
    """Beat entry point (public schema): queue `expire_vouchers` in every active tenant."""
    return enqueue_in_every_tenant(expire_vouchers)

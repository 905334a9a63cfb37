"""Celery entry points of the marketplace (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due

from . import feed, import_jobs, services


@shared_task(name="marketplace.sync_listings", ignore_result=True)
def sync_listings(product_ids: list[int]) -> tuple[int, int]:
    """Re-publish products in the kota's public listing (queued after commit on changes)."""
    return feed.sync(product_ids)


@shared_task(name="marketplace.resync_listings", ignore_result=True)
def resync_listings() -> tuple[int, int]:
    return feed.resync_all()


@shared_task(name="marketplace.sync_order_payment", ignore_result=True)
def sync_order_payment(order_id: int) -> None:
    """A payment request of an order changed (e.g. the gateway's QRIS settlement arrived)."""
    services.sync_payment(order_id)


@shared_task(name="marketplace.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """This tenant's periodic work: expire unpaid orders (releasing their stock), drop expired
    reservations, complete delivered orders nobody confirmed; then tell the due-work index
    when the next of these falls due."""
    due_work.begin(due_work.Kind.MARKETPLACE)
    done = {
        "expired": services.expire_due_orders(),
        "reservations": services.delete_expired_reservations(),
        "completed": services.complete_delivered(),
    }
    due_work.reschedule(due_work.Kind.MARKETPLACE, services.next_sweep_at())
    return done


@shared_task(name="marketplace.sweep_everywhere", ignore_result=True)
def sweep_everywhere() -> int:
    """Beat (every minute, public schema): queue `sweep` in the tenants with marketplace work due."""
    return enqueue_where_due(sweep, due_work.Kind.MARKETPLACE)


@shared_task(name="marketplace.run_import_preview", ignore_result=True)
def run_import_preview(batch_id: int) -> None:
    """Read and check an uploaded product/stock file (`bulk` queue); see import_jobs."""
    import_jobs.run_preview(batch_id)


@shared_task(name="marketplace.run_import_apply", ignore_result=True)
def run_import_apply(batch_id: int, actor_id: int) -> None:
    """Apply a confirmed product/stock import in one transaction (`bulk` queue); see import_jobs."""
    import_jobs.run_apply(batch_id, actor_id)

from celery import shared_task

from . import schemas


@shared_task(name="tenancy.refill_schema_pool", ignore_result=True)
def refill_schema_pool(tenant_type: str) -> int:
    """Clone replacement schemas into the pool (runs in the public schema; idempotent)."""
    return schemas.fill_pool(tenant_type)


@shared_task(name="tenancy.run_activation_job", ignore_result=True)
def run_activation_job(job_id: int) -> None:
    """Bulk activation in the background; running it again continues where it stopped."""
    from .models import ActivationJob
    from .services import run_activation_job as run

    job = ActivationJob.objects.filter(pk=job_id).first()
    if job is not None and job.status != ActivationJob.Status.DONE:
        run(job)


@shared_task(name="tenancy.run_tenant_operation", ignore_result=True)
def run_tenant_operation(job_id: int) -> None:
    """Archive-and-remove or restore a tenant (apps.tenancy.operations); safe to run again."""
    from .operations import run_tenant_operation as run

    run(job_id)


@shared_task(name="tenancy.mark_all_due", ignore_result=True)
def mark_all_due() -> int:
    """Beat (daily): the safety net of the due-work index; every active tenant's sweeps of
    every kind run once within the next hour, whatever their rows said (apps.tenancy.fanout)."""
    from .fanout import mark_all_due as mark

    return mark()

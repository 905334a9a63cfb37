from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.tenancy import operations, services
from apps.tenancy.models import Tenant, TenantOperationJob


class Command(BaseCommand):
    help = (
        "Archive a tenant (schema dump, public rows, files) to one tar.gz, then remove the tenant. "
        "Runs here, now, as an archive job the operator pages show; if this process is killed the "
        "stale-job sweep finishes it on a worker."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code")
        parser.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        try:
            region = services.get_region(options["code"])
            tenant = Tenant.objects.filter(region=region).first()
            if tenant is None:
                raise CommandError(f"{region} is not a tenant.")
            job = operations.do_start_archive(tenant, reason=options["reason"], queue=False)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        operations.run_tenant_operation(job.pk)
        job.refresh_from_db()
        if job.status != TenantOperationJob.Status.DONE:
            raise CommandError(job.error or f"Archive job {job.pk}: {job.get_status_display()}")
        result = job.result
        self.stdout.write(
            self.style.SUCCESS(
                f"Archived to {result['path']} ({result['size_bytes']} bytes, sha256 {result['sha256']}), removed."
            )
        )

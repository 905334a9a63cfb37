from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.tenancy import operations
from apps.tenancy.models import TenantOperationJob


class Command(BaseCommand):
    help = (
        "Restore a tenant from its archive (remove_tenant / backup_tenants) into an empty schema; "
        "--as CODE restores it under another region code and subdomain. Runs here, now, as a "
        "restore job the operator pages show."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--as", dest="as_code", default="", metavar="CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        path: Path = options["archive"]
        if not path.is_file():
            raise CommandError(f"{path}: no such archive.")
        try:
            job = operations.do_start_restore(path=path.resolve(), as_code=options["as_code"], queue=False)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        operations.run_tenant_operation(job.pk)
        job.refresh_from_db()
        if job.status != TenantOperationJob.Status.DONE:
            raise CommandError(job.error or f"Restore job {job.pk}: {job.get_status_display()}")
        if options["verbosity"] > 1:
            self.stdout.write(f"Restore job {job.pk}, {job.attempts} attempt(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {job.code or job.name} into schema {job.result['schema']}: {job.result['url']}"
            )
        )

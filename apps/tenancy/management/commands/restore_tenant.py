from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.tenancy import schemas
from apps.tenancy.restore import RestoreRefused, restore_archive


class Command(BaseCommand):
    help = (
        "Restore a tenant from its archive (remove_tenant / backup_tenants) into an empty schema; "
        "--as CODE restores it under another region code and subdomain."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--as", dest="as_code", default="", metavar="CODE")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        path: Path = options["archive"]
        if not path.is_file():
            raise CommandError(f"{path}: no such archive.")
        verbose = options["verbosity"] > 1
        try:
            tenant = restore_archive(
                path, as_code=options["as_code"], progress=(lambda m: self.stdout.write(m)) if verbose else None
            )
        except RestoreRefused as exc:
            raise CommandError(str(exc)) from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        except schemas.PgDumpUnavailable as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(f"Restored {tenant.region_id} into schema {tenant.schema_name}: {tenant.url()}")
        )

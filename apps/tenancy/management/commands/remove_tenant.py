from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.tenancy import services
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Archive a tenant (schema dump, public rows, files) to one tar.gz, then remove the tenant."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code")
        parser.add_argument("--reason", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        try:
            region = services.get_region(options["code"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        tenant = Tenant.objects.filter(region=region).first()
        if tenant is None:
            raise CommandError(f"{region} is not a tenant.")
        try:
            archive = services.remove_tenant(tenant, reason=options["reason"])
        except services.ArchiveUnavailable as exc:
            raise CommandError(f"{exc.message} {exc.details['reason']}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Archived to {archive.path} ({archive.size_bytes} bytes, sha256 {archive.sha256}), removed."
            )
        )

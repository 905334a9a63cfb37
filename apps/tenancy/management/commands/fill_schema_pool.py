from typing import Any

from django.core.management.base import BaseCommand

from apps.core.db import connection
from apps.tenancy import schemas


class Command(BaseCommand):
    help = "Top up the pool of ready-made tenant schemas (one per type by default setting)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--size", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        for kind in schemas.TENANT_TYPES:
            made = schemas.fill_pool(kind, options["size"])
            self.stdout.write(f"pool {kind}: {made} new schema(s)")

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.core.db import connection
from apps.tenancy.region_data import load_regions


class Command(BaseCommand):
    help = "Load or update the national Kemendagri region list in the public schema."

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        with transaction.atomic():
            count = load_regions(connection)
        self.stdout.write(self.style.SUCCESS(f"{count} regions loaded."))

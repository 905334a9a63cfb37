"""Re-publish every kelurahan's products to the city-wide listing (after a deploy, or to repair).

    manage.py resync_listings [--tenant <schema>]

Queues `marketplace.resync_listings` in each active kelurahan (runs in-process without a broker)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.marketplace.tasks import resync_listings
from apps.tenancy.fanout import enqueue_in_every_tenant
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Re-publish marketplace products of every kelurahan to the kota's public listing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="only this schema name")

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("tenant"):
            tenant = Tenant.objects.get(schema_name=options["tenant"])
            with tenant:
                resync_listings.delay()
            count = 1
        else:
            count = enqueue_in_every_tenant(resync_listings, types=("kelurahan",))
        self.stdout.write(self.style.SUCCESS(f"Queued a listing re-sync in {count} kelurahan."))

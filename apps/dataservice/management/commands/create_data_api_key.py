"""Create a Data-as-a-Service API key for an integrator (created when new), printing the raw
key once; or revoke one by its prefix.

    manage.py create_data_api_key --partner "Bappeda Kota Madiun" --name produksi \\
        --scopes umkm,commerce --regions 35.77 --per-minute 60 --per-day 5000
    manage.py create_data_api_key --revoke kkd_AbCdEfGh
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.dataservice import services


class Command(BaseCommand):
    help = "Create (or revoke) an API key of the Data-as-a-Service API."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--partner", help="Integrator name (created when new)")
        parser.add_argument("--email", default="", help="Integrator contact e-mail (when created)")
        parser.add_argument("--name", default="default", help="Name of the key")
        parser.add_argument(
            "--scopes",
            default="",
            help="Comma-separated: umkm,commerce,prices,complaints,delivery,satisfaction,retention,sembako,tukang",
        )
        parser.add_argument("--regions", default="", help="Comma-separated allowed region codes, e.g. 35.77")
        parser.add_argument("--per-minute", type=int, default=services.DEFAULT_PER_MINUTE)
        parser.add_argument("--per-day", type=int, default=services.DEFAULT_PER_DAY)
        parser.add_argument("--expires", help="Expiry date YYYY-MM-DD (default: never)")
        parser.add_argument("--revoke", metavar="PREFIX", help="Revoke the key with this prefix instead")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        try:
            if options["revoke"]:
                key = services.revoke_api_key(services.get_key(options["revoke"]))
                self.stdout.write(self.style.SUCCESS(f"Revoked {key.prefix} ({key.partner.name})."))
                return
            if not options["partner"]:
                raise CommandError("--partner is required.")
            expires_at = None
            if options["expires"]:
                try:
                    day = datetime.date.fromisoformat(options["expires"])
                except ValueError:
                    raise CommandError("--expires must be YYYY-MM-DD.") from None
                expires_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time()))
            partner = services.ensure_partner(name=options["partner"], contact_email=options["email"])
            key, raw = services.create_api_key(
                partner=partner,
                name=options["name"],
                scopes=options["scopes"].split(","),
                region_prefixes=options["regions"].split(","),
                per_minute=options["per_minute"],
                per_day=options["per_day"],
                expires_at=expires_at,
            )
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write(self.style.SUCCESS(f"Key {key.prefix}… for {partner.name}: scopes {', '.join(key.scopes)}"))
        self.stdout.write("Store it now, it is not shown again:")
        self.stdout.write(raw)

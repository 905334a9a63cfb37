from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from apps.core.db import connection
from apps.core.reencrypt import ENCRYPTED_FIELDS, Counts, reencrypt_field
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored NIK (all tenant schemas) with the current personal-data key, the first of "
        "PERMITS_NIK_KEYS, and recompute its lookup digest. Idempotent; run it after putting a new key first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", help="Only this tenant: region code, subdomain or schema name.")
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        connection.set_schema_to_public()
        tenants = Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).order_by("schema_name")
        if code := options.get("tenant"):
            tenants = tenants.filter(Q(region_id=code) | Q(slug=code) | Q(schema_name=code))
            if not tenants.exists():
                raise CommandError(f"No tenant {code!r}.")
        total = Counts()
        for tenant in tenants:
            with tenant:
                for spec in ENCRYPTED_FIELDS:
                    counts = reencrypt_field(spec, options["batch_size"])
                    total.add(counts)
                    self.stdout.write(
                        f"{tenant.schema_name} {spec.model}.{spec.ciphertext_field}: "
                        f"{counts.rewritten} rewritten, {counts.current} already current, "
                        f"{counts.unreadable} unreadable"
                        + (f" (pk {', '.join(map(str, counts.unreadable_pks[:20]))})" if counts.unreadable else "")
                    )
        connection.set_schema_to_public()
        self.stdout.write(
            f"Total: {total.rewritten} rewritten, {total.current} already current, {total.unreadable} unreadable"
        )
        if total.unreadable:
            # Dropping the old key now would lose these rows for good: say so with the exit code.
            raise CommandError(
                f"{total.unreadable} value(s) could not be decrypted with any configured key; keep the old keys."
            )

"""Reconcile KotaKitaPay: every tenant, or one (`--schema kel_3577031001`); exit 1 on mismatches."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.payments.reconciliation import reconcile
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = "Check ledger invariants and gateway settlements against the journal; record every mismatch."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--schema", help="Only this tenant schema")
        parser.add_argument("--no-gateway", action="store_true", help="Do not ask the gateway for statuses")
        parser.add_argument("--days", type=int, default=3, help="Ask the gateway about charges of the last N days")

    def handle(self, *args: Any, **options: Any) -> None:
        previous = connection.tenant
        try:
            total = self.reconcile_tenants(options)
        finally:
            connection.set_tenant(previous)
        if total:
            raise CommandError(f"{total} mismatch(es) found.")

    def reconcile_tenants(self, options: dict[str, Any]) -> int:
        connection.set_schema_to_public()
        tenants = Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).order_by("schema_name")
        if options["schema"]:
            tenants = tenants.filter(schema_name=options["schema"])
            if not tenants.exists():
                raise CommandError(f"No tenant with schema {options['schema']}.")
        total = 0
        for tenant in tenants:
            with tenant:
                run = reconcile(triggered_by="command", ask_gateway=not options["no_gateway"], days=options["days"])
                line = f"{tenant.schema_name}: run {run.pk} {run.status}, {run.entries_checked} entries, "
                line += (
                    f"{run.accounts_checked} accounts, {run.charges_checked} charges, {run.mismatch_count} mismatch(es)"
                )
                self.stdout.write(self.style.ERROR(line) if run.mismatch_count else line)
                for mismatch in run.mismatches.all():
                    self.stdout.write(
                        f"    {mismatch.kind} {mismatch.reference}: expected {mismatch.expected}, got {mismatch.actual}"
                    )
                total += run.mismatch_count
        return total

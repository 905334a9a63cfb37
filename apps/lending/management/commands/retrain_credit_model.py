"""manage.py retrain_credit_model [--lender ID] [--schema SCHEMA]: train a lender's credit model
on its repayment outcomes (or keep the scorecard and say why). Runs in every active tenant
unless --schema names one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.db import connection


class Command(BaseCommand):
    help = "Retrain the credit model of every lender (or one) from its repayment outcomes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--lender", type=int, help="lender id (default: every active lender)")
        parser.add_argument("--schema", help="tenant schema (default: the current one, or every tenant from public)")

    def handle(self, *args: Any, **options: Any) -> None:
        from apps.tenancy.models import Tenant

        schema = options.get("schema")
        if schema:
            tenant = Tenant.objects.filter(schema_name=schema).first()
            if tenant is None:
                raise CommandError(f"unknown schema {schema!r}")
            with tenant:
                self._run(options.get("lender"))
        elif connection.schema_name != "public":
            self._run(options.get("lender"))
        else:
            for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(schema_name="public"):
                with tenant:
                    self._run(options.get("lender"))

    def _run(self, lender_id: int | None) -> None:
        from apps.lending import credit
        from apps.lending.models import Lender

        lenders = Lender.objects.filter(is_active=True)
        if lender_id is not None:
            lenders = lenders.filter(pk=lender_id)
            if not lenders.exists():
                raise CommandError(f"no active lender {lender_id} in {connection.schema_name}")
        for lender in lenders:
            version = credit.retrain(lender)
            line = f"{connection.schema_name}: {lender.name}: {version.kind} {version.version} — {version.note}"
            self.stdout.write(line)

"""Backfill or recompute daily facts: manage.py rollup_facts [--tenant slug] [--since D] [--until D]."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from apps.analytics import services
from apps.core.errors import DomainError


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Roll up the daily facts of one or every tenant for a range of days (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", action="append", default=[], help="tenant slug (repeatable); default all")
        parser.add_argument("--since", type=_date, help="first day (default: 7 days before --until)")
        parser.add_argument("--until", type=_date, help="last day (default: yesterday)")

    def handle(self, *args: Any, **options: Any) -> None:
        until: datetime.date = options["until"] or timezone.localdate() - datetime.timedelta(days=1)
        since: datetime.date = options["since"] or until - datetime.timedelta(days=services.DEFAULT_LOOKBACK_DAYS)
        tenants = services.tenants_to_roll_up()
        if options["tenant"]:
            wanted = set(options["tenant"])
            tenants = [t for t in tenants if t.slug in wanted]
            missing = wanted - {t.slug for t in tenants}
            if missing:
                raise CommandError(f"unknown or inactive tenant: {', '.join(sorted(missing))}")
        try:
            days = services.days_between(since, until)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        total = 0
        for tenant in tenants:
            written = 0
            for day in days:
                try:
                    written += services.rollup_tenant_day(tenant, day).written
                except DomainError as exc:
                    raise CommandError(f"{tenant.slug} {day}: {exc.message}") from exc
            total += written
            self.stdout.write(f"{tenant.slug}: {len(days)} days, {written} facts")
        self.stdout.write(self.style.SUCCESS(f"{len(tenants)} tenants, {total} facts"))

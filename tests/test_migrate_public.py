"""`migrate` leaves an up-to-date public schema alone (Django's migrate there costs about a
second on every boot even with nothing to do) and migrates it when a migration is missing."""

from __future__ import annotations

import pytest

from apps.tenancy import schemas
from apps.tenancy.management.commands.migrate_schemas import Command

pytestmark = pytest.mark.django_db


def test_public_is_current_after_migrate() -> None:
    assert schemas.public_outdated() is False


def test_a_missing_public_migration_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    real = schemas.expected_migrations("public")
    monkeypatch.setattr(schemas, "expected_migrations", lambda kind: real | {("tenancy", "9999_not_applied")})
    assert schemas.public_outdated() is True


def test_migrate_skips_the_up_to_date_public_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[object] = []
    from django_tenants.migration_executors.standard import StandardExecutor

    monkeypatch.setattr(StandardExecutor, "run_migrations", lambda self, tenants: ran.append(tenants))
    monkeypatch.setattr(Command, "migrate_tenant_schemas", lambda self, executor, options: None)
    from django.core.management import call_command

    call_command("migrate", "--shared", verbosity=0, skip_checks=True)
    assert ran == []
    monkeypatch.setattr(schemas, "public_outdated", lambda: True)
    call_command("migrate", "--shared", verbosity=0, skip_checks=True)
    assert ran == [["public"]]

"""migrate_schemas skips schemas already up to date and catches up the ones that are not."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django_tenants.utils import schema_exists

from apps.tenancy import schemas
from apps.tenancy.models import PooledSchema
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db


def test_noop_migrate_touches_no_schema(tenants: TenantSet) -> None:
    out = io.StringIO()
    call_command("migrate_schemas", tenant=True, no_pool_fill=True, stdout=out)
    assert "migrating 0." in out.getvalue()
    assert "Applying" not in out.getvalue()


def test_outdated_schemas_are_found_and_migrated_with_progress(tenants: TenantSet) -> None:
    # A schema that missed every migration, as if a deploy stopped before reaching it.
    with connection.cursor() as cursor:
        cursor.execute("CREATE SCHEMA pool_kelurahan_behind")
    PooledSchema.objects.create(schema_name="pool_kelurahan_behind", tenant_type="kelurahan", fingerprint="old")
    pairs = schemas.all_schema_pairs()
    assert schemas.outdated(pairs) == [("pool_kelurahan_behind", "kelurahan")]

    out = io.StringIO()
    call_command("migrate_schemas", tenant=True, no_pool_fill=True, stdout=out, verbosity=1)
    text = out.getvalue()
    assert f"{len(pairs) - 1} of {len(pairs)} tenant schemas are up to date; migrating 1." in text
    assert "[1/1 100.0%]" in text and "/s" in text
    assert schemas.outdated(schemas.all_schema_pairs()) == []
    # once caught up it is a current pool entry that activation may hand out
    assert PooledSchema.objects.get(schema_name="pool_kelurahan_behind").fingerprint == schemas.fingerprint("kelurahan")


def test_stale_pool_entries_are_never_handed_out_and_are_replaced(tenants: TenantSet) -> None:
    schemas.fill_pool("kota", 1)
    stale = list(PooledSchema.objects.filter(tenant_type="kota").values_list("schema_name", flat=True))
    PooledSchema.objects.filter(tenant_type="kota").update(fingerprint="built-before-a-migration")
    assert schemas.take_pooled_schema("kota") is None
    schemas.fill_pool("kota", 1)
    assert not any(schema_exists(name) for name in stale)
    assert list(PooledSchema.objects.filter(tenant_type="kota").values_list("fingerprint", flat=True)) == [
        schemas.fingerprint("kota")
    ]


def test_targeted_migrate_keeps_django_tenants_behaviour(tenants: TenantSet) -> None:
    out = io.StringIO()
    call_command("migrate_schemas", schema_name=tenants.a.schema_name, stdout=out)
    assert "No migrations to apply" in out.getvalue()

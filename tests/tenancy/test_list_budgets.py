"""Query budgets of the operator's lists (platform API and pages): same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.core.db import connection
from apps.tenancy.models import ActivationJob, Domain, Region, Tenant, TenantArchive, TenantOperationJob
from tests.budgets import assert_list_budget

pytestmark = pytest.mark.django_db


KECAMATAN = "35.77.09"


def _kelurahan(operator: User) -> Callable[[int], None]:
    """Kelurahan rows with their region and primary domain (no schema: a list reads none)."""
    made = [0]

    def grow(count: int) -> None:
        connection.set_schema_to_public()
        Region.objects.get_or_create(code=KECAMATAN, defaults={"name": "Uji", "level": 3, "parent_id": "35.77"})
        kota = Tenant.objects.get(region_id="35.77")
        for _ in range(count):
            made[0] += 1
            code = f"{KECAMATAN}.{2000 + made[0]}"
            region = Region.objects.create(code=code, name=f"Kel {made[0]}", level=4, parent_id=KECAMATAN)
            tenant = Tenant.objects.create(
                schema_name=f"kel_uji_{made[0]}",
                tenant_type=Tenant.Type.KELURAHAN,
                region=region,
                name=f"Kelurahan {made[0]}",
                slug=f"uji-{made[0]}",
                parent=kota,
            )
            Domain.objects.create(domain=f"uji-{made[0]}.localhost", tenant=tenant, is_primary=True)
            Domain.objects.create(domain=f"alias-{made[0]}.localhost", tenant=tenant, is_primary=False)
            TenantOperationJob.objects.create(
                kind=TenantOperationJob.Kind.values[made[0] % len(TenantOperationJob.Kind.values)],
                code=code,
                name=tenant.name,
                created_by=operator,
            )
            ActivationJob.objects.create(scope=KECAMATAN, codes=[code], total=1, created_by=operator)
            TenantArchive.objects.create(
                code=code,
                name=tenant.name,
                schema_name=tenant.schema_name,
                tenant_type=tenant.tenant_type,
                path=f"archives/{code}.dump",
                size_bytes=1,
                sha256="0" * 64,
                removed_by=operator,
            )

    return grow


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/regions/?parent={KECAMATAN}&page_size=100",
        "/api/v1/tenants/?page_size=100",
        "/api/v1/tenant-jobs/?page_size=100",
        "/api/v1/activation-jobs/?page_size=100",
        "/operator/pekerjaan/",
        "/operator/arsip/",
    ],
)
def test_operator_lists(operator_client: Client, operator: User, path: str) -> None:
    assert_list_budget(lambda: operator_client.get(path), _kelurahan(operator))

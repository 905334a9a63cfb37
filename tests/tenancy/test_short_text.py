"""What an operator or a kelurahan admin types (an archive's reason, a new admin's name, the
kantor's address and hours) is refused when too long, never cut, and nothing is written."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.tenancy import operations, services
from apps.tenancy.models import Tenant, TenantOperationJob
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db

CODE = "35.77.01.1009"  # Kelurahan Kelun, not a tenant in the fixtures


def test_archive_reason_too_long_is_refused_before_any_job(tenants: TenantSet, operator: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        operations.do_start_archive(tenants.a, reason="r" * 256, actor=operator, queue=False)
    assert refused.value.code == "too_long" and refused.value.details["field"] == "reason"
    assert not TenantOperationJob.objects.exists()


def test_activation_admin_name_too_long_is_refused_before_any_job(tenants: TenantSet, operator: User) -> None:
    with pytest.raises(ValidationFailed) as refused:
        operations.do_start_activate_region(CODE, admin_name="N" * 151, actor=operator, queue=False)
    assert refused.value.code == "too_long" and refused.value.details["field"] == "admin_name"
    assert not TenantOperationJob.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("address", "A" * 256), ("hours", "H" * 151)])
def test_office_contact_too_long_is_refused_and_nothing_changes(
    tenants: TenantSet, operator: User, field: str, value: str
) -> None:
    typed = {"address": "Jl. Baru 2", "phone": "0351 45678", "hours": "Senin", field: value}
    with pytest.raises(ValidationFailed) as refused:
        services.set_office_contact(tenants.a, actor=operator, **typed)
    assert refused.value.code == "too_long" and refused.value.details["field"] == field
    tenant = Tenant.objects.get(pk=tenants.a.pk)
    assert (tenant.office_address, tenant.office_phone, tenant.office_hours) == ("", "", "")

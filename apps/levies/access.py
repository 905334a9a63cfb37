"""Who may do what with levies: one rule each, used by services, views and templates."""

from __future__ import annotations

from typing import Any

from apps.accounts.roles import Role
from apps.core.db import connection
from apps.tenancy.models import Tenant

# The kota's finance office (BPKAD/Bapenda): its admins and OPD staff in the kota tenant.
FINANCE_ROLES = (Role.ADMIN, Role.STAF_OPD)


def is_kota(tenant: Any) -> bool:
    return isinstance(tenant, Tenant) and tenant.tenant_type == Tenant.Type.KOTA


def current_tenant() -> Tenant | None:
    tenant = getattr(connection, "tenant", None)
    return tenant if isinstance(tenant, Tenant) else None


def is_finance_officer(user: Any) -> bool:
    """Issues bills, records cash, exports reports: finance staff of the *kota* tenant only
    (a lurah or a kelurahan admin is never one: levies are the kota's)."""
    if not is_kota(current_tenant()) or not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or any(user.has_role(role) for role in FINANCE_ROLES))

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from apps.accounts.roles import FRANCHISE_OPERATOR


def is_franchise_operator(user: Any) -> bool:
    return bool(
        user and user.is_authenticated and (user.is_superuser or user.groups.filter(name=FRANCHISE_OPERATOR).exists())
    )


class IsFranchiseOperator(BasePermission):
    """Platform staff on the public site; no tenant user can ever pass this."""

    def has_permission(self, request: Request, view: Any) -> bool:
        tenant = getattr(request, "tenant", None)
        return bool(tenant is not None and tenant.schema_name == "public" and is_franchise_operator(request.user))

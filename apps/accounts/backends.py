"""Django's ModelBackend, refusing demo accounts and the demo password outside DEBUG, with
permissions from groups only: users have no per-user permissions (User.user_permissions is
None: no accounts_user_user_permissions table, issue 17 / docs/design/schema-cost.md step 8)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser, Permission
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest

from .demo_lock import demo_locked, demo_password_refused
from .models import User


class ModelBackend(backends.ModelBackend):
    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> User | None:
        if demo_password_refused(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        # Called on sign-in and by get_user() on every request: an open session ends too.
        return super().user_can_authenticate(user) and not demo_locked(user)

    def _get_user_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        return Permission.objects.none()

    def with_perm(
        self, perm: str | Permission, is_active: bool = True, include_superusers: bool = True, obj: Any = None
    ) -> QuerySet[User]:
        """Django's, without its `Q(user=...)` half (no per-user permissions to look at)."""
        if isinstance(perm, str):
            try:
                app_label, codename = perm.split(".")
            except ValueError:
                raise ValueError("Permission name should be in the form app_label.permission_codename.") from None
            permission_q = Q(codename=codename, content_type__app_label=app_label)
        elif isinstance(perm, Permission):
            permission_q = Q(pk=perm.pk)
        else:
            raise TypeError("The `perm` argument must be a string or a permission instance.")
        if obj is not None:
            return User.objects.none()
        user_q = Q(Exists(Permission.objects.filter(permission_q, group__user=OuterRef("pk"))))
        if include_superusers:
            user_q |= Q(is_superuser=True)
        if is_active is not None:
            user_q &= Q(is_active=is_active)
        return User._default_manager.filter(user_q)

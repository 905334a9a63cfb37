from typing import Any

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.admin import PairThroughAdmin
from apps.core.errors import DomainError

from . import services
from .lockout import qualified_username
from .models import User


@admin.register(User)
class UserAdmin(PairThroughAdmin, DjangoUserAdmin[User]):
    """Roles are groups; there are no per-user permissions (User.user_permissions is None). The
    groups' link table is keyed by the pair (accounts.UserGroup), which PairThroughAdmin edits."""

    list_display = ["username", "full_name", "email", "phone", "is_active", "is_staff"]
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "email", "phone"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Data diri"), {"fields": ("full_name", "email", "phone")}),
        (_("Peran dan hak akses"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Waktu penting"), {"fields": ("last_login", "date_joined")}),
    )
    filter_horizontal = ("groups",)
    actions = ["deactivate"]

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False  # orders, permits and journal entries point at people: deactivate instead

    @admin.action(description=_("Nonaktifkan akun terpilih"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset:
            try:
                services.deactivate_user(user, actor=request.user)  # type: ignore[arg-type]
            except DomainError as exc:
                self.message_user(request, f"{user.username}: {exc.message}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(n)d akun dinonaktifkan.") % {"n": done})


# --- login attempts (django-axes): one public table for every tenant (apps.accounts.lockout) ---
# AXES_ENABLE_ADMIN is off: axes would show every tenant's rows. The tenant admin gets its own
# tenant's rows only (read-only, superusers: config.admin_site TECHNICAL); the platform
# operator's admin (apps.tenancy.admin) shows them all.


class _OwnTenantOnly:
    """Rows whose username carries the current tenant's prefix; no bulk actions (axes' clean-up
    action would delete other tenants' expired rows too)."""

    actions: list[Any] = []

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset: QuerySet[Any] = super().get_queryset(request)  # type: ignore[misc]
        return queryset.filter(username__startswith=qualified_username(""))


for _model, _admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    admin.site.register(_model, type(f"Tenant{_admin.__name__}", (_OwnTenantOnly, _admin), {}))

"""The login lock-out (django-axes) of every tenant in one set of public tables.

Login attempts used to be four tables in every tenant schema (30 pg_class rows of each empty
kelurahan schema, docs/design/schema-cost.md step 2). They are transient, written only by
sign-ins, and no tenant table refers to them, so they live in the public schema only; a tenant
request reads and writes them through the search path ("<tenant>, public").

What keeps the lock-out per tenant is the name axes counts under: "<schema>:<username>"
(`qualified_username`), for failures, lock-out checks, the reset on a successful sign-in and
the access log alike (settings: AXES_USERNAME_CALLABLE = `axes_username`, AXES_HANDLER =
`TenantDatabaseHandler`). Two kelurahan with a user of the same name never share a counter.
Anything that resets a user's attempts goes through `reset_lockout`, never
`axes.utils.reset(username=<bare name>)`, which would match nothing.

The attempt records are shown only in the platform operator's admin (apps.tenancy.admin); the
tenant admin does not register them, so no kelurahan ever lists another's attempts.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from axes.utils import reset
from django.conf import settings
from django.http import HttpRequest

from apps.core.db import connection

SEPARATOR = ":"  # never part of a username (Django's username validator refuses it)


def qualified_username(username: str, schema: str | None = None) -> str:
    """`username` as axes stores it: prefixed with the schema it signs in to (the current one
    by default). Idempotent: a name already carrying this schema's prefix is returned as is
    (axes hands the name back to `axes_username` after a successful sign-in)."""
    prefix = f"{schema or connection.schema_name}{SEPARATOR}"
    return username if username.startswith(prefix) else prefix + username


def axes_username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: axes' own lookup (credentials, else the POST/DRF data), qualified."""
    field = getattr(settings, "AXES_USERNAME_FORM_FIELD", "username")  # axes.conf's default
    if credentials:
        name = credentials.get(field)
    elif request is not None:
        name = getattr(request, "data", request.POST).get(field)
    else:
        name = None
    return None if name is None else qualified_username(str(name))


class _Named:
    """A signed-in user as axes' success and sign-out handlers see it: they only ask its name."""

    def __init__(self, name: str) -> None:
        self._name = name

    def get_username(self) -> str:
        return self._name


class TenantDatabaseHandler(AxesDatabaseHandler):
    """axes' database handler, with the successful sign-in (its access log row and the reset of
    the user's failures) and the sign-out under the qualified name too: axes takes those from
    `user.get_username()`, not from AXES_USERNAME_CALLABLE."""

    def user_logged_in(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, _Named(qualified_username(user.get_username())), **kwargs)

    def user_logged_out(self, sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
        named = _Named(qualified_username(user.get_username())) if user is not None else None
        super().user_logged_out(sender, request, named, **kwargs)


def reset_lockout(username: str) -> int:
    """Forget the failed sign-ins of `username` in the current tenant (unlocks it); returns
    how many attempt records went. Other tenants' namesakes keep theirs."""
    return int(reset(username=qualified_username(username)))


def forget_login_records(usernames: Iterable[str]) -> None:
    """Delete the attempts and access log rows of these users of the current tenant (tests and
    demo resets that sign the same accounts in again)."""
    names = [qualified_username(name) for name in usernames]
    AccessAttempt.objects.filter(username__in=names).delete()
    AccessLog.objects.filter(username__in=names).delete()
    AccessFailureLog.objects.filter(username__in=names).delete()


def forget_schema(schema_name: str) -> int:
    """Delete every login record of the tenant in `schema_name` (its removal: the rows were
    dropped with its schema before they moved to public; transient, so never archived)."""
    prefix = qualified_username("", schema_name)
    deleted = 0
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        count, _ = model.objects.filter(username__startswith=prefix).delete()
        deleted += count
    return deleted

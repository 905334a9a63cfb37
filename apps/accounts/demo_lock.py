"""Demo accounts work only with DEBUG on (a developer's `make run`), never in production.

`manage.py seed_demo` creates accounts with a published password and known API tokens. Should
such a database (or a copy of it) ever run without DEBUG, none of them may sign in:

- every user created while the demo is seeded (`demo_seeding()`) joins the `DEMO_GROUP` group,
  and so do the known demo usernames seeded before this existed;
- the sign-in backend (`apps.accounts.backends.ModelBackend`) refuses those users, on sign-in and
  on every request of an existing session, and refuses the demo password for any account;
- the API token authentication (`apps.accounts.authentication.ApiTokenAuthentication`) refuses
  their tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import post_save

DEMO_PASSWORD = "KotaKita-Demo-2026"  # noqa: S105 - published on purpose (README, console)
DEMO_GROUP = "demo"

_seeding: ContextVar[bool] = ContextVar("kotakita_demo_seeding", default=False)


def demo_allowed() -> bool:
    return bool(settings.DEBUG)


@contextmanager
def demo_seeding() -> Iterator[None]:
    """Users created inside this block are demo accounts."""
    token = _seeding.set(True)
    try:
        yield
    finally:
        _seeding.reset(token)


def mark_demo(user: Any) -> None:
    user.groups.add(Group.objects.get_or_create(name=DEMO_GROUP)[0])


def is_demo_account(user: Any) -> bool:
    return bool(getattr(user, "pk", None)) and user.groups.filter(name=DEMO_GROUP).exists()


def demo_locked(user: Any) -> bool:
    """Whether `user` must be refused now (a demo account while DEBUG is off)."""
    return not demo_allowed() and is_demo_account(user)


def demo_password_refused(password: str | None) -> bool:
    return not demo_allowed() and password == DEMO_PASSWORD


def _mark_new_users(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created and _seeding.get():
        mark_demo(instance)


def connect() -> None:
    post_save.connect(_mark_new_users, sender=settings.AUTH_USER_MODEL, dispatch_uid="accounts.demo_lock")

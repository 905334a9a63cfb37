"""Django's ModelBackend, refusing demo accounts and the demo password outside DEBUG."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import backends
from django.contrib.auth.models import AnonymousUser
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

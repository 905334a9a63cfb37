"""Revoke a user's API tokens whenever their password changes.

Every path that sets a password goes through `AbstractBaseUser.set_password()` (reset and
set-password links, the password-change form, admin's password form, `changepassword`,
`create_user`) or `set_unusable_password()`, then `save()`. `set_password()` keeps the raw
password in `_password` until after `post_save`, so the signal sees it; the silent re-hash on
sign-in (hasher upgrade) clears `_password` before saving and so revokes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .api_tokens import revoke_all_tokens
from .models import User


@receiver(pre_save, sender=User, dispatch_uid="accounts.note_password_made_unusable")
def note_password_made_unusable(sender: type[User], instance: User, **kwargs: Any) -> None:
    """Mark a save that turns a stored password unusable (admin's "disable password")."""
    instance._password_disabled = False  # type: ignore[attr-defined]
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "password" not in update_fields:
        return
    if instance.pk is None or instance.has_usable_password():
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._password_disabled = stored is not None and stored != instance.password  # type: ignore[attr-defined]


@receiver(post_save, sender=User, dispatch_uid="accounts.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(
    sender: type[User], instance: User, created: bool, update_fields: frozenset[str] | None, **kwargs: Any
) -> None:
    if created or (update_fields is not None and "password" not in update_fields):
        return
    changed = getattr(instance, "_password", None) is not None
    if changed or getattr(instance, "_password_disabled", False):
        revoke_all_tokens(instance)

"""Writes on users and roles. Every function runs in the current tenant's schema."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.rtrw.models import Residency, RukunTetangga

from . import lockout
from .models import User
from .roles import SELF_REGISTRATION_ROLES, STAFF_ROLES, Role


def ensure_roles() -> None:
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@transaction.atomic
def create_user(
    *,
    username: str,
    email: str = "",
    full_name: str = "",
    roles: Iterable[Role | str] = (),
    password: str | None = None,
    phone: str = "",
    superuser: bool = False,
) -> User:
    username = username.strip().lower()
    if not username:
        raise ValidationFailed(_("Nama pengguna wajib diisi."))
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(_("Nama pengguna “%(username)s” sudah dipakai.") % {"username": username})
    role_names = [str(role) for role in roles]
    unknown = set(role_names) - set(Role.values)
    if unknown:
        raise ValidationFailed(_("Peran tidak dikenal: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    user = User(
        username=username,
        email=email.strip().lower(),
        full_name=full_name.strip(),
        phone=phone.strip(),
        is_staff=superuser or any(name in STAFF_ROLES for name in role_names),
        is_superuser=superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if role_names:
        ensure_roles()
        user.groups.add(*Group.objects.filter(name__in=role_names))
    return user


@transaction.atomic
def register_resident(
    *,
    username: str,
    password: str,
    full_name: str,
    role: Role | str,
    rt: RukunTetangga | None = None,
    email: str = "",
    phone: str = "",
    address: str = "",
) -> User:
    """Self-registration of a warga or UMKM owner from the tenant's site."""
    if str(role) not in {str(r) for r in SELF_REGISTRATION_ROLES}:
        raise ValidationFailed(_("Peran ini tidak bisa dipilih saat mendaftar sendiri."))
    user = create_user(
        username=username, email=email, full_name=full_name, roles=[role], password=password, phone=phone
    )
    if rt is not None:
        Residency.objects.create(user=user, rt=rt, address=address.strip())
    return user


def set_password_path(user: User) -> str:
    """Path of the one-time link with which a new user chooses a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token}, urlconf="config.urls_tenant"
    )


def queue_set_password_email(user: User) -> bool:
    """Queue the one-time set-password e-mail to `user` (it runs in the current tenant's schema);
    False when the broker is down (logged, apps.core.tasks.publish)."""
    from apps.core.tasks import publish

    from .tasks import send_set_password_email

    return publish(send_set_password_email, user.pk)


@transaction.atomic
def deactivate_user(user: User, *, actor: User) -> User:
    """Stop an account from signing in, keeping everything it did (orders, permits, journal
    entries point at it): the admin's "Nonaktifkan" instead of a delete. Idempotent."""
    if not actor.is_staff:
        raise Forbidden(_("Hanya petugas yang bisa menonaktifkan akun."), code="not_staff")
    if user.pk == actor.pk:
        raise Conflict(_("Anda tidak bisa menonaktifkan akun Anda sendiri."), code="self_deactivation")
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_superuser and not actor.is_superuser:
        raise Forbidden(_("Hanya superuser yang bisa menonaktifkan superuser."), code="not_superuser")
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


def forget_tenant_login_records(schema_name: str) -> int:
    """A removed tenant's login attempts and access log (public tables: apps.accounts.lockout)."""
    return lockout.forget_schema(schema_name)

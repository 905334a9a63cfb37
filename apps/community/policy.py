"""Who may do what with an RT's kas and an arisan group (read-only checks, no writes)."""

from __future__ import annotations

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.rtrw.models import Residency, RukunTetangga

from .models import ArisanGroup, ArisanMember, Treasurer


def is_staff_officer(user: User) -> bool:
    """Kelurahan staff (admin, lurah): assign treasurers, read every RT's books."""
    if not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or any(user.has_role(role) for role in (Role.ADMIN, Role.LURAH)))


def home_rt(user: User) -> RukunTetangga | None:
    residency = Residency.objects.filter(user=user).select_related("rt__rw").first()
    return residency.rt if residency else None


def is_treasurer(user: User, rt: RukunTetangga) -> bool:
    return Treasurer.objects.filter(rt=rt, user=user, ended_at__isnull=True).exists()


def is_ketua_rt(user: User, rt: RukunTetangga) -> bool:
    return bool(user.pk) and rt.ketua_id == user.pk


def can_manage_books(user: User, rt: RukunTetangga) -> bool:
    """Record income, expenses and cash iuran; see the arrears list: the RT's treasurer or ketua."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_treasurer(user, rt) or is_ketua_rt(user, rt)


def can_assign_treasurer(user: User, rt: RukunTetangga) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_ketua_rt(user, rt) or is_staff_officer(user)


def can_view_books(user: User, rt: RukunTetangga) -> bool:
    """The transparent report: the RT's residents, its treasurer and ketua, the ketua RW, staff."""
    if not user.is_authenticated or not user.is_active:
        return False
    if can_manage_books(user, rt) or is_staff_officer(user):
        return True
    if rt.rw.ketua_id == user.pk:
        return True
    return Residency.objects.filter(user=user, rt=rt).exists()


def managed_rts(user: User) -> list[RukunTetangga]:
    """RTs whose books this user keeps (treasurer or ketua)."""
    if not user.is_authenticated:
        return []
    ids = set(Treasurer.objects.filter(user=user, ended_at__isnull=True).values_list("rt_id", flat=True))
    ids |= set(RukunTetangga.objects.filter(ketua=user).values_list("pk", flat=True))
    return list(RukunTetangga.objects.filter(pk__in=ids).select_related("rw").order_by("rw__number", "number"))


def is_organiser(user: User, group: ArisanGroup) -> bool:
    return bool(user.pk) and group.organiser_id == user.pk


def membership(user: User, group: ArisanGroup) -> ArisanMember | None:
    if not user.pk:
        return None
    return ArisanMember.objects.filter(group=group, user=user).first()


def can_view_group(user: User, group: ArisanGroup) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_organiser(user, group) or membership(user, group) is not None or is_staff_officer(user)

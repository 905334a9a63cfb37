"""Who may do what with an RT's kas and an arisan group (read-only checks, no writes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Q

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.rtrw.models import Residency, RukunTetangga

from .models import ArisanGroup, ArisanMember, Treasurer

T = TypeVar("T")
_MEMO = "_community_policy_memo"


def per_request(user: Any) -> User:
    """Remember this user's role answers until `forget`: views call it on `request.user`, which
    lives for one request, so the roles are read once per request however often a page asks.
    Users not passed through here (services, tasks, tests) are read fresh every time."""
    if getattr(user, "is_authenticated", False) and not hasattr(user, _MEMO):
        setattr(user, _MEMO, {})
    return user


def forget(user: User) -> None:
    """Drop the remembered answers (after this request changed a role, e.g. a new treasurer)."""
    memo = getattr(user, _MEMO, None)
    if memo is not None:
        memo.clear()


def _memo(user: User, key: tuple[Any, ...], read: Callable[[], T]) -> T:
    memo: dict[tuple[Any, ...], Any] | None = getattr(user, _MEMO, None)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]


def is_staff_officer(user: User) -> bool:
    """Kelurahan staff (admin, lurah): assign treasurers, read every RT's books."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return _memo(user, ("staff",), lambda: user.groups.filter(name__in=[str(Role.ADMIN), str(Role.LURAH)]).exists())


def home_rt(user: User) -> RukunTetangga | None:
    def read() -> RukunTetangga | None:
        residency = Residency.objects.filter(user=user).select_related("rt__rw").first()
        return residency.rt if residency else None

    return _memo(user, ("home_rt",), read)


def is_treasurer(user: User, rt: RukunTetangga) -> bool:
    return _memo(
        user,
        ("treasurer", rt.pk),
        lambda: Treasurer.objects.filter(rt=rt, user=user, ended_at__isnull=True).exists(),
    )


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
    return _memo(user, ("resident", rt.pk), lambda: Residency.objects.filter(user=user, rt=rt).exists())


def managed_rts(user: User) -> list[RukunTetangga]:
    """RTs whose books this user keeps (treasurer or ketua)."""
    if not user.is_authenticated:
        return []

    def read() -> list[RukunTetangga]:
        treasurer_of = Treasurer.objects.filter(user=user, ended_at__isnull=True).values("rt_id")
        rts = RukunTetangga.objects.filter(Q(pk__in=treasurer_of) | Q(ketua=user))
        return list(rts.select_related("rw").order_by("rw__number", "number"))

    return list(_memo(user, ("managed",), read))


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

"""Who may act on a permit, and as what. Used by services (to enforce) and pages (to offer)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role

from . import workflow
from .models import Permit, PermitEvent
from .workflow import Actor

STAFF_ROLES = (Role.ADMIN.value, Role.STAF_OPD.value)

# What an event records as the actor's capacity.
AS_APPLICANT = PermitEvent.Role.APPLICANT.value
AS_STAFF = PermitEvent.Role.STAFF.value
AS_KETUA_RT = PermitEvent.Role.KETUA_RT.value
AS_KETUA_RW = PermitEvent.Role.KETUA_RW.value
AS_LURAH = PermitEvent.Role.LURAH.value


def role_names(user: Any) -> frozenset[str]:
    """The user's role (group) names, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_permit_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._permit_role_names = cached
    return cached


def is_staff_officer(user: Any) -> bool:
    return bool(role_names(user) & set(STAFF_ROLES))


def is_lurah(user: Any) -> bool:
    return Role.LURAH.value in role_names(user)


def heads_permit_rt(user: Any, permit: Permit) -> str | None:
    if permit.rt_id is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    rt = permit.rt
    if rt is None:
        return None
    if rt.ketua_id == user.pk:
        return AS_KETUA_RT
    if rt.rw.ketua_id == user.pk:
        return AS_KETUA_RW
    return None


def acts_as(user: Any, actor: Actor, permit: Permit) -> str | None:
    """The capacity in which `user` may act as `actor` on `permit`, or None."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    is_applicant = user.pk == permit.applicant_id
    if actor in workflow.OFFICIAL and is_applicant:
        return None  # nobody processes their own application
    if actor == Actor.APPLICANT:
        return AS_APPLICANT if is_applicant else None
    if actor == Actor.APPLICANT_OR_STAFF:
        if is_applicant:
            return AS_APPLICANT
        return AS_STAFF if is_staff_officer(user) else None
    if actor == Actor.RT_RW:
        return heads_permit_rt(user, permit)
    if actor == Actor.STAFF:
        return AS_STAFF if is_staff_officer(user) else None
    if actor == Actor.LURAH:
        return AS_LURAH if is_lurah(user) else None
    return None


def refusal(actor: Actor, permit: Permit, user: Any) -> str:
    """Why `user` may not act as `actor` (a clear message for the 403)."""
    if actor in workflow.OFFICIAL and getattr(user, "pk", None) == permit.applicant_id:
        return _("Anda tidak dapat memproses permohonan Anda sendiri.")
    if actor == Actor.APPLICANT:
        return _("Hanya pemohon yang dapat melakukan langkah ini.")
    if actor == Actor.APPLICANT_OR_STAFF:
        return _("Hanya pemohon atau petugas kelurahan yang dapat melakukan langkah ini.")
    if actor == Actor.RT_RW:
        where = str(permit.rt) if permit.rt_id else _("RT pemohon")
        return _("Hanya ketua RT atau ketua RW pemohon (%(rt)s) yang dapat memberi rekomendasi.") % {"rt": where}
    if actor == Actor.STAFF:
        return _("Hanya petugas kelurahan (admin atau staf) yang dapat melakukan langkah ini.")
    return _("Hanya lurah yang dapat melakukan langkah ini.")


def can_view(user: Any, permit: Permit) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.pk in (permit.applicant_id, permit.created_by_id):
        return True
    if is_staff_officer(user) or is_lurah(user):
        return True
    return heads_permit_rt(user, permit) is not None


def is_officer(user: Any) -> bool:
    """Anyone with a work queue: staff, the lurah, or an RT/RW head."""
    if is_staff_officer(user) or is_lurah(user):
        return True
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return user.rt_led.exists() or user.rw_led.exists()

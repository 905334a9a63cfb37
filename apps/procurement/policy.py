"""Who may take which procurement step. Used by services (to enforce) and pages (to offer)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.accounts.roles import Role

from .workflow import Actor

# Kelurahan or OPD staff who buy: admin, staf OPD and the lurah.
STAFF_ROLES = (Role.ADMIN.value, Role.STAF_OPD.value, Role.LURAH.value)
SUPPLIER_ROLE = Role.PEMILIK_UMKM.value

# What an event records as the actor's capacity.
AS_STAFF = "petugas"
AS_SUPPLIER = "umkm"
AS_SYSTEM = "sistem"


def is_signed_in(user: Any) -> bool:
    return user is not None and bool(getattr(user, "is_authenticated", False)) and bool(user.is_active)


def role_names(user: Any) -> frozenset[str]:
    """The user's role (group) names, read once per user object."""
    if not is_signed_in(user):
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_procurement_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._procurement_role_names = cached
    return cached


def is_staff(user: Any) -> bool:
    return bool(role_names(user) & set(STAFF_ROLES))


def is_supplier(user: Any) -> bool:
    return SUPPLIER_ROLE in role_names(user)


def refusal(actor: Actor) -> str:
    """Why someone without the role may not take a step (the 403 message)."""
    if actor == Actor.SUPPLIER:
        return _("Hanya pemilik UMKM yang dapat mengajukan penawaran.")
    if actor == Actor.WINNER_OR_STAFF:
        return _("Hanya UMKM pemenang atau petugas (admin, staf OPD, lurah) yang dapat mencatat pengiriman.")
    return _("Hanya petugas kelurahan/OPD (admin, staf OPD, lurah) yang dapat melakukan langkah ini.")

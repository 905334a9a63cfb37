"""Roles are Django groups, one per role, present in every tenant schema from its template."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LURAH = "lurah", _("Lurah")
    ADMIN = "admin_kelurahan", _("Admin kelurahan/kota")
    STAF_OPD = "staf_opd", _("Staf OPD")
    KETUA_RT = "ketua_rt", _("Ketua RT")
    KETUA_RW = "ketua_rw", _("Ketua RW")
    PEMILIK_UMKM = "pemilik_umkm", _("Pemilik UMKM")
    WARGA = "warga", _("Warga")
    KURIR = "kurir", _("Kurir")
    OPERATOR_HUB = "operator_hub", _("Operator hub")
    PETUGAS_LKM = "petugas_lembaga_keuangan", _("Petugas lembaga keuangan")
    INTEGRATOR = "integrator", _("Integrator")


# What a visitor may pick when registering themselves; every other role is granted by staff.
SELF_REGISTRATION_ROLES = (Role.WARGA, Role.PEMILIK_UMKM)
# Roles that work in Django admin.
STAFF_ROLES = (Role.LURAH, Role.ADMIN, Role.STAF_OPD)

# The platform (public schema) has one role of its own.
FRANCHISE_OPERATOR = "operator_franchise"

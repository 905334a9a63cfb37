"""The site menu of base.html: the links a user's roles open, and the unread-notifications badge.

Both come from ONE query (the user's group names and the unread in-app count as subqueries of
one row), run lazily (only when a page renders the menu, never for the JSON API) and cached for a
minute (apps.notifications.badge), so a warm page pays nothing for its menu.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group
from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db.models import Count, OuterRef, Subquery
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import Role

from . import badge
from .models import Channel, Message

STAFF = frozenset(str(r) for r in (Role.LURAH, Role.ADMIN, Role.STAF_OPD))
EVERYONE: frozenset[str] = frozenset()
SIGNED_IN = frozenset({"*"})
# (path, label, who opens it: EVERYONE, SIGNED_IN or the role names that do)
LINKS: tuple[tuple[str, Any, frozenset[str]], ...] = (
    ("/laporan/", _("Laporan warga"), EVERYONE),
    ("/izin/", _("Izin usaha"), EVERYONE),
    ("/pasar/", _("Pasar"), EVERYONE),
    ("/agenda/", _("Agenda"), EVERYONE),
    ("/kas/", _("Kas RT"), EVERYONE),
    ("/dompet/", "KotaKitaPay", SIGNED_IN),
    ("/antar/", _("Antar"), SIGNED_IN),
    ("/sembako/", _("Sembako"), SIGNED_IN),
    ("/pinjaman/", _("Pinjaman"), frozenset({str(Role.PEMILIK_UMKM), str(Role.PETUGAS_LKM)})),
    ("/wawasan/", _("Wawasan"), STAFF | {str(Role.PEMILIK_UMKM)}),
    ("/pengadaan/", _("Pengadaan"), STAFF | {str(Role.PEMILIK_UMKM)}),
    ("/bansos/", _("Bansos"), STAFF | {str(Role.KETUA_RT), str(Role.KETUA_RW)}),
    ("/dasbor/", _("Dasbor"), STAFF),
)
# Links of one tenant type only (tenant_type -> LINKS-like rows): the kota's levy bills reach a
# payer in their kelurahan (/tagihan/), as do its bazars (/bazar/); the kota's finance office
# keeps the register (/retribusi/).
TYPE_LINKS: dict[str, tuple[tuple[str, Any, frozenset[str]], ...]] = {
    "kelurahan": (
        ("/tagihan/", _("Tagihan"), SIGNED_IN),
        # Bazars and UMKM vouchers are the kelurahan's; its staff organise them.
        ("/bazar/", _("Bazar"), SIGNED_IN),
        ("/bazar/kelola/", _("Kelola bazar"), STAFF),
    ),
    "kota": (
        ("/retribusi/", _("Retribusi & pajak"), frozenset({str(Role.ADMIN), str(Role.STAF_OPD)})),
        # UMKM invoices to the kota's OPDs (apps.invoicing inbox): finance office and OPD staff.
        ("/faktur/masuk/", _("Faktur masuk"), frozenset({str(Role.ADMIN), str(Role.STAF_OPD)})),
    ),
}


def _facts(user: User) -> tuple[set[str], int]:
    cached = cache.get(badge.key(user.pk))
    if cached is not None:
        return set(cached[0]), int(cached[1])
    roles, unread = _query(user)
    cache.set(badge.key(user.pk), (sorted(roles), unread), badge.CACHE_SECONDS)
    return roles, unread


def _query(user: User) -> tuple[set[str], int]:
    groups = Group.objects.filter(user=OuterRef("pk")).values("user").annotate(names=ArrayAgg("name")).values("names")
    unread = (
        Message.objects.filter(recipient=OuterRef("pk"), channel=Channel.IN_APP, read_at__isnull=True)
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = User.objects.filter(pk=user.pk).values_list(Subquery(groups), Subquery(unread)).first()
    if row is None:
        return set(), 0
    return set(row[0] or ()), int(row[1] or 0)


def _menu(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    rows = LINKS + TYPE_LINKS.get(str(getattr(getattr(request, "tenant", None), "tenant_type", "")), ())
    if not isinstance(user, User):  # a visitor
        return {"links": [(path, label) for path, label, who in rows if who is EVERYONE], "unread": 0}
    roles, unread = _facts(user)
    if user.is_staff:
        roles |= STAFF  # Django's staff flag keeps its meaning: staff see the staff pages
    links = [
        (path, label)
        for path, label, who in rows
        if who is EVERYONE or who is SIGNED_IN or user.is_superuser or roles & who
    ]
    links.append(("/notifikasi/", _("Notifikasi")))
    return {"links": links, "unread": unread}


def menu(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == "public":
        return {}
    return {"site_menu": SimpleLazyObject(lambda: _menu(request))}

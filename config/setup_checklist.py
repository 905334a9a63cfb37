"""The set-up checklist a new tenant's admin sees on the admin index: what a kelurahan needs
before warga can use it, each item read from the data itself (never a stored tick), with a
link to where it is done. One query per item, at most (tests/test_admin_site.py budgets it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.fulfillment.models import Hub
from apps.notifications.models import ChannelConfig
from apps.reports.models import Category
from apps.rtrw.models import RukunTetangga
from apps.tenancy.models import Tenant


@dataclass(frozen=True)
class Item:
    key: str
    title: str
    hint: str
    done: bool
    url: str
    action: str


@dataclass(frozen=True)
class Checklist:
    items: list[Item]

    @property
    def done_count(self) -> int:
        return sum(item.done for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def complete(self) -> bool:
        return self.done_count == self.total

    @property
    def progress_label(self) -> str:
        return _("%(done)d dari %(total)d selesai") % {"done": self.done_count, "total": self.total}


def checklist(request: HttpRequest) -> Checklist | None:
    """None outside a kelurahan/kota tenant or for staff who cannot act on it."""
    tenant: Any = getattr(request, "tenant", None)
    user: Any = request.user
    if tenant is None or tenant.schema_name == "public" or not (user.is_active and user.is_staff):
        return None
    return build(tenant)


def build(tenant: Tenant) -> Checklist:
    roles = set(
        User.objects.filter(is_active=True, groups__name__in=[Role.LURAH, Role.STAF_OPD, Role.ADMIN])
        .exclude(username="admin")  # the account made at activation is not an invitation
        .values_list("groups__name", flat=True)
        .distinct()
    )
    # At least one category goes to an OPD, and every category meant for an OPD names one.
    categories = Category.objects.aggregate(
        routed=Count("pk", filter=Q(active=True, unit=Category.Unit.OPD, opd__isnull=False)),
        unrouted=Count("pk", filter=Q(active=True, unit=Category.Unit.OPD, opd__isnull=True)),
    )
    contact = Tenant.objects.filter(pk=tenant.pk).values("office_phone", "office_email").first() or {}
    rt_url = reverse("admin:rtrw_rukuntetangga_changelist")
    items = [
        Item(
            key="rtrw",
            title=_("RT/RW dibuat"),
            hint=_("Buat RW lalu RT-nya, agar warga bisa memilih RT saat mendaftar."),
            done=RukunTetangga.objects.exists(),
            url=rt_url,
            action=_("Tambah RT/RW"),
        ),
        Item(
            key="staff",
            title=_("Petugas diundang (lurah, staf)"),
            hint=_("Buat akun untuk lurah dan staf, dengan peran masing-masing."),
            done=Role.LURAH.value in roles and bool(roles - {Role.LURAH.value}),
            url=reverse("admin:accounts_user_add"),
            action=_("Undang petugas"),
        ),
        Item(
            key="hub",
            title=_("Hub dengan jam buka"),
            hint=_("Hub tempat paket dikumpulkan, dengan jam buka tiap hari."),
            done=Hub.objects.filter(is_active=True).exclude(opening_hours={}).exists(),
            url=reverse("admin:fulfillment_hub_changelist"),
            action=_("Atur hub"),
        ),
        Item(
            key="opd",
            title=_("Laporan warga diteruskan ke OPD"),
            hint=_("Kategori laporan untuk OPD kota harus menyebut OPD tujuannya."),
            done=categories["routed"] > 0 and categories["unrouted"] == 0,
            url=reverse("admin:reports_category_changelist"),
            action=_("Atur kategori laporan"),
        ),
        Item(
            key="channels",
            title=_("Kanal notifikasi diatur"),
            hint=_("WhatsApp, SMS atau Telegram lewat penyedia, bukan hanya sandbox."),
            done=ChannelConfig.objects.filter(mode=ChannelConfig.Mode.HTTP).exclude(endpoint_url="").exists(),
            url=reverse("admin:notifications_channelconfig_changelist"),
            action=_("Atur kanal"),
        ),
        Item(
            key="contact",
            title=_("Kontak kantor kelurahan"),
            hint=_("Telepon atau e-mail kantor, ditampilkan kepada warga."),
            done=bool(contact.get("office_phone") or contact.get("office_email")),
            url=reverse("wilayah:office"),
            action=_("Isi kontak"),
        ),
    ]
    return Checklist(items=items)

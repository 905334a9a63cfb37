"""Demo laporan warga for a kelurahan: Kota Madiun's OPDs, six categories with units and SLAs,
an Open311 key and a handful of reports near the kelurahan's centre at various statuses.

Idempotent: what exists (by code, username, key or the demo reports' source) is left alone.
The demo Open311 api_key is `demo-open311-<slug>` (e.g. demo-open311-mojorejo).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core import geo
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

from . import services
from .models import ApiKey, Category, Opd, Report

# Kota Madiun's OPDs that handle what kelurahan residents report (demo contact data).
MADIUN_OPDS = [
    ("dinas-pupr", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Madiun", "Bidang Bina Marga", "pupr@madiunkota.go.id"),
    ("dlh", "Dinas Lingkungan Hidup Kota Madiun", "Bidang Kebersihan", "dlh@madiunkota.go.id"),
    ("dishub", "Dinas Perhubungan Kota Madiun", "Seksi Penerangan Jalan Umum", "dishub@madiunkota.go.id"),
    ("dinkes", "Dinas Kesehatan dan Keluarga Berencana Kota Madiun", "Bidang P2P", "dinkes@madiunkota.go.id"),
    ("satpol-pp", "Satuan Polisi Pamong Praja Kota Madiun", "Bidang Trantibum", "satpolpp@madiunkota.go.id"),
    ("perkim", "Dinas Perumahan dan Kawasan Permukiman Kota Madiun", "Bidang Permukiman", "perkim@madiunkota.go.id"),
    ("dinas-perdagangan", "Dinas Perdagangan Kota Madiun", "Bidang Sarana Perdagangan", "disdag@madiunkota.go.id"),
]

SEVERITY = [
    {"key": "ringan", "name": "Ringan (retak)"},
    {"key": "sedang", "name": "Sedang (berlubang)"},
    {"key": "berat", "name": "Berat (tidak bisa dilalui)"},
]


def _categories(rt: RukunTetangga, rw: RukunWarga) -> list[dict[str, Any]]:
    opd = {o.code: o for o in Opd.objects.all()}
    return [
        {
            "code": "jalan-rusak",
            "name": "Jalan rusak",
            "description": "Jalan berlubang, aspal mengelupas, paving lepas.",
            "group": "Infrastruktur",
            "keywords": "jalan, lubang, aspal, paving",
            "unit": Category.Unit.OPD,
            "opd": opd["dinas-pupr"],
            "sla_hours": 72,
            "escalation_hours": 168,
            "order": 1,
            "attributes": [
                {
                    "code": "tingkat",
                    "description": "Tingkat kerusakan",
                    "datatype": "singlevaluelist",
                    "required": True,
                    "values": SEVERITY,
                },
            ],
        },
        {
            "code": "sampah",
            "name": "Sampah",
            "description": "Sampah menumpuk, TPS penuh, pembuangan liar.",
            "group": "Lingkungan",
            "keywords": "sampah, TPS, bau",
            "unit": Category.Unit.OPD,
            "opd": opd["dlh"],
            "sla_hours": 48,
            "escalation_hours": 120,
            "order": 2,
        },
        {
            "code": "lampu-jalan",
            "name": "Lampu jalan mati",
            "description": "Penerangan jalan umum (PJU) mati atau berkedip.",
            "group": "Infrastruktur",
            "keywords": "lampu, PJU, gelap",
            "unit": Category.Unit.OPD,
            "opd": opd["dishub"],
            "sla_hours": 72,
            "escalation_hours": 168,
            "order": 3,
            "attributes": [
                {
                    "code": "nomor_tiang",
                    "description": "Nomor tiang lampu (jika terlihat)",
                    "datatype": "string",
                    "required": False,
                },
            ],
        },
        {
            "code": "saluran-air",
            "name": "Saluran air tersumbat",
            "description": "Selokan atau gorong-gorong tersumbat, genangan saat hujan.",
            "group": "Lingkungan",
            "keywords": "selokan, got, banjir, genangan",
            "unit": Category.Unit.RW,
            "rw": rw,
            "sla_hours": 48,
            "escalation_hours": 120,
            "order": 4,
        },
        {
            "code": "keamanan",
            "name": "Keamanan",
            "description": "Gangguan ketertiban dan keamanan lingkungan (bukan darurat: hubungi 112).",
            "group": "Ketertiban",
            "keywords": "keamanan, ronda, pencurian, ribut",
            "unit": Category.Unit.RT,
            "rt": rt,
            "sla_hours": 24,
            "escalation_hours": 72,
            "order": 5,
        },
        {
            "code": "lainnya",
            "name": "Lainnya",
            "description": "Masalah lain di lingkungan kelurahan.",
            "group": "Umum",
            "keywords": "lain",
            "unit": Category.Unit.KELURAHAN,
            "sla_hours": 120,
            "escalation_hours": 336,
            "order": 6,
        },
    ]


DEMO_KEY_NAME = "Integrasi BUMD (demo)"

# (category, metres north, metres east, days ago, what happens next, description)
DEMO_REPORTS: list[tuple[str, float, float, int, list[str], str]] = [
    ("jalan-rusak", 120, -80, 9, ["verify", "start"], "Aspal berlubang ±10 cm di depan pos ronda, rawan motor jatuh."),
    ("lampu-jalan", -210, 150, 6, ["verify"], "Tiga lampu PJU mati berturut-turut di gang menuju musala."),
    ("sampah", 60, 240, 12, ["start", "resolve"], "Sampah menumpuk di TPS sementara, sudah seminggu belum diangkut."),
    ("saluran-air", -330, -200, 20, ["resolve", "close"], "Selokan depan SD tersumbat lumpur, air meluap saat hujan."),
    ("keamanan", 300, 90, 2, [], "Sering ada balap liar tengah malam di jalan utama kampung."),
    ("lainnya", -90, -360, 15, ["not_responsible"], "Minta pemasangan rambu dilarang parkir di depan pasar."),
]


def _person(username: str, full_name: str, role: Role) -> User:
    from apps.accounts.demo_lock import DEMO_PASSWORD

    user = User.objects.filter(username=username).first()
    return user or create_user(
        username=username, full_name=full_name, roles=[role], password=DEMO_PASSWORD, email=f"{username}@example.id"
    )


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    for code, name, contact, email in MADIUN_OPDS:
        services.ensure_opd(code=code, name=name, contact=contact, email=email)
    pupr = services.ensure_opd(code="dinas-pupr", name=MADIUN_OPDS[0][1])
    pupr.staff.add(_person("petugas-pupr", "Bambang (Dinas PUPR)", Role.STAF_OPD))

    rw, _created = RukunWarga.objects.get_or_create(number=1)
    rt, _created = RukunTetangga.objects.get_or_create(rw=rw, number=1)
    for spec in _categories(rt, rw):
        services.ensure_category(**spec)

    demo_key = f"demo-open311-{tenant.slug}"
    if not ApiKey.objects.filter(name=DEMO_KEY_NAME).exists():
        services.create_api_key(name=DEMO_KEY_NAME, contact_email="bumdes-api@example.id", raw_key=demo_key)

    if Report.objects.filter(source=Report.Source.DEMO).exists() or tenant.lat is None or tenant.lng is None:
        return
    staff = User.objects.filter(username="admin").first()
    reporter = User.objects.filter(username="pak-joko").first()
    now = timezone.now()
    for category, north, east, days_ago, steps, text in DEMO_REPORTS:
        lat, lng = geo.offset(float(tenant.lat), float(tenant.lng), north, east)
        at = now - timedelta(days=days_ago)
        report = services.submit_report(
            category=category,
            description=text,
            lat=f"{lat:.6f}",
            lng=f"{lng:.6f}",
            reporter=reporter,
            attributes={"tingkat": "sedang"} if category == "jalan-rusak" else None,
            source=Report.Source.DEMO,
            now=at,
        )
        for step, action in enumerate(steps, start=1):
            when = at + timedelta(days=step)
            notes = {
                "resolve": "Sudah ditangani petugas, terima kasih atas laporannya.",
                "not_responsible": "Rambu lalu lintas adalah wewenang Dinas Perhubungan; sudah kami teruskan.",
            }
            if action == "close":
                services.close(report, reporter or staff, now=when)
            elif action == "verify":
                services.verify(report, staff, now=when)
            elif action == "start":
                services.start_work(report, staff, now=when)
            elif action == "resolve":
                services.resolve(report, staff, notes["resolve"], now=when)
            elif action == "not_responsible":
                services.mark_not_responsible(report, staff, notes["not_responsible"], now=when)
    # A guest's report (issue 19): no account, only a landmark and the RT (no map point), a
    # contact that staff see as "Pelapor anonim" and that hears of each status change.
    guest = services.submit_report(
        category="lampu-jalan",
        description="Lampu di mulut gang mati, anak-anak pulang mengaji lewat jalan gelap.",
        address="Mulut gang sebelah warung Bu Sri",
        rt=rt,
        reporter=None,
        contact_name="Bu Tini",
        contact_email="tini@example.id",
        require_point=False,
        source=Report.Source.DEMO,
        now=now - timedelta(days=1),
    )
    if staff is not None:
        services.verify(guest, staff, now=now - timedelta(hours=20))

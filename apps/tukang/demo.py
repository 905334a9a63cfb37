"""Demo GoTukang for kelurahan tenants: four tukang with skills, rates and service areas, and
pak-joko's completed, paid and rated jobs (so the directory shows stars) and one booked job under
dispute (the dashboards' GoTukang complaints). Idempotent: a tukang
listing is made once per demo account, the jobs only while the first tukang has none.
pak-joko gets a WhatsApp number (when he has none) so the sandbox recognises him."""

from __future__ import annotations

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant

from . import services
from .models import Job, RateUnit, Skill, Tukang

DEMO_PHONE = "081234560001"
DEMO_PASSWORD = "KotaKita-Demo-2026"  # the password apps.demo.seed gives every demo account  # noqa: S105
TUKANG = [
    ("tukang-slamet", "Pak Slamet", [Skill.BATU, Skill.CAT], 150_000, RateUnit.DAY, [1, 2], "081234560101"),
    ("tukang-wawan", "Mas Wawan", [Skill.LISTRIK, Skill.ELEKTRONIK], 75_000, RateUnit.JOB, [], "081234560102"),
    ("tukang-harto", "Pak Harto", [Skill.LEDENG, Skill.KAYU], 140_000, RateUnit.DAY, [], "081234560103"),
    ("tukang-rina", "Bu Rina", [Skill.JAHIT], 25_000, RateUnit.JOB, [1], "081234560104"),
]
JOBS = [  # (tukang username, skill, description, price, rating, review)
    ("tukang-wawan", Skill.LISTRIK, "Stopkontak dapur korslet", 85_000, 5, "Cepat dan rapi."),
    ("tukang-harto", Skill.LEDENG, "Keran kamar mandi bocor", 120_000, 4, "Bagus, datang agak telat."),
    ("tukang-slamet", Skill.CAT, "Cat ulang pagar depan", 450_000, 5, "Hasilnya bersih."),
]


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    joko = User.objects.filter(username="pak-joko").first()
    if joko is None:
        return
    if not joko.phone:
        joko.phone = DEMO_PHONE
        joko.save(update_fields=["phone"])
    for username, name, skills, rate, unit, rws, phone in TUKANG:
        user = User.objects.filter(username=username).first() or create_user(
            username=username, full_name=name, roles=[Role.WARGA], password=DEMO_PASSWORD, phone=phone
        )
        if not Tukang.objects.filter(user=user).exists():
            services.register_tukang(
                user,
                name=name,
                skills=skills,
                rate=rate,
                rate_unit=unit,
                rws=[n for n in rws if _rw_exists(n)],
                availability_note="Senin–Sabtu 08.00–16.00",
            )
    if Job.objects.filter(requester=joko).exists():
        return
    for username, skill, description, price, rating, review in JOBS:
        tukang = Tukang.objects.get(user__username=username)
        job = services.request_job(joko, skill=skill, description=description, tukang=tukang)
        quote = services.submit_quote(job, actor=tukang.user, amount=price)
        services.book_quote(job, quote, actor=joko)
        services.complete_job(job, actor=tukang.user)
        services.record_cash(job, actor=tukang.user)
        services.rate_job(job, actor=joko, rating=rating, review=review)
    # A booked job pak-joko took to the kelurahan (the dashboards' GoTukang disputes).
    slamet = Tukang.objects.get(user__username="tukang-slamet")
    job = services.request_job(joko, skill=Skill.BATU, description="Tembok dapur retak", tukang=slamet)
    services.book_quote(job, services.submit_quote(job, actor=slamet.user, amount=300_000), actor=joko)
    services.open_dispute(job, actor=joko, reason="Retaknya muncul lagi seminggu setelah diperbaiki.")
    # One open request, waiting for quotes from every tukang ledeng.
    services.request_job(
        joko, skill=Skill.LEDENG, description="Pipa wastafel mampet", address="Jl. Mojorejo Gg. II No. 3"
    )


def _rw_exists(number: int) -> bool:
    from apps.rtrw.models import RukunWarga

    return RukunWarga.objects.filter(number=number).exists()

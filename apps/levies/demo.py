"""Demo levies of Kota Madiun billed to Mojorejo's demo people (idempotent).

In the kota schema: the catalogue (retribusi persampahan, retribusi pasar, pajak restoran) and
bills to pak-joko (persampahan, last month's paid in cash at the counter, this month's open) and
bu-sri (a market stall and her warung's restaurant tax), and a PBB-P2 bill addressed by NIK only
(the synthetic `DEMO_NIK`: no account recorded it, so it waits in Mojorejo to be claimed by number
and code, or attached when a demo resident records that NIK at /tagihan/). Their copies appear in
Mojorejo at /tagihan/ once the after-commit tasks ran. Other tenants: nothing.
"""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.tenancy.models import Tenant

from . import identity, recurring, services
from .models import Levy, LevyBill

PERDA_RETRIBUSI = "Perda Kota Madiun No. 5 Tahun 2011 tentang Retribusi Jasa Umum"
PERDA_PAJAK = "Perda Kota Madiun No. 1 Tahun 2024 tentang Pajak dan Retribusi Daerah"
# Synthetic (serial 9xxx like apps.aid's demo): Kota Madiun, born 15-05-1980.
DEMO_NIK = "3577031505809001"


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KOTA:
        return
    mojorejo = Tenant.objects.filter(parent=tenant, slug="mojorejo").first()
    sampah = services.do_save_levy(
        code="RSAMP",
        name="Retribusi persampahan",
        kind=Levy.Kind.RETRIBUSI,
        tariff=15_000,
        period=Levy.Period.MONTHLY,
        perda=PERDA_RETRIBUSI,
        due_days=20,
    )
    pasar = services.do_save_levy(
        code="RPSR",
        name="Retribusi pasar (per lapak)",
        kind=Levy.Kind.RETRIBUSI,
        tariff=60_000,
        period=Levy.Period.MONTHLY,
        perda=PERDA_RETRIBUSI,
        due_days=20,
    )
    resto = services.do_save_levy(
        code="PRES",
        name="Pajak restoran",
        kind=Levy.Kind.PAJAK,
        tariff=0,  # 10% of the month's sales, self-assessed: each bill carries its amount
        period=Levy.Period.MONTHLY,
        perda=PERDA_PAJAK,
        fine_rate_bps=100,
        fine_cap_months=24,
        due_days=30,
    )
    pbb = services.do_save_levy(
        code="PBBP2",
        name="PBB-P2",
        kind=Levy.Kind.PAJAK,
        tariff=0,  # from the SPPT's NJOP: each bill carries its amount
        period=Levy.Period.YEARLY,
        perda=PERDA_PAJAK,
        fine_rate_bps=200,
        fine_cap_months=15,
        due_days=90,
    )
    if mojorejo is None:
        return
    today = timezone.localdate()
    this_month = recurring.month_label(today)
    last_month = recurring.month_label(recurring.previous_month(today))
    joko = ("Joko Santoso", "pak-joko", "RT 01/RW 01 Mojorejo")
    sri = ("Sri Lestari", "bu-sri", "RT 02/RW 01 Mojorejo")

    def bill(levy: Levy, payer: tuple[str, str, str], period: str, amount: int | None = None) -> LevyBill:
        name, account, address = payer
        return services.do_issue_bill(
            levy,
            kelurahan=mojorejo,
            payer_name=name,
            payer_account=account,
            object_address=address,
            amount=amount,
            period_label=period,
        )

    paid = bill(sampah, joko, last_month)
    staff = _finance_staff()
    if paid.status == LevyBill.Status.OPEN and staff is not None:
        services.do_record_cash(paid.number, actor=staff)
    bill(sampah, joko, this_month)
    bill(pasar, sri, this_month)
    bill(resto, sri, last_month, 185_000)
    services.do_issue_bill(  # addressed by NIK only, like a PBB-P2 spreadsheet row
        pbb,
        kelurahan=mojorejo,
        payer_name="Budi Hartono",
        payer_nik_digest=identity.digest_nik(DEMO_NIK),
        object_address="Jl. Mojorejo 12",
        amount=248_000,
        period_label=str(today.year),
    )


def _finance_staff() -> User | None:
    return User.objects.filter(groups__name=Role.STAF_OPD).order_by("id").first()

"""Demo Sembako Pintar for kelurahan tenants: Bu Yati's grocery stocks rice and cooking oil, the
ketua RW 01 runs an open round at the kelurahan hub with reference market prices, pak-joko has
paid his order with the wallet, and pak-mulyono (enrolled in the "Sembako RT" programme) paid
his with his bansos entitlement. Idempotent: the round is made once per tenant."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.aid import services as aid
from apps.aid.models import Enrolment, Program
from apps.core.errors import DomainError
from apps.fulfillment.models import Hub
from apps.marketplace import services as market
from apps.marketplace.models import Shop, Variant
from apps.pangan.models import FoodPrice
from apps.payments import services as payments
from apps.rtrw.models import Residency, RukunWarga
from apps.tenancy.models import Tenant

from . import services
from .models import Round

logger = logging.getLogger(__name__)

TITLE = "Sembako Pintar RW 01"
DEMO_PASSWORD = "KotaKita-Demo-2026"  # the password apps.demo.seed gives every demo account  # noqa: S105
# (commodity, unit, price): reference prices shown next to the round's (a harga-pangan import
# replaces them with a real series: manage.py import_harga_pangan <csv> --area <city>).
REFERENCES = [("Beras Medium", "kg", 13_250), ("Minyak Goreng Curah", "liter", 17_500)]
REFERENCE_AREA = "Contoh pasar"


def _variant(shop: Shop, owner: User, name: str, sku: str, price: int) -> Variant:
    found = Variant.objects.filter(shop=shop, sku=sku).first()
    if found is not None:
        return found
    product = market.create_product(
        shop, owner, name=name, variants=[market.VariantSpec(sku=sku, price=price, stock=500)]
    )
    return product.variants.get()


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN or Round.objects.filter(title=TITLE).exists():
        return
    organiser = User.objects.filter(username="ketua-rw01").first()
    joko = User.objects.filter(username="pak-joko").first()
    yati = User.objects.filter(username="bu-yati").first() or User.objects.filter(username="bu-sri").first()
    hub = Hub.objects.filter(is_active=True).order_by("pk").first()
    program = Program.objects.filter(name="Sembako RT").first()
    if organiser is None or joko is None or yati is None or hub is None:
        return
    today = timezone.localdate()
    for commodity, unit, price in REFERENCES:
        FoodPrice.objects.get_or_create(
            commodity=commodity, area=REFERENCE_AREA, day=today, defaults={"unit": unit, "price": price}
        )
    shop = Shop.objects.filter(owner=yati, name="Grosir Sembako Bu Yati").first() or market.open_shop(
        yati, name="Grosir Sembako Bu Yati", address="Jl. Mojorejo Gg. IV No. 9"
    )
    beras = _variant(shop, yati, "Beras medium", "SMB-BRS", 12_000)
    minyak = _variant(shop, yati, "Minyak goreng curah", "SMB-MYK", 15_000)
    round = services.open_round(
        organiser,
        title=TITLE,
        closes_at=timezone.now() + timedelta(days=3),
        hub=hub,
        rw=RukunWarga.objects.filter(number=1).first(),
        aid_program=program,
        items=[
            services.ItemSpec(variant=beras.pk, unit="kg", price=12_500, commodity="Beras Medium"),
            services.ItemSpec(variant=minyak.pk, unit="liter", price=16_000, commodity="Minyak Goreng Curah"),
            services.ItemSpec(name="Telur ayam", unit="kg", price=27_000, cap=40),
        ],
    )
    items = {i.name: i.pk for i in round.items.all()}
    try:
        order, _ = services.place_order(joko, round, quantities={items["Beras medium"]: 2, items["Telur ayam"]: 1})
        wallet = payments.ensure_wallet(joko)
        if wallet.balance < order.total:  # the other demos spent his top-up: a small one for this
            payments.top_up(
                wallet, order.total - wallet.balance, reference="demo", idempotency_key=f"demo:sembako:topup:{joko.pk}"
            )
        services.pay_with_wallet(order, actor=joko, idempotency_key=f"demo:sembako:{order.pk}")
    except DomainError as exc:  # pak-joko lives in another RW in a hand-edited demo: say so, go on
        logger.warning("sembako demo: pak-joko's order: %s", exc.message)
    _bansos_order(round, program, items, today)


def _bansos_order(round: Round, program: Program | None, items: dict[str, int], today: date) -> None:
    """pak-mulyono, enrolled in Sembako RT, pays with his entitlement of this month."""
    if program is None:
        return
    enrolment = (
        Enrolment.objects.filter(program=program, status=Enrolment.Status.ACTIVE)
        .select_related("beneficiary__rt")
        .order_by("beneficiary__name", "pk")
        .first()
    )
    if enrolment is None:
        return
    beneficiary = enrolment.beneficiary
    user = beneficiary.user or User.objects.filter(username="pak-mulyono").first()
    if user is None:
        user = create_user(
            username="pak-mulyono", full_name=beneficiary.name, roles=[Role.WARGA], password=DEMO_PASSWORD
        )
    if beneficiary.user_id != user.pk:
        aid.update_beneficiary(
            beneficiary,
            name=beneficiary.name,
            address=beneficiary.address,
            rt=beneficiary.rt,
            household_income=beneficiary.household_income,
            user=user,
        )
    if round.rw is not None and not Residency.objects.filter(user=user).exists():
        # The demo round is RW 01's: its bansos household lives there (a demo account).
        rt = beneficiary.rt if beneficiary.rt.rw_id == round.rw_id else round.rw.rts.order_by("number").first()
        if rt is not None:
            Residency.objects.create(user=user, rt=rt)
    try:
        aid.plan_distribution(enrolment, period=today.strftime("%Y-%m"))
        order, _ = services.place_order(
            user, round, quantities={items["Beras medium"]: 5, items["Minyak goreng curah"]: 2}
        )
        services.redeem_bansos(order, actor=user)
    except DomainError as exc:
        logger.warning("sembako demo: bansos order: %s", exc.message)

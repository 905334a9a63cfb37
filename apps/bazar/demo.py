"""Demo: "Bazar UMKM <kelurahan>" running this week with Bu Sri's promotion (10 %), Bu Yati's stall
and the agenda entry; a draft "Bazar Malam" a fortnight ahead (not announced yet) with Bu Sri's
shop placed and a Rp2.000 promotion, for the organiser's pages; an arisan group whose first
round was paid out as a UMKM voucher, partly spent at a shop's till and partly at the pasar's
checkout (a paid order), and whose second round is flagged to be paid out as a voucher too.
Idempotent (a later run finds what an earlier one made)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.utils import timezone

from apps.accounts.models import User
from apps.community import services as community
from apps.community.models import ArisanGroup, ArisanRound
from apps.core.errors import DomainError
from apps.marketplace import services as market
from apps.marketplace.models import Product, Shop, Variant
from apps.payments import services as pay
from apps.tenancy.models import Tenant

from . import services
from .models import BazarEvent, Discount, Stall, Voucher

logger = logging.getLogger(__name__)

ARISAN = "Arisan UMKM Voucher"


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    lurah = User.objects.filter(username__startswith="lurah-", is_staff=True).order_by("pk").first()
    sri = User.objects.filter(username="bu-sri").first()
    joko = User.objects.filter(username="pak-joko").first()
    if lurah is None or sri is None or joko is None:
        return
    _bazar(tenant, lurah, sri)
    _voucher(sri, joko)


def _bazar(tenant: Tenant, lurah: User, sri: User) -> None:
    name = f"Bazar UMKM {tenant.name.replace('Kelurahan ', '')}"
    event = BazarEvent.objects.filter(name=name).first()
    if event is None:
        # From yesterday 07:00 to the day after tomorrow 21:00: running whenever the demo is seeded.
        yesterday = timezone.localdate() - timedelta(days=1)
        starts = timezone.make_aware(datetime.combine(yesterday, time(7, 0)))
        event = services.create_bazar(
            actor=lurah,
            name=name,
            starts_at=starts,
            ends_at=starts + timedelta(days=3, hours=14),  # this week, so the promotions show now
            place_name="Halaman Kantor Kelurahan",
            description="Bazar produk UMKM warga: jajanan, oleh-oleh khas Madiun dan kerajinan. "
            "Promo berlaku di lapak dan di pasar online selama bazar.",
            grid_columns=6,
            grid_rows=3,
            lat=tenant.lat,
            lng=tenant.lng,
        )
    pecel = Shop.objects.filter(owner=sri, is_active=True).order_by("pk").first()
    if pecel is not None and not Stall.objects.filter(event=event, shop=pecel).exists():
        stall = services.add_stall(event, pecel, actor=lurah, number=1, column=1, row=1)
        promoted = list(
            Product.objects.filter(shop=pecel, is_active=True).order_by("pk").values_list("pk", flat=True)[:2]
        )
        if promoted:
            services.set_promotion(stall, actor=sri, discount=Discount.PERCENT, value=10, products=promoted)
    others = Shop.objects.filter(is_active=True).exclude(owner=sri).exclude(name__icontains="hub").order_by("pk")[:2]
    for shop in others:
        if not Stall.objects.filter(event=event, shop=shop).exists():
            services.add_stall(event, shop, actor=shop.owner)
    _draft(tenant, lurah, pecel)


def _draft(tenant: Tenant, lurah: User, shop: Shop | None) -> None:
    """A draft for a fortnight ahead (not announced, not in the agenda yet): the organiser's list
    shows it beside the running one, with one shop already placed, ready to announce."""
    name = f"Bazar Malam {tenant.name.replace('Kelurahan ', '')}"
    if BazarEvent.objects.filter(name=name).exists():
        return
    day = timezone.localdate() + timedelta(days=14)
    starts = timezone.make_aware(datetime.combine(day, time(16, 0)))
    event = services.create_bazar(
        actor=lurah,
        name=name,
        starts_at=starts,
        ends_at=starts + timedelta(hours=6),
        place_name="Lapangan Kelurahan",
        description="Bazar malam: kuliner dan kerajinan warga. Pendaftaran lapak dibuka.",
        grid_columns=5,
        grid_rows=2,
        publish=False,
    )
    if shop is not None:
        stall = services.add_stall(event, shop, actor=lurah, number=1, column=3, row=1)
        first = list(Product.objects.filter(shop=shop, is_active=True).order_by("pk").values_list("pk", flat=True)[:1])
        if first:  # a rupiah promotion beside the running bazar's percent one
            services.set_promotion(stall, actor=lurah, discount=Discount.FIXED, value=2_000, products=first)


def _voucher(sri: User, joko: User) -> None:
    group = ArisanGroup.objects.filter(name=ARISAN, organiser=sri).first()
    if group is None:
        group = community.create_group(
            organiser=sri,
            name=ARISAN,
            contribution=50_000,
            period="monthly",
            draw_method="agreed",
            start_date=timezone.localdate().replace(day=1),
        )
        member = community.add_member(group, joko, actor=sri)
        community.set_agreed_order(group, [member.pk, group.members.get(user=sri).pk], actor=sri)
    first = ArisanRound.objects.filter(group=group, number=1).select_related("winner__user").first()
    if first is None:
        return
    if first.status == ArisanRound.Status.OPEN:
        for m in group.members.select_related("user"):
            pay.top_up(pay.ensure_wallet(m.user), 50_000, reference="demo", idempotency_key=f"demo:bazar-arisan:{m.pk}")
            community.contribute_with_wallet(first, m, payer=m.user)
    try:
        voucher = services.pay_out_as_voucher(first, actor=sri)
    except DomainError as exc:  # paid out in cash before this seed existed
        logger.warning("bazar demo: no voucher for round 1: %s", exc.message)
        return
    yati_shop = Shop.objects.filter(is_active=True).exclude(owner=sri).exclude(owner=joko).order_by("pk").first()
    if yati_shop is not None and voucher.status == Voucher.Status.ACTIVE:
        try:
            services.redeem_voucher(voucher.code, yati_shop, 20_000, actor=yati_shop.owner, idempotency_key="demo:1")
        except DomainError as exc:
            logger.warning("bazar demo: voucher not redeemed: %s", exc.message)
        _checkout_with_voucher(joko, yati_shop, voucher)
    second = ArisanRound.objects.filter(group=group, number=2, status=ArisanRound.Status.OPEN).first()
    if second is not None:
        community.choose_payout(second, as_voucher=True, actor=second.winner.user)


def _checkout_with_voucher(joko: User, shop: Shop, voucher: Voucher) -> None:
    """Pak Joko buys the shop's cheapest product at the pasar's checkout, paid with the voucher."""
    variant = Variant.objects.filter(shop=shop, is_active=True, product__is_active=True).order_by("price", "pk").first()
    if variant is None:
        return
    try:
        market.place_and_pay(
            joko,
            [(variant.pk, 1)],
            idempotency_key="demo:bazar:voucher-checkout",
            payment_method="wallet",
            voucher=voucher.code,
        )
    except DomainError as exc:
        logger.warning("bazar demo: no order paid with the voucher: %s", exc.message)

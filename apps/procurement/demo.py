"""Demo procurement for a kelurahan (idempotent, by request title):

- "Konsumsi rapat RW (50 kotak nasi)", open for quotes, with a quote from `bu-sri` when she holds
  an issued izin usaha mikro of KBLI division 56 (apps.permits' demo issues "Pecel Madiun Bu
  Sri", 56102); otherwise the request alone, and the log says why;
- "Snack rapat koordinasi posyandu (80 kotak)", a past request taken through evaluation, award,
  order, delivery and acceptance, for the transparency page (needs the same permit); it is paid
  through bu-sri's invoice (apps.invoicing's demo), which records the payment here.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import DomainError
from apps.tenancy.models import Tenant

from . import selectors, services
from .models import PurchaseRequest

logger = logging.getLogger(__name__)

OPEN_TITLE = "Konsumsi rapat RW (50 kotak nasi)"
PAST_TITLE = "Snack rapat koordinasi posyandu (80 kotak)"


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    staff = User.objects.filter(username="admin").first()
    owner = User.objects.filter(username="bu-sri").first()
    if staff is None:
        return
    if not staff.groups.filter(name__in=[Role.ADMIN.value, Role.STAF_OPD.value, Role.LURAH.value]).exists():
        logger.warning("procurement demo (%s): user admin has no staff role; skipped", tenant.schema_name)
        return
    lat = tenant.lat if tenant.lat is not None else None
    lng = tenant.lng if tenant.lng is not None else None
    try:
        with transaction.atomic():
            _open_request(tenant, staff, owner, lat, lng)
        with transaction.atomic():
            _past_request(tenant, staff, owner, lat, lng)
    except selectors.PermitsUnavailable as exc:
        logger.warning("procurement demo (%s): %s", tenant.schema_name, exc.message)


def _eligible(owner: User | None, purchase: PurchaseRequest) -> bool:
    return owner is not None and selectors.eligibility(owner, purchase) is not None


def _open_request(tenant: Tenant, staff: User, owner: User | None, lat: object, lng: object) -> None:
    purchase = PurchaseRequest.objects.filter(title=OPEN_TITLE).first()
    if purchase is None:
        now = timezone.now()
        deadline = timezone.localtime(now + timedelta(days=5), services.JAKARTA).replace(
            hour=12, minute=0, second=0, microsecond=0
        )
        purchase = services.create_request(
            actor=staff,
            title=OPEN_TITLE,
            description="Rapat warga RW 01 membahas kerja bakti dan posyandu. Nasi kotak lengkap dengan air mineral.",
            unit_name=f"RW 01 {tenant.name}",
            items=[
                {
                    "description": "Nasi kotak (nasi, ayam goreng, sayur, sambal, kerupuk)",
                    "quantity": 50,
                    "unit": "kotak",
                    "kbli_code": "56",
                },
                {"description": "Air mineral gelas 240 ml", "quantity": 50, "unit": "gelas", "kbli_code": "56"},
            ],
            budget_ceiling=1_500_000,
            quote_deadline=deadline,
            delivery_address=f"Balai RW 01, {tenant.name}",
            delivery_lat=lat,
            delivery_lng=lng,
            delivery_date=services.local_date(deadline + timedelta(days=2)),
            publish=True,
        )
    if owner is None or purchase.quotes.filter(supplier=owner).exists() or purchase.deadline_passed():
        return
    if not _eligible(owner, purchase):
        logger.warning(
            "procurement demo (%s): bu-sri holds no issued izin usaha mikro of KBLI 56; "
            "the request '%s' was created without her quote",
            tenant.schema_name,
            OPEN_TITLE,
        )
        return
    items = list(purchase.items.order_by("position"))
    services.submit_quote(
        purchase,
        owner,
        prices={items[0].pk: 23_000, items[1].pk: 1_000},
        delivery_date=purchase.delivery_date,
        notes="Nasi pecel bisa sebagai pengganti ayam goreng bila diminta.",
    )


def _past_request(tenant: Tenant, staff: User, owner: User | None, lat: object, lng: object) -> None:
    if PurchaseRequest.objects.filter(title=PAST_TITLE).exists():
        return
    start = timezone.now() - timedelta(days=30)
    deadline = start + timedelta(days=3)
    with transaction.atomic():
        purchase = services.create_request(
            actor=staff,
            title=PAST_TITLE,
            description="Kudapan untuk rapat koordinasi kader posyandu se-kelurahan.",
            unit_name=tenant.name,
            items=[
                {
                    "description": "Snack box (2 kue basah, 1 gorengan, air mineral)",
                    "quantity": 80,
                    "unit": "kotak",
                    "kbli_code": "56",
                }
            ],
            budget_ceiling=1_200_000,
            quote_deadline=deadline,
            delivery_address=f"Kantor {tenant.name}",
            delivery_lat=lat,
            delivery_lng=lng,
            delivery_date=services.local_date(deadline + timedelta(days=2)),
            publish=True,
            now=start,
        )
        if not _eligible(owner, purchase):
            logger.warning(
                "procurement demo (%s): no eligible UMKM (bu-sri lacks an issued KBLI 56 permit); "
                "the past request for the transparency page was not created",
                tenant.schema_name,
            )
            transaction.set_rollback(True)
            return
        assert owner is not None
        item = purchase.items.get()
        try:
            quote = services.submit_quote(
                purchase,
                owner,
                prices={item.pk: 12_500},
                delivery_date=purchase.delivery_date,
                now=start + timedelta(days=1),
            )
            at = deadline + timedelta(hours=2)
            services.evaluate(
                purchase,
                staff,
                scores={quote.pk: {"price": 100, "delivery": 90, "quality": 85}},
                rationale="Satu-satunya penawaran, di bawah pagu, UMKM setempat dengan izin usaha terbit dan "
                "pengalaman menyediakan konsumsi rapat.",
                now=at,
            )
            services.award(
                purchase,
                staff,
                quote=quote,
                summary="Penawaran tunggal di bawah pagu; harga wajar dan pengiriman tepat waktu.",
                now=at,
            )
            services.issue_order(purchase, staff, now=at + timedelta(hours=1))
            services.mark_delivered(
                purchase, owner, delivered_on=purchase.delivery_date, now=deadline + timedelta(days=2)
            )
            # Not paid by hand: its invoice (apps.invoicing, issued on acceptance) bills the office,
            # and paying that invoice records the payment here.
            services.accept_delivery(purchase, staff, now=deadline + timedelta(days=2, hours=2))
        except DomainError as exc:
            logger.warning("procurement demo (%s): past request not completed: %s", tenant.schema_name, exc.message)
            transaction.set_rollback(True)

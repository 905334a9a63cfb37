"""The happy path through every step, with the event log and the notifications of each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.notifications.models import Message
from apps.procurement import services
from apps.procurement.models import (
    AcceptanceLine,
    Award,
    ProcurementEvent,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteRevision,
)
from apps.tenancy.models import Tenant

from .conftest import RATIONALE, People, closed_request, new_request, prices, quote

pytestmark = pytest.mark.django_db


def _inbox(user: object, event: str) -> list[Message]:
    return list(Message.objects.filter(recipient=user, event=event, channel="in_app"))


def test_full_lifecycle_is_audited_and_notified(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        start = timezone.now() - timedelta(days=3)
        purchase = new_request(people, now=start, deadline=timezone.now() - timedelta(minutes=5), publish=False)
        assert purchase.status == "draft" and purchase.published_at is None
        assert purchase.unit_name == tenant_a.name  # defaults to the kelurahan
        services.publish(purchase, people.petugas, now=start + timedelta(minutes=1))
        purchase.refresh_from_db()
        assert purchase.status == "open"
        # Only eligible UMKM hear about it: 56xxx issued permits, not the revoked one, not division 10.
        invited = {m.recipient_id for m in Message.objects.filter(event="procurement.published")}
        assert invited == {people.umkm.pk, people.umkm_b.pk}

        first = quote(purchase, people.umkm, 26_000, 3_000, now=start + timedelta(hours=1))
        assert first.total == 50 * 26_000 + 50 * 3_000 and first.revision == 1
        assert first.business_name == "Warung Nasi Bu Sri" and first.permit_number.startswith("503/0001")
        revised = quote(purchase, people.umkm, 25_000, 3_000, now=start + timedelta(hours=2))
        assert revised.pk == first.pk and revised.revision == 2 and revised.total == 1_400_000
        assert list(QuoteRevision.objects.filter(quote=first).values_list("number", "total")) == [
            (1, 1_450_000),
            (2, 1_400_000),
        ]
        other = quote(purchase, people.umkm_b, 24_000, 2_500, now=start + timedelta(hours=3))
        # Staff hear about each new quote and revision (no price in the message).
        quote_news = _inbox(people.staf, "procurement.quote")
        assert len(quote_news) == 3
        assert all("Rp" not in m.body for m in quote_news)

        evaluation = services.evaluate(
            purchase,
            people.petugas,
            scores={
                first.pk: {"price": 95, "delivery": 90, "quality": 90},
                other.pk: {"price": 100, "delivery": 90, "quality": 95},
            },
            rationale=RATIONALE,
        )
        assert {s.quote_id: s.total for s in evaluation.scores.all()} == {
            first.pk: Decimal("92.50"),
            other.pk: Decimal("96.25"),
        }
        won = services.award(purchase, people.lurah, quote=other, summary="Harga termurah dan mutu baik.")
        assert won.amount == other.total == 1_325_000 and won.quote_count == 2
        assert _inbox(people.umkm_b, "procurement.won") and _inbox(people.umkm, "procurement.lost")
        assert not _inbox(people.umkm, "procurement.won")

        order = services.issue_order(purchase, people.petugas)
        assert order.amount == 1_325_000 and order.number.startswith("027/SP.")
        services.mark_delivered(purchase, people.umkm_b, note="Dikirim jam 10 pagi")
        items = list(purchase.items.order_by("position"))
        accepted = services.accept_delivery(
            purchase, people.staf, accepted={items[0].pk: "48", items[1].pk: "50"}, reason="2 kotak basi"
        )
        assert accepted.partially_accepted and accepted.accepted_amount == 48 * 24_000 + 50 * 2_500
        assert AcceptanceLine.objects.filter(order=order).count() == 2
        paid = services.record_payment(purchase, people.petugas, reference="SP2D-123/2026")
        assert paid.payment_status == "paid" and paid.paid_amount == accepted.accepted_amount
        assert paid.paid_on == services.local_date(timezone.now())
        purchase.refresh_from_db()
        assert purchase.status == "paid"

        log = list(ProcurementEvent.objects.filter(request=purchase).order_by("created_at", "pk"))
        assert [e.action for e in log] == [
            "create",
            "publish",
            "quote",
            "revise",
            "quote",
            "evaluate",
            "award",
            "order",
            "deliver",
            "accept",
            "pay",
        ]
        by_action = {e.action: e for e in log}
        assert by_action["publish"].actor == people.petugas and by_action["publish"].actor_role == "admin_kelurahan"
        assert by_action["award"].actor == people.lurah and by_action["award"].actor_role == "lurah"
        assert by_action["revise"].actor_role == "pemilik_umkm" and by_action["revise"].data["revision"] == 2
        assert "total" not in by_action["quote"].data  # sealed: no amounts in the log
        assert by_action["evaluate"].reason == RATIONALE
        assert by_action["accept"].reason == "2 kotak basi" and by_action["accept"].data["partial"] is True
        assert by_action["pay"].data["reference"] == "SP2D-123/2026"
        assert by_action["pay"].from_status == "accepted" and by_action["pay"].to_status == "paid"
        assert _inbox(people.umkm_b, "procurement.paid")


def test_revisions_until_the_deadline_are_all_kept(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        start = timezone.now()
        purchase = new_request(people, now=start, deadline=start + timedelta(hours=1))
        for n, price in enumerate((27_000, 26_000, 25_500), start=1):
            q = quote(purchase, people.umkm, price, 3_000, now=start + timedelta(minutes=10 * n))
        assert q.revision == 3 and Quote.objects.filter(request=purchase).count() == 1
        assert list(q.revisions.values_list("number", flat=True)) == [1, 2, 3]
        assert q.revisions.get(number=1).lines[0]["unit_price"] == 27_000
        assert q.lines.get(item__position=1).unit_price == 25_500


def test_cancel_with_reason_tells_the_quoters(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
        services.cancel(purchase, people.staf, reason="Rapat ditunda bulan depan")
        purchase.refresh_from_db()
        assert purchase.status == "cancelled" and purchase.status_reason == "Rapat ditunda bulan depan"
        assert Message.objects.filter(event="procurement.cancelled", recipient=people.umkm).exists()
        assert Message.objects.filter(event="procurement.cancelled", recipient=people.umkm_b).exists()


def test_draft_can_be_cancelled_and_a_new_request_published_directly(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        draft = new_request(people, publish=False)
        services.cancel(draft, people.lurah, reason="Salah input")
        published = new_request(people)
        assert published.status == "open" and published.published_at is not None
        assert PurchaseRequest.objects.filter(status="cancelled").count() == 1
        assert not Award.objects.exists() and not PurchaseOrder.objects.exists()


def test_prices_for_fractional_quantities_round_half_up(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(
            people,
            items=[{"description": "Cabai rawit", "quantity": "2,5", "unit": "kg", "kbli_code": "56"}],
        )
        q = services.submit_quote(
            purchase, people.umkm, prices=prices(purchase, 12_001), delivery_date=purchase.delivery_date
        )
        assert q.total == 30_003

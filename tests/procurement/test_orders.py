"""Purchase orders: numbering, PDF, delivery, acceptance (partial with reason), payment."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, ValidationFailed
from apps.core.models import DocumentCounter
from apps.procurement import pdf, services
from apps.procurement.models import AcceptanceLine, PurchaseOrder, PurchaseRequest
from apps.tenancy.models import Tenant

from .conftest import People, advance, awarded, event_count, logged_in

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


def test_order_numbers_are_sequential_per_year_with_the_region_code(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        first = services.issue_order(awarded(people), people.petugas)
        second = services.issue_order(awarded(people), people.staf)
        year = services.local_date(timezone.now()).year
        assert first.number == f"027/SP.0001/{tenant_a.region_id}/{year}"
        assert second.number == f"027/SP.0002/{tenant_a.region_id}/{year}"
        assert re.fullmatch(r"027/SP\.\d{4,}/[\d.]+/\d{4}", first.number)
        # The sequence restarts with the calendar year in Asia/Jakarta: 31 Dec 17:00 UTC is already 1 Jan WIB.
        new_year = datetime(year, 12, 31, 17, 30, tzinfo=ZoneInfo("UTC"))
        third = services.issue_order(awarded(people), people.lurah, now=new_year)
        assert third.number == f"027/SP.0001/{tenant_a.region_id}/{year + 1}" and third.year == year + 1
        assert DocumentCounter.objects.get(kind="purchase_order", year=year).last_value == 2


def test_order_pdf_for_staff_and_winner_only(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "ordered")
        order = PurchaseOrder.objects.get(request=purchase)
        body = pdf.render_order(order, tenant_a)
    assert body.startswith(b"%PDF") and order.number.encode() in body and b"Katering Pak Budi" in body
    for user, code in ((people.petugas, 200), (people.umkm_b, 200), (people.umkm, 403), (people.warga, 403)):
        client = logged_in(tenant_a, user)
        page = client.get(f"/pengadaan/{purchase.pk}/surat-pesanan.pdf")
        api = client.get(f"/api/v1/procurement/requests/{purchase.pk}/order-pdf/")
        assert page.status_code == code and api.status_code == code, user
        if code == 200:
            assert page["Content-Type"] == "application/pdf" and page.content.startswith(b"%PDF")
            assert "surat-pesanan-027-SP-0001" in page["Content-Disposition"]


def test_no_pdf_before_the_order(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = awarded(people)
    client = logged_in(tenant_a, people.petugas)
    assert client.get(f"/pengadaan/{purchase.pk}/surat-pesanan.pdf").status_code == 404
    assert client.get(f"/api/v1/procurement/requests/{purchase.pk}/order-pdf/").status_code == 404


def test_delivery_date_between_order_and_today(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "ordered")
        # Jakarta's date, as the service judges it: between 17:00 and 24:00 UTC the UTC date of
        # "tomorrow" is still Jakarta's today.
        today = timezone.localdate()
        for day in (today + timedelta(days=1), today - timedelta(days=30)):
            with pytest.raises(ValidationFailed) as caught:
                services.mark_delivered(purchase, people.umkm_b, delivered_on=day.isoformat())
            assert caught.value.code == "invalid_date"
        assert PurchaseRequest.objects.get(pk=purchase.pk).status == "ordered"


def test_partial_acceptance_needs_a_reason_and_lowers_the_amount(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "delivered")
        first, second = list(purchase.items.order_by("position"))
        events = event_count(purchase)
        with pytest.raises(ValidationFailed) as caught:
            services.accept_delivery(purchase, people.staf, accepted={first.pk: "45"})
        assert caught.value.code == "reason_required"
        assert not AcceptanceLine.objects.exists() and event_count(purchase) == events
        order = services.accept_delivery(purchase, people.staf, accepted={first.pk: "45"}, reason="5 kotak tumpah")
        assert order.partially_accepted and order.acceptance_reason == "5 kotak tumpah"
        assert order.accepted_amount == 45 * 24_000 + 50 * 2_500  # the second item in full
        assert AcceptanceLine.objects.get(item=second).accepted_quantity == 50


@pytest.mark.parametrize(
    ("accepted", "code"),
    [
        ({"first": "51"}, "invalid_quantity"),
        ({"first": "-1"}, "invalid_quantity"),
        ({"first": "sebagian"}, "invalid_quantity"),
        ({"first": "0", "second": "0"}, "nothing_accepted"),
        ({"unknown": "1"}, "unknown_item"),
    ],
)
def test_bad_acceptance_is_422(tenant_a: Tenant, people: People, accepted: dict[str, str], code: str) -> None:
    with tenant_a:
        purchase = advance(people, "delivered")
        first, second = list(purchase.items.order_by("position"))
        ids = {"first": first.pk, "second": second.pk, "unknown": 99_999}
        with pytest.raises(ValidationFailed) as caught:
            services.accept_delivery(
                purchase, people.staf, accepted={ids[k]: v for k, v in accepted.items()}, reason="cek"
            )
        assert caught.value.code == code
        assert PurchaseOrder.objects.get(request=purchase).accepted_amount is None


def test_payment_needs_a_reference_and_a_sensible_date(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "accepted")
        with pytest.raises(ValidationFailed) as caught:
            services.record_payment(purchase, people.petugas, reference="  ")
        assert caught.value.code == "required"
        tomorrow = services.local_date(timezone.now()) + timedelta(days=1)
        with pytest.raises(ValidationFailed):
            services.record_payment(purchase, people.petugas, reference="SP2D-1", paid_on=tomorrow.isoformat())
        order = PurchaseOrder.objects.get(request=purchase)
        assert order.payment_status == "unpaid" and order.paid_on is None
        services.record_payment(purchase, people.petugas, reference="SP2D-1")
        with pytest.raises(Conflict):
            services.record_payment(purchase, people.petugas, reference="SP2D-2")
        order.refresh_from_db()
        assert order.payment_reference == "SP2D-1" and order.paid_amount == order.accepted_amount


def test_api_steps_after_award(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = awarded(people)
        first, _second = list(purchase.items.order_by("position"))
    staff, winner = logged_in(tenant_a, people.petugas), logged_in(tenant_a, people.umkm_b)
    url = f"/api/v1/procurement/requests/{purchase.pk}"
    too_early = staff.post(f"{url}/pay/", {"reference": "X"}, content_type="application/json")
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "wrong_status"
    ordered = staff.post(f"{url}/order/")
    assert ordered.status_code == 200 and ordered.json()["order"]["number"].startswith("027/SP.")
    assert winner.get(f"{url}/").json()["order"]["number"] == ordered.json()["order"]["number"]
    assert logged_in(tenant_a, people.umkm).get(f"{url}/").json()["order"] is None
    assert winner.post(f"{url}/deliver/", {"note": "Sudah"}, content_type="application/json").status_code == 200
    partial = staff.post(
        f"{url}/accept/", {"lines": [{"item": first.pk, "accepted_quantity": "40"}]}, content_type="application/json"
    )
    assert partial.status_code == 422 and partial.json()["error"]["code"] == "reason_required"
    accepted = staff.post(
        f"{url}/accept/",
        {"lines": [{"item": first.pk, "accepted_quantity": "40"}], "reason": "10 kotak kurang"},
        content_type="application/json",
    )
    assert accepted.status_code == 200 and accepted.json()["order"]["partially_accepted"] is True
    no_ref = staff.post(f"{url}/pay/", {"reference": ""}, content_type="application/json")
    assert no_ref.status_code == 422
    paid = staff.post(f"{url}/pay/", {"reference": "TRF-889"}, content_type="application/json")
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.json()["order"]["payment_status"] == "paid" and paid.json()["order"]["payment_reference"] == "TRF-889"

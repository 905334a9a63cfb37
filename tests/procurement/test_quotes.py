"""Deadline and budget rules, and bad input on requests and quotes: refused, nothing written."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.core.errors import Conflict, ValidationFailed
from apps.procurement import services
from apps.procurement.models import ProcurementEvent, PurchaseRequest, Quote, QuoteRevision, RequestItem
from apps.tenancy.models import Tenant

from .conftest import People, event_count, items, new_request, prices, quote

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


def _nothing_written() -> None:
    assert not PurchaseRequest.objects.exists()
    assert not RequestItem.objects.exists()
    assert not ProcurementEvent.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"items": items(quantity="0")}, "invalid_quantity"),
        ({"items": items(quantity="-3")}, "invalid_quantity"),
        ({"items": items(quantity="abc")}, "invalid_quantity"),
        ({"items": items(quantity="1.234")}, "invalid_quantity"),
        ({"items": items(description="  ")}, "required"),
        ({"items": items(unit="")}, "required"),
        ({"items": items(kbli_code="04")}, "invalid_kbli"),
        ({"items": items(kbli_code="5610x")}, "invalid_kbli"),
        ({"items": []}, "no_items"),
        ({"items": "nasi"}, "no_items"),
        ({"budget_ceiling": 0}, "invalid_amount"),
        ({"budget_ceiling": -1_000}, "invalid_amount"),
        ({"budget_ceiling": "1.500.000,50"}, "invalid_amount"),
        ({"budget_ceiling": "1.500,50"}, "invalid_amount"),
        ({"budget_ceiling": "150.00"}, "invalid_amount"),
        ({"budget_ceiling": 10.5}, "invalid_amount"),
        ({"title": ""}, "required"),
        ({"delivery_address": ""}, "required"),
        ({"delivery_lat": "-7.6", "delivery_lng": ""}, "invalid_location"),
        ({"delivery_lat": "48.85", "delivery_lng": "2.35"}, "invalid_location"),
        ({"quote_deadline": "besok"}, "invalid_datetime"),
        ({"delivery_date": "2020-13-01"}, "invalid_date"),
    ],
)
def test_bad_request_input_is_422_and_writes_nothing(
    tenant_a: Tenant, people: People, overrides: dict[str, Any], code: str
) -> None:
    with tenant_a:
        with pytest.raises(ValidationFailed) as caught:
            new_request(people, **overrides)
        assert caught.value.code == code and caught.value.status_code == 422
        _nothing_written()


def test_deadline_must_be_future_and_delivery_after_it(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        now = timezone.now()
        with pytest.raises(ValidationFailed) as caught:
            new_request(people, now=now, deadline=now - timedelta(minutes=1))
        assert caught.value.code == "deadline_past"
        with pytest.raises(ValidationFailed) as caught:
            new_request(people, now=now, delivery_date=(now - timedelta(days=1)).date())
        assert caught.value.code == "delivery_before_deadline"
        _nothing_written()


def test_budget_as_thousands_text_and_naive_deadline_read_as_jakarta(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        tomorrow = timezone.localtime(timezone.now(), JAKARTA).date() + timedelta(days=1)
        purchase = new_request(
            people,
            budget_ceiling="Rp1.500.000",
            quote_deadline=f"{tomorrow.isoformat()}T12:00",
            delivery_date=(tomorrow + timedelta(days=1)).isoformat(),
        )
        assert purchase.budget_ceiling == 1_500_000
        assert timezone.localtime(purchase.quote_deadline, JAKARTA) == datetime(
            tomorrow.year, tomorrow.month, tomorrow.day, 12, 0, tzinfo=JAKARTA
        )
        assert purchase.quote_deadline.utcoffset() is not None


def test_late_quote_is_refused_with_server_time(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        start = timezone.now() - timedelta(days=1)
        purchase = new_request(people, now=start, deadline=timezone.now() - timedelta(seconds=1))
        with pytest.raises(Conflict) as caught:
            quote(purchase, people.umkm)  # no `now`: the server's clock decides
        assert caught.value.code == "deadline_passed" and "WIB" in str(caught.value.message)
        exactly = new_request(people, now=start, deadline=start + timedelta(hours=1))
        with pytest.raises(Conflict):
            quote(exactly, people.umkm, now=start + timedelta(hours=1))  # at the deadline is too late
        assert not Quote.objects.exists() and not QuoteRevision.objects.exists()


def test_revision_after_the_deadline_keeps_the_last_quote(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        start = timezone.now()
        purchase = new_request(people, now=start, deadline=start + timedelta(hours=1))
        quote(purchase, people.umkm, 25_000, 3_000, now=start + timedelta(minutes=59))
        with pytest.raises(Conflict):
            quote(purchase, people.umkm, 20_000, 2_000, now=start + timedelta(hours=1, seconds=1))
        q = Quote.objects.get()
        assert q.total == 1_400_000 and q.revision == 1 and q.revisions.count() == 1


def test_quote_above_the_budget_ceiling_is_refused(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people, budget_ceiling=1_400_000)
        events = event_count(purchase)
        with pytest.raises(ValidationFailed) as caught:
            quote(purchase, people.umkm, 25_000, 3_001)  # 1_400_050
        assert caught.value.code == "over_budget" and "Rp1.400.000" in str(caught.value.message)
        assert quote(purchase, people.umkm, 25_000, 3_000).total == 1_400_000  # exactly the ceiling is fine
        assert event_count(purchase) == events + 1


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("zero", "invalid_amount"),
        ("negative", "invalid_amount"),
        ("cents", "invalid_amount"),
        ("text", "invalid_amount"),
        ("unknown", "unknown_item"),
        ("missing", "missing_price"),
        ("other_request", "unknown_item"),
    ],
)
def test_bad_prices_are_422_and_write_nothing(tenant_a: Tenant, people: People, given: str, code: str) -> None:
    with tenant_a:
        purchase = new_request(people)
        other = new_request(people, title="Lain")
        first, second = list(purchase.items.order_by("position").values_list("pk", flat=True))
        bad: dict[Any, Any] = {
            "zero": {first: 0, second: 3_000},
            "negative": {first: -25_000, second: 3_000},
            "cents": {first: "25000,50", second: 3_000},
            "text": {first: "dua puluh ribu", second: 3_000},
            "unknown": {first: 25_000, second: 3_000, 999_999: 1},
            "missing": {first: 25_000},
            "other_request": {first: 25_000, other.items.first().pk: 3_000},  # type: ignore[union-attr]
        }[given]
        events = event_count(purchase)
        with pytest.raises(ValidationFailed) as caught:
            services.submit_quote(purchase, people.umkm, prices=bad, delivery_date=purchase.delivery_date)
        assert caught.value.code == code
        assert not Quote.objects.exists() and event_count(purchase) == events


def test_delivery_date_in_the_past_is_refused(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        with pytest.raises(ValidationFailed) as caught:
            services.submit_quote(
                purchase, people.umkm, prices=prices(purchase), delivery_date=timezone.now() - timedelta(days=2)
            )
        assert caught.value.code == "delivery_in_past"
        assert not Quote.objects.exists()


def test_quotes_on_drafts_or_cancelled_requests_are_409(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        draft = new_request(people, publish=False)
        with pytest.raises(Conflict) as caught:
            quote(draft, people.umkm)
        assert caught.value.code == "wrong_status"
        services.cancel(draft, people.staf, reason="Tidak jadi")
        with pytest.raises(Conflict):
            quote(draft, people.umkm)
        assert not Quote.objects.exists()


def test_publishing_a_draft_after_its_deadline_is_409(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        start = timezone.now() - timedelta(days=2)
        draft = new_request(people, now=start, deadline=start + timedelta(days=1), publish=False)
        with pytest.raises(Conflict) as caught:
            services.publish(draft, people.staf)
        assert caught.value.code == "deadline_passed"
        draft.refresh_from_db()
        assert draft.status == "draft" and draft.published_at is None

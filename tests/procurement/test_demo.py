"""demo.seed: the open request with bu-sri's quote, and an awarded past request; idempotent."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.demo import seed as core_demo
from apps.permits import demo as permits_demo
from apps.procurement import demo
from apps.procurement.models import Award, PurchaseOrder, PurchaseRequest, Quote
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

from .conftest import issue_permit

pytestmark = pytest.mark.django_db


def _bu_sri() -> object:
    return create_user(
        username="bu-sri", full_name="Sri Rahayu (Pecel Madiun Bu Sri)", roles=[Role.PEMILIK_UMKM], password=PASSWORD
    )


def test_seed_with_an_issued_permit_is_complete_and_idempotent(tenant_a: Tenant) -> None:
    with tenant_a:
        owner = _bu_sri()
        issue_permit(owner, kbli="56102", business_name="Pecel Madiun Bu Sri")  # type: ignore[arg-type]
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        open_request = PurchaseRequest.objects.get(title=demo.OPEN_TITLE)
        assert open_request.status == "open" and not open_request.deadline_passed()
        assert Quote.objects.get(request=open_request).business_name == "Pecel Madiun Bu Sri"
        past = PurchaseRequest.objects.get(title=demo.PAST_TITLE)
        assert past.status == "accepted"  # paid through its invoice (apps.invoicing), not by hand
        award = Award.objects.get(request=past)
        assert award.quote.supplier == owner and award.quote_count == 1
        assert PurchaseOrder.objects.get(request=past).payment_status == PurchaseOrder.Payment.UNPAID
        assert PurchaseRequest.objects.count() == 2 and Quote.objects.count() == 2


def test_seed_without_a_permit_creates_the_request_only_and_says_so(
    tenant_a: Tenant, caplog: pytest.LogCaptureFixture
) -> None:
    with tenant_a, caplog.at_level(logging.WARNING, logger="apps.procurement.demo"):
        _bu_sri()
        demo.seed(tenant_a)
        assert PurchaseRequest.objects.filter(title=demo.OPEN_TITLE).exists()
        assert not Quote.objects.exists()
        assert not PurchaseRequest.objects.filter(title=demo.PAST_TITLE).exists()
    assert "without her quote" in caplog.text and "not created" in caplog.text


def test_seed_skips_kota_tenants(tenants: object) -> None:
    kota = tenants.kota  # type: ignore[attr-defined]
    with kota:
        demo.seed(kota)
        assert not PurchaseRequest.objects.exists()


def test_seed_after_the_real_permits_demo(tenant_a: Tenant, settings: Any, tmp_path: Path) -> None:
    """With the core demo people and apps.permits' demo (bu-sri's issued 56102 permit) first,
    as `manage.py seed_demo` runs them."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        permits_demo.seed(tenant_a)
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        quote = Quote.objects.get(request__title=demo.OPEN_TITLE)
        assert quote.supplier.username == "bu-sri" and quote.business_name == "Pecel Madiun Bu Sri"
        assert quote.total == 50 * 23_000 + 50 * 1_000
        past = PurchaseRequest.objects.get(title=demo.PAST_TITLE)
        assert past.status == "accepted" and past.award.quote.business_name == "Pecel Madiun Bu Sri"
        assert PurchaseRequest.objects.count() == 2

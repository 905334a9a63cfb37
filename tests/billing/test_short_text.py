"""An operator's payment reference and void/revise reason are refused when too long, never cut,
and the invoice does not change."""

from __future__ import annotations

import pytest

from apps.billing import services
from apps.billing.models import Invoice
from apps.core.errors import ValidationFailed
from apps.tenancy.models import Tenant

from .conftest import OCTOBER, TODAY

pytestmark = pytest.mark.django_db


def test_a_too_long_payment_reference_is_refused_and_nothing_is_paid(october_a: Tenant) -> None:
    invoice = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert invoice is not None
    with pytest.raises(ValidationFailed) as refused:
        services.mark_paid(invoice, reference="TRF-" + "9" * 117)
    assert refused.value.code == "too_long" and refused.value.details["field"] == "reference"
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice.payment_reference == ""
    paid = services.mark_paid(invoice, reference="TRF-" + "9" * 116)  # 120: the column, whole
    assert paid.payment_reference == "TRF-" + "9" * 116


def test_void_and_revise_refuse_a_reason_that_would_not_fit(october_a: Tenant) -> None:
    invoice = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert invoice is not None
    with pytest.raises(ValidationFailed) as refused:
        services.void_invoice(invoice, reason="r" * 256)
    assert refused.value.code == "too_long"
    # A revision stores "Direvisi: <reason>": the reason gets what is left of the 255.
    with pytest.raises(ValidationFailed):
        services.revise_invoice(invoice, reason="r" * 250)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED and invoice.void_reason == ""
    assert Invoice.objects.filter(tenant=october_a).count() == 1
    revised = services.revise_invoice(invoice, reason="r" * 245)
    invoice.refresh_from_db()
    assert invoice.void_reason.endswith("r" * 245) and len(invoice.void_reason) <= 255 and revised.revision == 2

"""The invoice embeds its fonts and prints a kelurahan's name in any script."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.billing import pdf, services
from apps.billing.models import Invoice
from apps.tenancy.models import Tenant
from tests.pdf_fonts import MIXED_NAME, assert_prints

from .conftest import OCTOBER, TODAY

pytestmark = pytest.mark.django_db


def test_the_invoice_prints_javanese_and_diacritics(october_a: Tenant) -> None:
    connection.set_schema_to_public()
    made = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert made is not None
    invoice = Invoice.objects.get(pk=made.pk)
    invoice.tenant_name = f"Kelurahan {MIXED_NAME}"
    invoice.lines.update(description="Langganan ꦏꦺꦴꦠꦏꦶꦠ Oktober")
    body = pdf.render_invoice(invoice)
    assert_prints(body, f"Kelurahan {MIXED_NAME}", "Langganan ꦏꦺꦴꦠꦏꦶꦠ Oktober", invoice.number)

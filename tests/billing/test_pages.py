"""Operator revenue pages: who may see them, where, and what they show."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import FRANCHISE_OPERATOR
from apps.accounts.services import create_user
from apps.billing import services
from apps.billing.models import Invoice
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for

from .conftest import OCTOBER, TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(october_a: Tenant) -> Invoice:
    connection.set_schema_to_public()
    made = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert made is not None
    return made


def test_tenant_host_cannot_reach_billing(invoice: Invoice, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    with tenant_a:
        client.force_login(User.objects.get(username="admin"))
    for url in ("/operator/tagihan/", f"/operator/tagihan/{invoice.pk}/", "/operator/tagihan/ekspor.csv"):
        assert client.get(url).status_code == 404
    assert client.post(f"/operator/tagihan/{invoice.pk}/lunas/").status_code == 404
    connection.set_schema_to_public()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_anonymous_is_sent_to_login(platform_client: Client, invoice: Invoice) -> None:
    response = platform_client.get("/operator/tagihan/")
    assert response.status_code == 302 and "/akun/" in response["Location"]
    assert platform_client.get(f"/operator/tagihan/{invoice.pk}/pdf/").status_code == 302


def test_platform_user_without_the_operator_role_is_refused(platform_client: Client, invoice: Invoice) -> None:
    connection.set_schema_to_public()
    user = create_user(username="tamu", email="tamu@kotakita.id", password=PASSWORD)
    platform_client.force_login(user)
    assert platform_client.get("/operator/tagihan/").status_code == 403
    assert platform_client.post(f"/operator/tagihan/{invoice.pk}/lunas/").status_code == 403
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.ISSUED


def test_franchise_operator_sees_revenue_and_outstanding(platform_client: Client, invoice: Invoice) -> None:
    connection.set_schema_to_public()
    user = create_user(username="franchise", email="franchise@kotakita.id", password=PASSWORD)
    user.groups.add(Group.objects.get(name=FRANCHISE_OPERATOR))
    platform_client.force_login(user)
    response = platform_client.get("/operator/tagihan/?tahun=2026")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Pendapatan operator" in body
    assert invoice.number in body
    assert "Rp315.014" in body  # total invoiced, outstanding, per tenant and per month
    assert "Pilot kelurahan" in body


def test_invoice_page_pdf_and_csv(operator_client: Client, invoice: Invoice) -> None:
    page = operator_client.get(f"/operator/tagihan/{invoice.pk}/")
    assert page.status_code == 200 and "Rp290.323" in page.content.decode()
    pdf = operator_client.get(f"/operator/tagihan/{invoice.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"315.014" in pdf.content
    export = operator_client.get("/operator/tagihan/ekspor.csv?tahun=2026")
    assert export.status_code == 200
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 1
    row = rows[0]
    assert (row["nomor"], row["langganan"], row["bagian_biaya"], row["total"]) == (
        invoice.number,
        "290323",
        "24691",
        "315014",
    )


def test_operator_pays_and_revises_from_the_page(operator_client: Client, invoice: Invoice) -> None:
    empty = operator_client.post(f"/operator/tagihan/{invoice.pk}/revisi/", {"reason": ""}, follow=True)
    assert "Alasan wajib diisi" in empty.content.decode()
    revised = operator_client.post(f"/operator/tagihan/{invoice.pk}/revisi/", {"reason": "Koreksi"})
    assert revised.status_code == 302
    new = Invoice.objects.get(replaces=invoice)
    assert revised["Location"].endswith(f"/operator/tagihan/{new.pk}/")
    paid = operator_client.post(f"/operator/tagihan/{new.pk}/lunas/", {"reference": "TRF-7"})
    assert paid.status_code == 302
    new.refresh_from_db()
    assert new.status == Invoice.Status.PAID and new.payment_reference == "TRF-7"
    again = operator_client.post(f"/operator/tagihan/{invoice.pk}/lunas/", follow=True)
    assert "batal tidak bisa dibayar" in again.content.decode()


def test_issue_form_reports_counts_and_refuses_running_month(operator_client: Client, october_a: Tenant) -> None:
    response = operator_client.post("/operator/tagihan/terbitkan/", {"period": "2999-01"}, follow=True)
    assert "belum selesai" in response.content.decode()
    assert not Invoice.objects.exists()
    response = operator_client.post("/operator/tagihan/terbitkan/", {"period": "2026-10"}, follow=True)
    assert "Tagihan baru:" in response.content.decode()
    assert Invoice.objects.filter(tenant=october_a, period=date(2026, 10, 1)).count() == 1
    assert operator_client.get("/operator/tagihan/terbitkan/").status_code == 405

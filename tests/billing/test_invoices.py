"""Issuing invoices from the metered facts: amounts, idempotency, revisions, payment, void."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from apps.billing import services, tasks
from apps.billing.models import Invoice, InvoiceLine, PlanTerms, TenantStatusEvent
from apps.core.errors import Conflict, ValidationFailed
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant
from apps.tenancy.services import reactivate_tenant, suspend_tenant

from .conftest import OCTOBER, TODAY, fact, history, local

pytestmark = pytest.mark.django_db

# 500.000 x 18/31 = 290.322,58 -> 290.323; 20% x 123.457 = 24.691,4 -> 24.691
SUBSCRIPTION = 290_323
SHARE = 24_691


def test_invoice_amounts_match_the_hand_computation(october_a: Tenant) -> None:
    result = services.issue_invoice(october_a, "2026-10", today=TODAY)
    invoice = result.invoice
    assert result.created and invoice is not None
    lines = {line.kind: line.amount for line in invoice.lines.all()}
    assert lines == {InvoiceLine.Kind.SUBSCRIPTION: SUBSCRIPTION, InvoiceLine.Kind.FEE_SHARE: SHARE}
    assert invoice.total == SUBSCRIPTION + SHARE == 315_014
    assert (invoice.active_days, invoice.days_in_period) == (18, 31)
    assert invoice.platform_fees == 123_457
    assert invoice.gmv == 1_234_570
    assert invoice.number == "KK/202610/3577031001"
    assert invoice.status == Invoice.Status.ISSUED
    assert invoice.due_date == date(2026, 11, 14)
    assert invoice.tenant_name == october_a.name and invoice.region_code == "35.77.03.1001"
    assert "18 dari 31 hari aktif" in invoice.lines.get(kind="subscription").description


def test_full_month_city_plan(tenants: object, terms: dict[str, PlanTerms]) -> None:
    kota = Tenant.objects.get(schema_name="kota_3577")
    kota.plan = "city_saas"
    kota.save(update_fields=["plan"])
    history(kota, (local(2026, 9, 1, 10, 0), Tenant.Status.ACTIVE))
    fact(kota, date(2026, 10, 5), Metric.PLATFORM_FEES, 12_345)
    invoice = services.issue_invoice(kota, OCTOBER, today=TODAY).invoice
    assert invoice is not None
    # 25.000.000 full month + 10% of 12.345 = 1.234,5 -> 1.235
    assert [line.amount for line in invoice.lines.all()] == [25_000_000, 1_235]
    assert invoice.total == 25_001_235


def test_issuing_twice_returns_the_same_invoice_even_when_facts_changed(october_a: Tenant) -> None:
    first = services.issue_invoice(october_a, "2026-10", today=TODAY).invoice
    fact(october_a, date(2026, 10, 15), Metric.PLATFORM_FEES, 50_000)  # late data
    again = services.issue_invoice(october_a, "2026-10-01", today=TODAY)
    assert not again.created and again.invoice is not None and first is not None
    assert again.invoice.pk == first.pk and again.invoice.total == first.total
    assert Invoice.objects.filter(tenant=october_a, period=OCTOBER).count() == 1
    assert InvoiceLine.objects.filter(invoice=first).count() == 2


def test_revision_voids_and_replaces_with_the_corrected_facts(october_a: Tenant) -> None:
    first = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert first is not None
    fact(october_a, date(2026, 10, 15), Metric.PLATFORM_FEES, 50_000)
    with pytest.raises(ValidationFailed):
        services.revise_invoice(first, reason="  ")
    second = services.revise_invoice(first, reason="Data biaya terlambat")
    first.refresh_from_db()
    assert first.status == Invoice.Status.VOID and "Data biaya terlambat" in first.void_reason
    assert second.replaces_id == first.pk and second.revision == 2
    assert second.number == "KK/202610/3577031001/R2"
    # 20% of 173.457 = 34.691,4 -> 34.691
    assert second.total == SUBSCRIPTION + 34_691
    # the live invoice is now the revision
    assert services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice == second


def test_only_one_live_invoice_per_tenant_and_month_in_the_database(october_a: Tenant) -> None:
    first = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert first is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            number="DUP",
            tenant=october_a,
            tenant_name="x",
            plan="kelurahan_pilot",
            period=OCTOBER,
            revision=2,
            monthly_fee=1,
            fee_share_bps=0,
            days_in_period=31,
            active_days=1,
            total=1,
            due_date=date(2026, 11, 14),
        )


def test_paid_and_void_transitions(october_a: Tenant) -> None:
    invoice = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert invoice is not None
    paid = services.mark_paid(invoice, reference="TRF-001")
    assert paid.status == Invoice.Status.PAID and paid.paid_at is not None
    assert services.mark_paid(invoice, reference="TRF-001").paid_at == paid.paid_at  # idempotent
    with pytest.raises(Conflict):
        services.mark_paid(invoice, reference="TRF-999")
    with pytest.raises(Conflict):
        services.void_invoice(invoice, reason="salah")
    with pytest.raises(Conflict):
        services.revise_invoice(invoice, reason="koreksi")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


def test_void_then_issue_again_gives_a_new_revision(october_a: Tenant) -> None:
    invoice = services.issue_invoice(october_a, OCTOBER, today=TODAY).invoice
    assert invoice is not None
    services.void_invoice(invoice, reason="Terbit karena salah paket")
    with pytest.raises(Conflict):
        services.mark_paid(invoice)
    again = services.issue_invoice(october_a, OCTOBER, today=TODAY)
    assert again.created and again.invoice is not None and again.invoice.revision == 2


def test_unfinished_month_and_bad_period_are_refused(october_a: Tenant) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.issue_invoice(october_a, "2026-11", today=TODAY)
    assert exc.value.status_code == 422 and "belum selesai" in str(exc.value.message)
    for bad in ("2026-13", "kemarin", "", "2026/10"):
        with pytest.raises(ValidationFailed):
            services.issue_invoice(october_a, bad, today=TODAY)
    assert not Invoice.objects.exists()


def test_tenant_not_active_in_the_month_gets_no_invoice(october_a: Tenant) -> None:
    result = services.issue_invoice(october_a, "2026-09", today=TODAY)
    assert result.invoice is None and not result.created and result.reason
    assert not Invoice.objects.exists()


def test_missing_terms_is_a_clear_error_and_writes_nothing(october_a: Tenant) -> None:
    PlanTerms.objects.all().delete()
    with pytest.raises(ValidationFailed) as exc:
        services.issue_invoice(october_a, OCTOBER, today=TODAY)
    assert "belum diatur" in str(exc.value.message)
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_terms_are_validated(terms: dict[str, PlanTerms]) -> None:
    for fee, bps in ((-1, 100), (100, 10_001), ("abc", 100)):
        with pytest.raises(ValidationFailed):
            services.set_plan_terms("kelurahan_pilot", monthly_fee=fee, fee_share_bps=bps)
    with pytest.raises(ValidationFailed):
        services.set_plan_terms("emas", monthly_fee=1, fee_share_bps=1)
    assert PlanTerms.objects.get(plan="kelurahan_pilot").monthly_fee == 500_000


def test_monthly_task_is_idempotent(tenants: object, october_a: Tenant) -> None:
    for tenant in Tenant.objects.exclude(pk=october_a.pk).exclude(tenant_type="public"):
        history(tenant, (local(2026, 11, 2, 8, 0), Tenant.Status.ACTIVE))  # joined in November
    counts = tasks.issue_invoices.delay("2026-10").get()
    assert counts["created"] == 1 and counts["failed"] == 0
    again = tasks.issue_invoices.delay("2026-10").get()
    assert again["created"] == 0 and again["existing"] == 1
    assert Invoice.objects.count() == 1


def test_status_history_follows_suspend_and_reactivate(tenant_a: Tenant, db: None) -> None:
    before = TenantStatusEvent.objects.filter(tenant=tenant_a).count()
    suspend_tenant(tenant_a, reason="Tunggakan")
    suspend_tenant(tenant_a, reason="Tunggakan lagi")  # no change of status: no new event
    reactivate_tenant(tenant_a)
    statuses = list(
        TenantStatusEvent.objects.filter(tenant=tenant_a).order_by("at", "id").values_list("status", flat=True)
    )
    assert len(statuses) == before + 2
    assert statuses[-2:] == [Tenant.Status.SUSPENDED, Tenant.Status.ACTIVE]

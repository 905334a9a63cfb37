"""The one audit-event table (apps.core.audit.Event, core_event): every app's event class is a
proxy of it, `record` writes one row."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects

from apps.core.audit import Event, SubjectEventMixin, actor_or_none, json_safe
from apps.fulfillment.models import DeliveryEvent
from apps.invoicing.models import InvoiceEvent
from apps.lending.models import LoanEvent
from apps.marketplace.models import OrderEvent
from apps.permits.models import PermitEvent
from apps.procurement.models import ProcurementEvent


@pytest.mark.parametrize("model", [OrderEvent, DeliveryEvent, ProcurementEvent, PermitEvent, LoanEvent, InvoiceEvent])
def test_every_event_class_is_a_view_of_the_one_table(model: type[Event]) -> None:
    assert issubclass(model, SubjectEventMixin) and model._meta.proxy and model._meta.concrete_model is Event
    actor = model._meta.get_field("actor")
    assert actor.null and actor.remote_field.on_delete.__name__ == "PROTECT"
    # one index serves every timeline: (subject_type, subject_id, created_at)
    assert [tuple(index.fields) for index in Event._meta.indexes] == [("subject_type", "subject_id", "created_at")]


def test_anonymous_and_unsaved_users_are_no_actor() -> None:
    from apps.accounts.models import User

    assert actor_or_none(None) is None
    assert actor_or_none(AnonymousUser()) is None
    assert actor_or_none(User(username="unsaved")) is None
    saved = User(username="saved", pk=7)
    assert actor_or_none(saved) is saved


def test_details_become_json() -> None:
    at = dt.datetime(2026, 12, 6, 5, 0, tzinfo=dt.UTC)
    key = uuid.UUID(int=1)
    assert json_safe({"rate": Decimal("1.50"), "day": dt.date(2026, 1, 2), "at": at, "id": key, "n": [Decimal(1)]}) == {
        "rate": "1.50",
        "day": "2026-01-02",
        "at": "2026-12-06 05:00:00+00:00",
        "id": str(key),
        "n": ["1"],
    }
    assert json_safe(None) == {}


@pytest.mark.django_db
def test_record_and_filter_keep_the_apps_keywords(tenant_a: Any) -> None:
    from apps.permits.models import Permit

    with tenant_a, transaction.atomic():
        one, two = Permit(pk=910001), Permit(pk=910002)
        event = PermitEvent.record(permit=one, action="return", reason="Foto buram", actor_role="petugas")
        PermitEvent.record(permit=two, action="submit")
        OrderEvent.record(order_id=910001, action="place", note="other subject type, same id")
        assert (event.subject_type, event.subject_id, event.note, event.permit_id) == (
            "permit",
            910001,
            "Foto buram",
            910001,
        )
        assert PermitEvent.objects.get(permit=one, reason="Foto buram") == event
        assert list(PermitEvent.objects.filter(permit__in=[one, two]).values_list("action", flat=True)) == [
            "return",
            "submit",
        ]
        assert [e.action for e in one.events.all()] == ["return"]  # not the order event with the same id
        assert event.get_action_display() == "Dikembalikan untuk dilengkapi" and event.reason == "Foto buram"


@pytest.mark.django_db
def test_events_prefetch_in_one_query(tenant_a: Any, django_assert_num_queries: Any) -> None:
    from apps.permits.models import Permit

    with tenant_a, transaction.atomic():
        permits = [Permit(pk=920001), Permit(pk=920002), Permit(pk=920003)]
        for permit in permits[:2]:
            PermitEvent.record(permit=permit, action="create")
            PermitEvent.record(permit=permit, action="submit")
        with django_assert_num_queries(1):
            prefetch_related_objects(permits, "events")
            assert [[e.action for e in p.events.all()] for p in permits] == [["create", "submit"]] * 2 + [[]]


@pytest.mark.django_db
def test_loan_timelines_and_a_bill_paid_once(tenant_a: Any) -> None:
    from apps.invoicing.models import Invoice
    from apps.lending.models import Application, Lender, Loan

    with tenant_a, transaction.atomic():
        lender, app, loan = Lender(pk=930001), Application(pk=930002), Loan(pk=930003)
        loan.application_id = app.pk
        LoanEvent.record(lender=lender, kind="lender_opened", message="dibuka")
        LoanEvent.record(lender=lender, application=app, kind="application_submitted", message="")
        LoanEvent.record(lender=lender, application=app, loan=loan, kind="loan_disbursed", message="")
        LoanEvent.record(lender=lender, loan=loan, kind="recovery", message="")
        assert [e.kind for e in LoanEvent.objects.filter(lender=lender)] == [
            "lender_opened",
            "application_submitted",
            "loan_disbursed",
            "recovery",
        ]
        assert [e.kind for e in LoanEvent.objects.filter(loan=loan)] == ["loan_disbursed", "recovery"]
        assert LoanEvent.objects.get(kind="loan_disbursed").application_id == app.pk

        invoice, bill = Invoice(pk=940001), mock.Mock(pk=940002)
        InvoiceEvent.record(invoice=invoice, action="request", amount=5000, payment_request=bill)
        InvoiceEvent.record(invoice=invoice, action="payment", amount=5000, payment_request=bill)
        assert InvoiceEvent.objects.filter(payment_request=bill, action__in=["payment", "late_payment"]).count() == 1
        assert [e.amount for e in invoice.events.all()] == [5000, 5000]
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceEvent.record(invoice=invoice, action="late_payment", payment_request=bill)

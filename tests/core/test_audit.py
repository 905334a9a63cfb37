"""The one audit-event table (apps.core.audit.Event, core_event): every app's event class is a
proxy of it, `record` writes one row."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

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

"""The shared audit-event base (apps.core.audit): the event tables inherit it, `record` writes one."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from apps.core.audit import AuditEvent, actor_or_none, json_safe
from apps.fulfillment.models import DeliveryEvent
from apps.lending.models import LoanEvent
from apps.marketplace.models import OrderEvent
from apps.permits.models import PermitEvent
from apps.procurement.models import ProcurementEvent


@pytest.mark.parametrize("model", [OrderEvent, DeliveryEvent, ProcurementEvent, PermitEvent, LoanEvent])
def test_every_event_table_has_the_shared_who_and_when(model: type[AuditEvent]) -> None:
    assert issubclass(model, AuditEvent)
    actor = model._meta.get_field("actor")
    assert actor.null and actor.remote_field.on_delete.__name__ == "PROTECT"
    assert model._meta.get_field("created_at").db_index


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

"""Hub delivery hours come from apps.fulfillment through apps.marketplace.events (no import
of fulfillment by the marketplace); without a provider hub delivery is not offered."""

from __future__ import annotations

from datetime import datetime

import pytest

from apps.fulfillment import hours
from apps.marketplace import events
from apps.marketplace.services import hub_delivery_opens


def test_fulfillment_provides_the_hub_hours() -> None:
    provider = events.hub_hours()
    assert provider is not None
    assert provider.next_opening is hours.next_opening_time
    assert provider.describe is hours.describe


def test_without_a_provider_hub_delivery_is_not_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "_hub_hours", [])
    assert hub_delivery_opens() is None


def test_the_checkout_asks_the_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    opens = datetime(2026, 3, 2, 7, 0)
    asked: list[datetime | None] = []

    def next_opening(now: datetime | None) -> datetime | None:
        asked.append(now)
        return opens

    monkeypatch.setattr(events, "_hub_hours", [events.HubHours(next_opening=next_opening, describe=hours.describe)])
    now = datetime(2026, 3, 1, 22, 0)
    assert hub_delivery_opens(now) == opens
    assert asked == [now]

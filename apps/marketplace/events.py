"""What apps built on the marketplace plug into it (registered in their AppConfig.ready()).

Hub delivery: the marketplace offers "Kirim lewat hub" only when some hub opens within a week,
but hubs belong to apps.fulfillment, which builds on the marketplace. So fulfillment provides
the hub hours here; without a provider (fulfillment not installed) hub delivery is not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class HubHours:
    next_opening: Callable[[datetime | None], datetime | None]  # when a hub first takes an order placed then
    describe: Callable[[datetime, datetime], str]  # "07:00", "besok 07:00", ... (moment, now)


_hub_hours: list[HubHours] = []


def provide_hub_hours(provider: HubHours) -> None:
    _hub_hours[:] = [provider]


def hub_hours() -> HubHours | None:
    return _hub_hours[0] if _hub_hours else None

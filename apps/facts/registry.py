"""The producers of daily facts, registered explicitly by their apps.

Each app with a `facts.py` registers it in its AppConfig.ready():

    from apps.facts import registry
    from . import facts
    registry.register(self.label, facts.daily_facts)

so a producer that cannot be imported stops the start-up (an ImportError in ready()), and the
system check `facts.E001` (registered by apps.analytics) refuses an installed app that has a
`facts` module but did not register it. The roll-up runs the producers in registration order
(INSTALLED_APPS order).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from .metrics import FactRow

Producer = Callable[[datetime.date], Iterable[FactRow]]

_producers: dict[str, Producer] = {}


def register(app_label: str, producer: Producer) -> None:
    if not callable(producer):
        raise TypeError(f"the facts producer of {app_label!r} is not callable: {producer!r}")
    current = _producers.get(app_label)
    if current is not None and current is not producer:
        raise ValueError(f"app {app_label!r} already registered a facts producer: {current!r}")
    _producers[app_label] = producer


def producers() -> list[Producer]:
    return list(_producers.values())


def registered() -> dict[str, Producer]:
    return dict(_producers)

"""System check: every installed app with a `facts` module registered its producer.

A producer that is not registered would silently be left out of every dashboard, so an app
that ships `apps/<app>/facts.py` without `registry.register(...)` in its ready() stops the
start-up (`facts.E001`). A producer module that cannot be imported already does (ready()).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from django.apps import apps
from django.core import checks

from apps.facts import registry


def unregistered_producers() -> list[str]:
    registered = registry.registered()
    missing = []
    for config in apps.get_app_configs():
        if not config.name.startswith("apps."):
            continue
        if importlib.util.find_spec(f"{config.name}.facts") is not None and config.label not in registered:
            missing.append(config.name)
    return missing


@checks.register()
def producers_registered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"{name}.facts exists but {name} did not register its producer",
            hint="In its AppConfig.ready(): registry.register(self.label, facts.daily_facts) (apps.facts.registry).",
            id="facts.E001",
        )
        for name in unregistered_producers()
    ]

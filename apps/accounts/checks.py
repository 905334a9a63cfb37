"""Deploy checks (`manage.py check --deploy`) for API tokens and rate limits."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.urls import URLPattern, URLResolver, get_resolver

# The general scopes our throttle classes use, and the sign-in form's (a Django view).
BUILTIN_SCOPES = ("anon", "user", "login")
REQUIRED_CLASSES = ("AnonThrottle", "UserThrottle", "ScopeThrottle")
URLCONFS = ("config.urls_tenant", "config.urls_public")


def _views(patterns: Iterable[URLPattern | URLResolver]) -> Iterator[Any]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _views(pattern.url_patterns)
        else:
            callback = pattern.callback
            yield getattr(callback, "cls", None) or getattr(callback, "view_class", None) or callback


def used_scopes() -> set[str]:
    """Every `throttle_scope` of a view reachable on the tenant or platform sites."""
    scopes = set(BUILTIN_SCOPES)
    for urlconf in URLCONFS:
        for view in _views(get_resolver(urlconf).url_patterns):
            scope = getattr(view, "throttle_scope", None)
            if scope:
                scopes.add(str(scope))
    return scopes


@register(Tags.security, deploy=True)
def check_throttling(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    rest = getattr(settings, "REST_FRAMEWORK", {}) or {}
    classes = [str(name).rsplit(".", 1)[-1] for name in rest.get("DEFAULT_THROTTLE_CLASSES") or ()]
    problems: list[CheckMessage] = []
    missing_classes = [name for name in REQUIRED_CLASSES if name not in classes]
    if missing_classes:
        problems.append(
            Error(
                "API rate limiting is off: REST_FRAMEWORK['DEFAULT_THROTTLE_CLASSES'] lacks "
                + ", ".join(missing_classes)
                + ".",
                hint="Keep apps.core.api.throttling.AnonThrottle, UserThrottle and ScopeThrottle there.",
                id="kotakita.E300",
            )
        )
    rates = rest.get("DEFAULT_THROTTLE_RATES") or {}
    missing_rates = sorted(scope for scope in used_scopes() if not rates.get(scope))
    if missing_rates:
        problems.append(
            Error(
                "No throttle rate for scope(s): " + ", ".join(missing_rates) + ".",
                hint="Set them in REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'] (THROTTLE_* environment variables).",
                id="kotakita.E301",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_token_ttl(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not int(getattr(settings, "API_TOKEN_TTL_DAYS", 0) or 0) > 0:
        return [
            Warning(
                "API tokens never expire (API_TOKEN_TTL_DAYS is 0 or unset).",
                hint="Set API_TOKEN_TTL_DAYS, e.g. 30, so a leaked token stops working on its own.",
                id="kotakita.W300",
            )
        ]
    return []

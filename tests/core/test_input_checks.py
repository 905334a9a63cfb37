"""Start-up checks kotakita.E400–E402 (no database)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.views import APIView

from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.input_checks import check_input_guards


def _ids(**overrides: Any) -> list[str]:
    with override_settings(**overrides):
        return [error.id or "" for error in check_input_guards()]


def test_configured_project_passes() -> None:
    assert check_input_guards() == []


def test_missing_middleware_is_e400() -> None:
    middleware = [m for m in settings.MIDDLEWARE if not m.endswith("InputGuardMiddleware")]
    assert _ids(MIDDLEWARE=middleware) == ["kotakita.E400"]


def test_stock_parsers_are_e401() -> None:
    stock = {**settings.REST_FRAMEWORK, "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"]}
    assert _ids(REST_FRAMEWORK=stock) == ["kotakita.E401"]
    unset = {k: v for k, v in settings.REST_FRAMEWORK.items() if k != "DEFAULT_PARSER_CLASSES"}
    assert _ids(REST_FRAMEWORK=unset) == ["kotakita.E401"]


def test_limits_must_be_positive_whole_numbers_e402() -> None:
    assert _ids(KOTAKITA_MAX_JSON_DEPTH=0) == ["kotakita.E402"]
    assert _ids(KOTAKITA_MAX_IMAGE_PIXELS="40000000", DATA_UPLOAD_MAX_MEMORY_SIZE=None) == ["kotakita.E402"] * 2


def _drf_views(patterns: list[Any]) -> list[tuple[str, list[type]]]:
    """(view name, parser classes) of each DRF view, as_view() arguments included."""
    found: list[tuple[str, list[type]]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += _drf_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if isinstance(cls, type) and issubclass(cls, APIView):
                initkwargs = getattr(pattern.callback, "initkwargs", {}) or {}
                parsers = list(initkwargs.get("parser_classes", cls.parser_classes))
                found.append((f"{cls.__module__}.{cls.__name__}", parsers))
    return found


def test_every_api_view_parses_with_the_safe_parsers() -> None:
    """A view that names its own parser_classes must name the safe ones: the stock JSONParser
    answered deep JSON with a 500 on /api/v1/reports/ and /api/v1/auth/token/."""
    safe = (SafeJSONParser, SafeFormParser, SafeMultiPartParser)
    views = _drf_views(get_resolver("config.urls_tenant").url_patterns)
    views += _drf_views(get_resolver("config.urls_public").url_patterns)
    assert len(views) > 50
    stock = sorted({name for name, parsers in views if not all(issubclass(p, safe) for p in parsers)})
    assert stock == []

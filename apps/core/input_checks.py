"""Start-up checks (kotakita.E400–E402): the input guards are wired and their limits make sense.

Plain checks, not deploy-only: without them every environment answers 500 to bad input again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, register

MIDDLEWARE = "apps.core.input_guard.InputGuardMiddleware"
PARSERS = ("apps.core.api.parsers.SafeJSONParser",)
LIMITS = (
    "DATA_UPLOAD_MAX_MEMORY_SIZE",
    "KOTAKITA_MAX_REQUEST_BYTES",
    "KOTAKITA_MAX_JSON_DEPTH",
    "KOTAKITA_MAX_IMAGE_PIXELS",
)


@register()
def check_input_guards(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if MIDDLEWARE not in settings.MIDDLEWARE:
        errors.append(
            Error(
                f"{MIDDLEWARE} is not in MIDDLEWARE: NUL bytes and oversized bodies reach the views.",
                hint="Keep the block 'Input limits' of config/settings/base.py.",
                id="kotakita.E400",
            )
        )
    parsers = list(getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_PARSER_CLASSES", []))
    if not all(parser in parsers for parser in PARSERS) or any(
        parser.startswith("rest_framework.parsers.") for parser in parsers
    ):
        errors.append(
            Error(
                "REST_FRAMEWORK['DEFAULT_PARSER_CLASSES'] must be the apps.core.api.parsers ones only: "
                "the stock JSON parser answers 500 to deep JSON.",
                id="kotakita.E401",
            )
        )
    for name in LIMITS:
        value = getattr(settings, name, None)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            errors.append(Error(f"{name} must be a positive whole number, not {value!r}.", id="kotakita.E402"))
    return errors

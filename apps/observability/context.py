"""The log/error context of the current request or task: request id, tenant, user."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sentry_sdk
import structlog

REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's id is kept only when it is short and plain (no spaces, quotes or control
# characters that could forge log fields or headers); otherwise a new one is made.
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{8,128}$")


def sane_request_id(incoming: str | None) -> str:
    if incoming and _SANE_REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def bind(**values: Any) -> None:
    """Bind to the log context and tag Sentry's current scope with the same values."""
    structlog.contextvars.bind_contextvars(**values)
    for key, value in values.items():
        if key in {"tenant_schema", "tenant_type", "user_id", "request_id", "task"}:
            sentry_sdk.set_tag(key, "" if value is None else str(value))


def current() -> dict[str, Any]:
    return dict(structlog.contextvars.get_contextvars())

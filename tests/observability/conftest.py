from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from django.conf import settings
from django.test import override_settings

from apps.observability.logsetup import formatter_options


@pytest.fixture
def test_urls() -> Iterator[None]:
    """Kelurahan hosts use tests/observability/urls.py (the real pages plus test views)."""
    types = copy.deepcopy(settings.TENANT_TYPES)
    types["kelurahan"]["URLCONF"] = "tests.observability.urls"
    with override_settings(TENANT_TYPES=types):
        yield


class JsonLines(logging.Handler):
    """Every log record rendered as production does (JSON through the ProcessorFormatter)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(structlog.stdlib.ProcessorFormatter(**formatter_options("json")))
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def json_logs() -> Iterator[list[dict[str, Any]]]:
    handler = JsonLines()
    root = logging.getLogger()
    root.addHandler(handler)
    structlog.contextvars.clear_contextvars()
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)

"""How a request answered with 503 for a failed dependency is reported: one warning line with
its request id, no error line; no Sentry event for an outage, a warning-level one for a query
that failed on a working server. A real bug is still an error line and an error event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import sentry_sdk
from django.db import InterfaceError, OperationalError
from django.test import Client

from apps.core.unavailable import is_outage
from apps.observability.sentry import outage_policy
from tests.observability.test_sentry import MemoryTransport, _events, transport

pytestmark = pytest.mark.django_db
__all__ = ["transport"]


def _wrapped(driver_error: Exception) -> OperationalError:
    try:
        raise driver_error
    except psycopg.Error as exc:
        try:
            raise OperationalError(str(exc)) from exc
        except OperationalError as wrapped:
            return wrapped


def test_outages_are_told_apart_from_failed_queries() -> None:
    assert is_outage(_wrapped(psycopg.OperationalError("connection failed: Connection refused")))
    assert is_outage(_wrapped(psycopg.errors.AdminShutdown("terminating connection due to administrator command")))
    assert is_outage(_wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")))
    assert is_outage(_wrapped(psycopg.errors.ConnectionFailure("connection failure")))
    assert is_outage(InterfaceError("connection already closed"))
    assert not is_outage(_wrapped(psycopg.errors.DeadlockDetected("deadlock detected")))
    assert not is_outage(_wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")))
    assert not is_outage(ValueError("a bug"))
    assert not is_outage(None)


def _event(mechanism: str) -> dict[str, Any]:
    return {"level": "error", "exception": {"values": [{"type": "OperationalError", "mechanism": {"type": mechanism}}]}}


def test_the_sentry_policy_only_touches_requests_answered_with_503() -> None:
    gone = _wrapped(psycopg.OperationalError("connection failed"))
    deadlock = _wrapped(psycopg.errors.DeadlockDetected("deadlock detected"))
    hint = lambda exc: {"exc_info": (type(exc), exc, exc.__traceback__)}  # noqa: E731
    assert outage_policy(_event("django"), hint(gone)) is None
    assert outage_policy(_event("django"), hint(deadlock)) == {**_event("django"), "level": "warning"}
    # A task that failed on the outage is not a request: reported as it is.
    assert outage_policy(_event("celery"), hint(gone)) == _event("celery")
    bug = RuntimeError("bug")
    assert outage_policy(_event("django"), hint(bug)) == _event("django")


@pytest.fixture
def client_503(test_urls: None, tenant_a: Any) -> Iterator[Client]:
    yield Client(HTTP_HOST=tenant_a.get_primary_domain().domain, raise_request_exception=False)


def _errors(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("level") in ("error", "critical")]


def test_database_gone_in_a_view_is_one_warning_line_and_no_sentry_event(
    client_503: Client, json_logs: list[dict[str, Any]], transport: MemoryTransport
) -> None:
    response = client_503.get("/_test/database-gone")
    sentry_sdk.flush()
    assert response.status_code == 503 and response["Retry-After"] == "30"
    warnings = [line for line in json_logs if str(line["event"]).startswith("dependency unavailable")]
    assert len(warnings) == 1 and warnings[0]["level"] == "warning"
    assert warnings[0]["request_id"] == response["X-Request-ID"] and warnings[0]["outage"] is True
    assert "exception" not in warnings[0]  # an outage needs no traceback
    assert _errors(json_logs) == []
    assert _events(transport) == []


def test_a_deadlock_answered_with_503_reaches_sentry_as_a_warning(
    client_503: Client, json_logs: list[dict[str, Any]], transport: MemoryTransport
) -> None:
    response = client_503.get("/_test/deadlock")
    sentry_sdk.flush()
    assert response.status_code == 503
    warnings = [line for line in json_logs if str(line["event"]).startswith("dependency unavailable")]
    assert len(warnings) == 1 and warnings[0]["outage"] is False
    assert "DeadlockDetected" in warnings[0]["exception"]  # the traceback, to find the query
    assert _errors(json_logs) == []
    events = [event for event in _events(transport) if event.get("exception")]
    assert [event["level"] for event in events] == ["warning"]


def test_a_bug_is_still_an_error_line_and_an_error_event(
    client_503: Client, json_logs: list[dict[str, Any]], transport: MemoryTransport
) -> None:
    response = client_503.get("/_test/boom")
    sentry_sdk.flush()
    assert response.status_code == 500
    errors = _errors(json_logs)
    assert any(str(line["event"]).startswith("Internal Server Error") for line in errors), json_logs
    assert any(line["event"] == "request_failed" for line in errors)
    events = [event for event in _events(transport) if event.get("exception")]
    assert events and all(event["level"] == "error" for event in events)

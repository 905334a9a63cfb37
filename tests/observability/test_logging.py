"""Structured logs: request id, tenant, user and duration on request lines; tasks carry the
request id of the request that queued them; stdlib logging goes through the same renderer."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client

from apps.accounts.services import create_user
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client: Client, tenant: Tenant, name: str) -> Any:
    with tenant:
        user = create_user(username=name, email=f"{name}@example.com", password=PASSWORD)
        client.force_login(user)
    return user


def test_request_logs_json_with_request_id_tenant_and_user(
    client_a: Client, tenant_a: Tenant, json_logs: list[dict[str, Any]]
) -> None:
    user = login(client_a, tenant_a, "log-warga")
    response = client_a.get("/")
    request_id = response["X-Request-ID"]
    finished = [line for line in json_logs if line.get("event") == "request_finished"]
    assert len(finished) == 1
    line = finished[0]
    assert line["request_id"] == request_id
    assert line["tenant_schema"] == tenant_a.schema_name
    assert line["user_id"] == user.pk
    assert line["code"] == 200 and line["duration_ms"] >= 0
    started = next(line for line in json_logs if line.get("event") == "request_started")
    assert started["request_id"] == request_id and started["tenant_schema"] == tenant_a.schema_name


def test_sane_incoming_request_id_is_kept_and_a_bad_one_replaced(client_a: Client) -> None:
    assert client_a.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    forged = client_a.get("/", HTTP_X_REQUEST_ID='x" ,"user_id": 1')["X-Request-ID"]
    assert forged != 'x" ,"user_id": 1' and len(forged) == 32
    assert client_a.get("/")["X-Request-ID"] != client_a.get("/")["X-Request-ID"]


def test_eager_task_from_a_request_logs_the_requests_id(
    test_urls: None, client_a: Client, tenant_a: Tenant, json_logs: list[dict[str, Any]]
) -> None:
    response = client_a.get("/_test/queue")
    task_id = response.json()["task_id"]
    request_id = response["X-Request-ID"]
    task_lines = [line for line in json_logs if line.get("task_id") == task_id]
    events = {line["event"] for line in task_lines}
    assert "task_started" in events and "task_finished" in events
    # Celery's own stdlib line ("Task ... succeeded") is among them, with the same context.
    assert any(line["logger"] == "celery.app.trace" for line in task_lines)
    for line in task_lines:
        assert line["request_id"] == request_id, line
        assert line["tenant_schema"] == tenant_a.schema_name
    finished = next(line for line in task_lines if line["event"] == "task_finished")
    assert finished["task"] == "accounts.send_set_password_email" and finished["state"] == "success"
    assert finished["duration_ms"] >= 0
    # The request's own closing line is written after the task, still with its context.
    closing = next(line for line in json_logs if line.get("event") == "request_finished")
    assert closing["request_id"] == request_id and "task_id" not in closing


def test_task_headers_carry_the_context_to_a_worker() -> None:
    """What a worker sees: the publish hook writes the header, prerun binds it."""
    import structlog

    from apps.observability import tasks_context

    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id="req-12345678", tenant_schema="kel_x", user_id=7)
    headers: dict[str, Any] = {}
    tasks_context.on_publish(headers=headers)
    assert headers[tasks_context.HEADER] == {"request_id": "req-12345678", "tenant_schema": "kel_x", "user_id": 7}
    structlog.contextvars.clear_contextvars()

    class Request:
        is_eager = False
        delivery_info = {"routing_key": "default"}
        kotakita_log = headers[tasks_context.HEADER]

    class Task:
        name = "accounts.send_set_password_email"
        request = Request()

    tasks_context.on_prerun(task_id="t-1", task=Task())
    bound = structlog.contextvars.get_contextvars()
    assert bound["request_id"] == "req-12345678" and bound["task_id"] == "t-1" and bound["user_id"] == 7
    tasks_context.on_postrun(task_id="t-1", task=Task(), state="SUCCESS")
    assert structlog.contextvars.get_contextvars() == {}


def test_stdlib_logging_comes_out_as_json_with_the_context(json_logs: list[dict[str, Any]]) -> None:
    import structlog

    structlog.contextvars.bind_contextvars(request_id="req-abcdefgh")
    logging.getLogger("apps.some.module").warning("broker unavailable, task not queued: %s", "x.y")
    structlog.contextvars.clear_contextvars()
    line = json_logs[-1]
    assert line["event"] == "broker unavailable, task not queued: x.y"
    assert line["request_id"] == "req-abcdefgh" and line["level"] == "warning" and line["logger"] == "apps.some.module"


def test_rendered_lines_carry_no_nik_phone_or_email(json_logs: list[dict[str, Any]]) -> None:
    logging.getLogger("apps.some.module").info("GET /cari?nik=3577031234567890 from 081234567890 sri@desa.id")
    assert "3577031234567890" not in json_logs[-1]["event"]
    assert "081234567890" not in json_logs[-1]["event"] and "sri@desa.id" not in json_logs[-1]["event"]


def test_a_request_id_whose_digits_read_as_a_nik_is_kept() -> None:
    """Found by CI: a uuid4 hex id holding 16 digits in a row (the NIK pattern) was logged as
    "[Filtered]", so the request could no longer be followed across lines."""
    from apps.observability.logsetup import scrub_personal_data

    rid = "762314ebf4df4351979651844958d3b4"  # the id CI saw filtered
    line = scrub_personal_data(None, "info", {"request_id": rid, "event": "WA 081234567890", "note": f"id {rid}"})
    assert line["request_id"] == rid
    assert "081234567890" not in line["event"] and line["note"] != f"id {rid}"  # other fields are still scrubbed

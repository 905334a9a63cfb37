"""Schemathesis over the tenant API and the platform API (/api/v1/schema/ of each site), and a
hand-written Hypothesis run over Open311 (not in the OpenAPI schema).

Every answer of the OpenAPI operations must keep the document's promises: no server error
(5xx), only documented status codes and content types, and a body that matches the documented
schema (errors: the one `Error` component). The project's WSGI handler is called in-process (no
server), as the kelurahan admin and a warga (tenant host) and as the franchise operator with
a Data-as-a-Service key (platform host). Bounded and deterministic: a few examples per operation
and mode, derandomized, plus a short stateful run along the documented create → read links.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.accounts.services import create_user
from apps.dataservice import services as data_services
from apps.dataservice.indicators import Family
from apps.reports.models import Category
from apps.reports.services import create_api_key
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

EXAMPLES = 3  # per operation and generation mode
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
# What the document promises about every answer (issue 15).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


class Recorder:
    """The WSGI app under test, with each uncaught exception's traceback kept for the report."""

    def __init__(self) -> None:
        self.handler = WSGIHandler()
        self.errors: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.handler(environ, start_response)

    def record(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        self.errors.append(traceback.format_exc())


@pytest.fixture
def app() -> Iterator[Recorder]:
    recorder = Recorder()
    # As Django's test client does: a request's start and end must not close the test's connection,
    # whose open transaction holds every fixture row.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.got_request_exception.connect(recorder.record)
    try:
        yield recorder
    finally:
        signals.got_request_exception.disconnect(recorder.record)
        signals.request_finished.connect(close_old_connections)
        signals.request_started.connect(close_old_connections)


def _host(tenant: Tenant) -> str:
    return tenant.get_primary_domain().domain


def _token(tenant: Tenant, username: str) -> str:
    with tenant:
        user = User.objects.get(username=username)
        return issue_token(user).key


def _report(failures: list[str], app: Recorder) -> str:
    return f"{len(failures)} failures\n" + "\n".join(failures[:20]) + "\n\n" + "\n".join(app.errors[:5])


def _describe(case: Any, exc: Failure | FailureGroup) -> list[str]:
    found = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
    request = f"query={case.query!r} body={case.body!r}"[:300]
    return [f"{case.method} {case.formatted_path}: {str(failure)[:500]} | {request}" for failure in found]


def _fuzz(
    schema: Any,
    base_url: str,
    headers_for: Callable[[], dict[str, str]],
    modes: tuple[GenerationMode, ...],
    examples: int = EXAMPLES,
) -> tuple[int, list[str]]:
    """(operations, failures) of every operation of `schema`, in each generation mode."""
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    for operation in operations:
        # Credentials of their own per operation: fuzzing /tokens/ may revoke or renew a key.
        headers = headers_for()
        for mode in modes:

            @settings(FUZZ, max_examples=examples)
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                try:
                    case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)  # noqa: B023 - called right away
                except (Failure, FailureGroup) as exc:
                    failures.extend(_describe(case, exc))

            try:
                call()
            except Unsatisfiable:  # e.g. no negative variant of an operation without inputs
                continue
    return len(operations), failures


@pytest.mark.parametrize(
    ("username", "modes", "examples"),
    [
        # The admin reaches every operation: valid and invalid input. A warga is refused most
        # writes early (401/403 paths), so fewer examples of invalid input are worth its time.
        ("admin", (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), EXAMPLES),
        ("warga-mojorejo", (GenerationMode.NEGATIVE,), 2),
    ],
)
def test_tenant_api_keeps_its_contract(
    tenant_a: Tenant, app: Recorder, username: str, modes: tuple[GenerationMode, ...], examples: int
) -> None:
    base_url = f"http://{_host(tenant_a)}"
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, base_url=base_url)
    count, failures = _fuzz(
        schema, base_url, lambda: {"Authorization": f"Token {_token(tenant_a, username)}"}, modes, examples
    )
    assert count > 150  # the whole tenant API, not an empty schema
    assert not failures, _report(failures, app)


def _operator_credentials() -> Callable[[], dict[str, str]]:
    connection.set_schema_to_public()
    operator = create_user(
        username="operator", email="operator@kotakita.id", password="Sandi-Kuat-2026!", superuser=True
    )
    partner = data_services.ensure_partner(name="Bappeda Uji", contact_email="bappeda@uji.id")
    _key, raw_key = data_services.create_api_key(
        partner=partner,
        name="fuzz",
        scopes=[family.value for family in Family],
        region_prefixes=["35"],
        per_minute=10_000,
        per_day=100_000,
    )
    # The operator's token for the console API, the partner's key for /api/v1/data/.
    return lambda: {"Authorization": f"Token {issue_token(operator).key}", "X-Api-Key": raw_key}


def test_platform_api_keeps_its_contract(tenants: Any, app: Recorder) -> None:
    headers_for = _operator_credentials()
    base_url = "http://localhost"
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, base_url=base_url)
    count, failures = _fuzz(schema, base_url, headers_for, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    assert count > 15  # tenants, regions, activation jobs, tokens, Data-as-a-Service
    assert not failures, _report(failures, app)


def _stateful(schema: Any, base_url: str, headers: dict[str, str]) -> tuple[list[str], list[str]]:
    """(calls, failures) of a few short scenarios along the document's links (create, then read
    what was created)."""
    failures: list[str] = []
    calls: list[str] = []
    workflow = schema.as_state_machine()
    # The document's create → read links are transitions of the machine, not only decoration.
    assert {"POST /api/v1/reports/ -> 201", "POST /api/v1/permits/ -> 201"} <= set(workflow.bundles)

    class Machine(workflow):  # type: ignore[misc,valid-type]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base_url, "headers": headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            calls.append(f"{case.method} {case.path} {response.status_code}")
            try:
                case.validate_response(response, checks=CHECKS)
            except (Failure, FailureGroup) as exc:
                failures.extend(_describe(case, exc))

    # Tiny on purpose (CI budget): each scenario is at most three calls.
    Machine.run(settings=settings(FUZZ, max_examples=10, stateful_step_count=3))
    return calls, failures


def test_tenant_api_create_then_read(tenant_a: Tenant, app: Recorder) -> None:
    base_url = f"http://{_host(tenant_a)}"
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, base_url=base_url)
    calls, failures = _stateful(schema, base_url, {"Authorization": f"Token {_token(tenant_a, 'admin')}"})
    assert len(calls) >= 10
    assert not failures, _report(failures, app)


# --- Open311 (not in the OpenAPI schema) ----------------------------------------------------

_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "1e308", "-inf", "nan", "\x00", "\x01\x0b", "9" * 40, "-7.6", "111.5", "json", "xml"]),
)
_params = st.dictionaries(
    st.sampled_from(
        [
            "jurisdiction_id",
            "service_code",
            "service_request_id",
            "start_date",
            "end_date",
            "status",
            "format",
            "description",
            "lat",
            "long",
            "address_string",
            "email",
            "media_url",
            "first_name",
            "attribute[x]",
            "page",
        ]
    ),
    _text,
    max_size=6,
)
_paths = st.sampled_from(
    [
        "/open311/v2/discovery.xml",
        "/open311/v2/services.json",
        "/open311/v2/services/{x}.xml",
        "/open311/v2/requests.xml",
        "/open311/v2/requests.json",
        "/open311/v2/requests/{x}.json",
        "/open311/v2/tokens/{x}.xml",
    ]
)


def test_open311_never_answers_5xx(tenant_a: Tenant, app: Recorder) -> None:
    from werkzeug.test import Client as WerkzeugClient

    with tenant_a:
        raw_key = create_api_key(name="fuzz")[1]
        codes = list(Category.objects.filter(active=True).values_list("code", flat=True)[:3]) or ["x"]
    client = WerkzeugClient(app)
    base_url = f"http://{_host(tenant_a)}"
    failures: list[str] = []

    @settings(FUZZ, max_examples=300)
    @given(
        path=_paths,
        segment=_text,
        params=_params,
        code=st.sampled_from(codes),
        post=st.booleans(),
        with_key=st.booleans(),
    )
    def call(path: str, segment: str, params: dict[str, str], code: str, post: bool, with_key: bool) -> None:
        url = path.replace("{x}", segment.replace("/", "").replace("?", "").replace("#", "") or "x")
        if post:
            form = {"service_code": code, **params, **({"api_key": raw_key} if with_key else {})}
            response = client.post(url, base_url=base_url, data=form)
        else:
            response = client.get(url, base_url=base_url, query_string=params)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} {'POST' if post else 'GET'} {url!r} {params!r}")

    call()
    assert not failures, _report(failures, app)

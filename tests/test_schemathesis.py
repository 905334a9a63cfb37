"""Schemathesis over the tenant API (/api/v1/schema/ on a kelurahan host) and a hand-written
Hypothesis run over Open311: whatever the input, the answer is never a server error (5xx).

Schema mismatches are out of scope here; the one property checked is "no 5xx". The project's
WSGI handler is called in-process (no server), as a signed-in warga and as the kelurahan admin
(DRF tokens). Bounded and deterministic: a few examples per operation, derandomized.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
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
    return "\n".join(failures[:20]) + "\n\n" + "\n".join(app.errors[:5])


@pytest.mark.parametrize(
    ("username", "modes"),
    [
        # The admin reaches every operation: valid and invalid input. A warga is refused most
        # writes early, so only the invalid input is worth its time.
        ("admin", (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)),
        ("warga-mojorejo", (GenerationMode.NEGATIVE,)),
    ],
)
def test_tenant_api_never_answers_5xx(
    tenant_a: Tenant, app: Recorder, username: str, modes: tuple[GenerationMode, ...]
) -> None:
    base_url = f"http://{_host(tenant_a)}"
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", app, base_url=base_url)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50  # the whole tenant API, not an empty schema
    failures: list[str] = []
    for operation in operations:
        # A key of its own per operation: fuzzing /tokens/ may revoke or renew the one it uses.
        token = _token(tenant_a, username)
        for mode in modes:

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case: Any) -> None:
                response = case.call(base_url=base_url, headers={"Authorization": f"Token {token}"})  # noqa: B023 - called right away
                if response.status_code >= 500:
                    failures.append(
                        f"{response.status_code} {case.method} {case.formatted_path} "
                        f"query={case.query!r} headers={case.headers!r} body={case.body!r}"[:600]
                    )

            try:
                call()
            except Unsatisfiable:  # e.g. no negative variant of an operation without inputs
                continue
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

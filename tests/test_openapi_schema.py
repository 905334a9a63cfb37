"""The OpenAPI document of each site is valid, generated without warnings, and honest about
errors: every error answer an operation can give is documented with the one `Error` component.
The main flows carry examples that match their own schemas, and create operations link to the
matching read (the stateful part of tests/test_schemathesis.py follows those links)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate
from openapi_spec_validator.validation import OpenAPIV30SpecValidator

from apps.core.api.openapi_hooks import EXAMPLES, LINKS
from apps.fulfillment.api.serializers import DeliveryInput, HubInput
from apps.tenancy.api.serializers import ActivateSerializer
from apps.tenancy.models import Tenant
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SITES = ["config.urls_tenant", "config.urls_public"]
ERROR_REF = "#/components/schemas/Error"


def _served(client: Client) -> dict[str, Any]:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return dict(json.loads(response.content))


@pytest.fixture
def tenant_doc(tenant_a: Tenant) -> dict[str, Any]:
    return _served(client_for(tenant_a))


@pytest.fixture
def platform_doc() -> dict[str, Any]:
    return _served(client_for(None))


@pytest.fixture(params=["tenant", "platform"])
def doc(request: pytest.FixtureRequest, tenants: Any) -> dict[str, Any]:
    # `tenants` named here, not only through getfixturevalue: the session's tenants must be
    # made before this test's transaction starts, or its rollback takes them away.
    return dict(request.getfixturevalue(f"{request.param}_doc"))


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation) for path, item in doc["paths"].items() for method, operation in item.items()
    ]


def test_the_served_document_of_each_site_is_valid_openapi(doc: dict[str, Any]) -> None:
    errors = [error.message for error in OpenAPIV30SpecValidator(doc).iter_errors()]
    assert errors == []
    validate(doc)  # the library's own entry point agrees


def test_the_validator_would_catch_a_default_its_own_field_refuses(tenant_doc: dict[str, Any]) -> None:
    # The check above can fail: the very mistake issue 15 found (minLength 1, default "").
    broken = json.loads(json.dumps(tenant_doc))
    broken["components"]["schemas"]["HubInputRequest"]["properties"]["address"]["minLength"] = 1
    assert any("non-empty" in error.message for error in OpenAPIV30SpecValidator(broken).iter_errors())


@pytest.mark.parametrize("urlconf", SITES)
def test_generation_emits_no_warning_or_error(urlconf: str) -> None:
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)
    assert schema["paths"]
    assert dict(GENERATOR_STATS._warn_cache) == {}
    assert dict(GENERATOR_STATS._error_cache) == {}


def test_documented_empty_defaults_are_accepted() -> None:
    # `default: ""` in the document, so "" sent explicitly must be as good as leaving it out.
    assert ActivateSerializer(data={"code": "35.77.03.1001", "admin_email": "", "admin_name": ""}).is_valid()
    hub = {"code": "H1", "name": "Hub", "lat": "-7.6", "lng": "111.5", "address": ""}
    assert HubInput(data=hub).is_valid(), HubInput(data=hub).errors
    assert DeliveryInput(data={"order": 1, "lat": "-7.6", "lng": "111.5", "address": ""}).is_valid()


def test_every_error_answer_uses_the_one_error_component(doc: dict[str, Any]) -> None:
    wrong = [
        f"{method} {path} {status}: {response.get('content')}"
        for method, path, operation in _operations(doc)
        for status, response in operation["responses"].items()
        if status[0] in "45" and response.get("content") != {"application/json": {"schema": {"$ref": ERROR_REF}}}
    ]
    assert wrong == []
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]


def test_every_operation_documents_the_errors_its_layers_can_give(doc: dict[str, Any]) -> None:
    missing = []
    for method, path, operation in _operations(doc):
        statuses = set(operation["responses"])
        expected = {"503"}
        if "{" in path:
            expected |= {"404"}
        if "requestBody" in operation:
            expected |= {"400", "415", "422"}
        if operation.get("security") and {} not in operation["security"]:
            expected |= {"401", "403"}
        if not expected <= statuses:
            missing.append(f"{method} {path}: {sorted(expected - statuses)}")
    assert missing == []


def test_only_tenant_operations_document_the_archiving_lock(
    tenant_doc: dict[str, Any], platform_doc: dict[str, Any]
) -> None:
    assert all("423" in operation["responses"] for _method, _path, operation in _operations(tenant_doc))
    assert not any("423" in operation["responses"] for _method, _path, operation in _operations(platform_doc))


def _validator(doc: dict[str, Any], schema: dict[str, Any]) -> OAS30Validator:
    # The example's schema as a subschema of a document holding the components its $refs name.
    return OAS30Validator({"components": doc["components"], "allOf": [schema]}, format_checker=oas30_format_checker)


def test_main_flows_have_examples_that_match_their_schemas(
    tenant_doc: dict[str, Any], platform_doc: dict[str, Any]
) -> None:
    by_id = {
        operation["operationId"]: (doc, operation)
        for doc in (tenant_doc, platform_doc)
        for _method, _path, operation in _operations(doc)
    }
    for operation_id in ("marketplace_orders_create", "payments_topups_create", "reports_create", "tenants_create"):
        assert operation_id in EXAMPLES
        doc, operation = by_id[operation_id]
        media = operation["requestBody"]["content"]["application/json"]
        assert media["examples"], operation_id
        for example in media["examples"].values():
            errors = [e.message for e in _validator(doc, media["schema"]).iter_errors(example["value"])]
            assert errors == [], (operation_id, errors)
    topup_doc, topup = by_id["payments_topups_create"]
    charge = topup["responses"]["201"]["content"]["application/json"]
    for example in charge["examples"].values():
        assert [e.message for e in _validator(topup_doc, charge["schema"]).iter_errors(example["value"])] == []


def test_create_operations_link_to_the_matching_read(tenant_doc: dict[str, Any], platform_doc: dict[str, Any]) -> None:
    found = 0
    for doc in (tenant_doc, platform_doc):
        by_id = {operation["operationId"]: operation for _method, _path, operation in _operations(doc)}
        for _method, _path, operation in _operations(doc):
            for response in operation["responses"].values():
                for link in response.get("links", {}).values():
                    # The value named by the pointer is a property of what the create answers.
                    ref = response["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
                    (expression,) = link["parameters"].values()
                    first = expression.removeprefix("$response.body#/").split("/")[0]
                    assert first in doc["components"]["schemas"][ref]["properties"], (ref, expression)
                    target = by_id[link["operationId"]]
                    names = {
                        parameter["name"] for parameter in target.get("parameters", []) if parameter["in"] == "path"
                    }
                    assert set(link["parameters"]) <= names, link
                    found += 1
    assert found == len(LINKS)


def test_an_unmatched_api_url_answers_the_error_format_and_pages_keep_html(tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    # `{id}` is documented as an integer; a word matches no route at all (Django's 404, not DRF's).
    response = client.get("/api/v1/permits/bukan-angka/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    page = client.get("/halaman-yang-tidak-ada/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("authorization", ["", "Token bukan-kunci", "Api-Key bukan-kunci"])
def test_an_unknown_format_on_the_data_api_is_the_documented_404(tenants: Any, authorization: str) -> None:
    # Found by schemathesis before issue 15 (a 500): `format` is a documented parameter there.
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    for path in ("/api/v1/data/indicators/", "/api/v1/data/usage/"):
        response = client_for(None).get(path, {"format": "\U0003d0d3F*ZCN\x8a\U0001f317"}, **headers)
        assert response.status_code in (401, 404), response.content[:200]
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["code"]

"""drf-spectacular postprocessing: what only the whole document (or the site) knows.

- 423 on every operation of a tenant host: the archiving middleware (apps.tenancy.middleware)
  answers it before any view runs;
- OpenAPI links from the main create operations to the matching read, so clients (and
  schemathesis' stateful tests) can follow "create, then read what was created";
- request and response examples of the main flows (checkout, top-up, report, activation).

A link or example whose operation is missing from the document (the other site's, say) is
skipped; tests/test_openapi_schema.py checks that each one lands on its site.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from .openapi import error_response

# (create operationId, success status, read operationId, path parameter, JSON pointer in the body)
LINKS = [
    ("agenda_events_create", "201", "agenda_events_retrieve", "id", "/id"),
    ("aid_programs_create", "201", "aid_programs_retrieve", "id", "/id"),
    ("aid_beneficiaries_create", "201", "aid_beneficiaries_retrieve", "id", "/id"),
    ("lending_products_create", "201", "lending_products_retrieve", "id", "/id"),
    ("payments_payment_requests_create", "201", "payments_payment_requests_retrieve", "id", "/id"),
    ("payments_topups_create", "201", "payments_topups_retrieve", "order_id", "/order_id"),
    ("permits_create", "201", "permits_retrieve", "id", "/id"),
    ("procurement_requests_create", "201", "procurement_requests_retrieve", "id", "/id"),
    ("reports_create", "201", "reports_retrieve", "code", "/code"),
    ("fulfillment_hubs_create", "201", "fulfillment_hubs_retrieve", "code", "/code"),
    # Activation answers its job (202); the job, once done, names the tenant and its admin's link.
    ("tenants_create", "202", "tenant_jobs_retrieve", "id", "/id"),
]

# operationId → {"request": {name: example}, "responses": {status: {name: example}}}
EXAMPLES: dict[str, dict[str, Any]] = {
    "marketplace_orders_create": {
        "request": {
            "checkout": {
                "summary": "Checkout: dua barang, diantar lewat hub kelurahan, bayar dengan saldo",
                "value": {
                    "items": [{"variant": 12, "quantity": 2}, {"variant": 31, "quantity": 1}],
                    "delivery_method": "hub",
                    "address": "Jl. Mojorejo No. 5, RT 02/RW 01",
                    "note": "Titip di pos ronda",
                    "payment_method": "wallet",
                },
            }
        },
    },
    "payments_topups_create": {
        "request": {"topup": {"summary": "Isi saldo Rp50.000 lewat QRIS", "value": {"amount": 50000}}},
        "responses": {
            "201": {
                "charge": {
                    "summary": "Tagihan QRIS menunggu dibayar",
                    "value": {
                        "id": "0b7c5a52-3f0e-4c1e-9f6b-2a8d7e1c4f90",
                        "order_id": "TOPUP-20260105-7F3A9C",
                        "gateway": "midtrans",
                        "purpose": "topup",
                        "gross_amount": 50000,
                        "status": "pending",
                        "qr_string": "00020101021226...6304ABCD",
                        "created_at": "2026-01-05T09:30:00+07:00",
                    },
                }
            }
        },
    },
    "reports_create": {
        "request": {
            "report": {
                "summary": "Laporan jalan rusak dengan lokasi",
                "value": {
                    "category": "jalan-rusak",
                    "description": "Lubang besar di depan balai RW, membahayakan pengendara motor.",
                    "lat": -7.6298,
                    "lng": 111.5239,
                    "address": "Jl. Mojorejo depan balai RW 01",
                    "attributes": {"tingkat": "berat"},
                },
            }
        },
    },
    "tenants_create": {
        "request": {
            "activate": {
                "summary": "Aktifkan satu kelurahan dari daftar Kemendagri",
                "value": {
                    "code": "35.77.03.1001",
                    "tenant_type": "kelurahan",
                    "admin_email": "admin@mojorejo.example",
                    "admin_name": "Admin Mojorejo",
                },
            }
        },
    },
}


def _operations(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for path_item in result.get("paths", {}).values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


def _is_tenant_site(generator: Any) -> bool:
    urlconf = getattr(generator, "urlconf", None) or settings.ROOT_URLCONF
    name = urlconf if isinstance(urlconf, str) else getattr(urlconf, "__name__", "")
    return bool(name != settings.PUBLIC_SCHEMA_URLCONF)


def add_links(operations: dict[str, dict[str, Any]]) -> None:
    for source, status, target, parameter, pointer in LINKS:
        if source not in operations or target not in operations:
            continue
        response = operations[source]["responses"].get(status)
        if response is None:
            continue
        response.setdefault("links", {})[target] = {
            "operationId": target,
            "parameters": {parameter: f"$response.body#{pointer}"},
            "description": f"Baca yang baru saja dibuat: `{parameter}` dari jawaban ini.",
        }


def add_examples(operations: dict[str, dict[str, Any]]) -> None:
    for operation_id, examples in EXAMPLES.items():
        operation = operations.get(operation_id)
        if operation is None:
            continue
        for name, example in examples.get("request", {}).items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:  # form encodings cannot carry nested objects
                content["application/json"].setdefault("examples", {})[name] = example
        for status, named in examples.get("responses", {}).items():
            for media in operation["responses"].get(status, {}).get("content", {}).values():
                media.setdefault("examples", {}).update(named)


def postprocess(result: dict[str, Any], generator: Any, **kwargs: Any) -> dict[str, Any]:
    operations = _operations(result)
    if _is_tenant_site(generator) and "Error" in result.get("components", {}).get("schemas", {}):
        locked = error_response("423", {"$ref": "#/components/schemas/Error"})
        for operation in operations.values():
            operation["responses"].setdefault("423", locked)
    add_links(operations)
    add_examples(operations)
    return result

"""The `public_face` import contract (config/import_contracts.py) finds imports of another
app's internals and accepts its services, selectors, events, models and the listed exceptions."""

from __future__ import annotations

from typing import Any

import grimp

from config.import_contracts import PublicFaceContract


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        for module in (importer, imported):
            graph.add_module(module)
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="import x")
    return graph


def _contract(**options: Any) -> PublicFaceContract:
    contract_options: dict[str, Any] = {
        "container": "apps",
        "public": ["services", "selectors", "events", "models"],
        "extra_public": ["apps.accounts.roles"],
        "shared": ["apps.core"],
        "exempt": ["apps.demo"],
        **options,
    }
    return PublicFaceContract(
        name="face", session_options={"root_packages": ["apps"]}, contract_options=contract_options
    )


def _violations(graph: grimp.ImportGraph, **options: Any) -> list[tuple[str, str]]:
    check = _contract(**options).check(graph, verbose=False)
    found = [(v["importer"], v["imported"]) for v in check.metadata["violations"]]
    assert check.kept == (not found)
    return found


def test_public_modules_shared_kernel_and_exempt_importers_are_allowed() -> None:
    graph = _graph(
        ("apps.marketplace.views", "apps.payments.services"),
        ("apps.marketplace.services.checkout", "apps.payments.services.requests"),
        ("apps.marketplace.receivers", "apps.payments.events"),
        ("apps.marketplace.models", "apps.payments.models"),
        ("apps.marketplace.selectors", "apps.accounts.roles"),
        ("apps.marketplace.views", "apps.core.errors"),
        ("apps.marketplace.views", "apps.marketplace.forms"),  # inside one app
        ("apps.demo.seed", "apps.marketplace.demo"),
        ("apps.marketplace.migrations.0002_x", "apps.payments.gateways"),
    )
    assert _violations(graph) == []


def test_an_internal_module_of_another_app_is_a_violation() -> None:
    graph = _graph(
        ("apps.marketplace.views", "apps.payments.gateways"),
        ("apps.community.services", "apps.payments.tasks"),
        ("apps.reports.demo", "apps.accounts.demo_lock"),
    )
    assert sorted(_violations(graph)) == [
        ("apps.community.services", "apps.payments.tasks"),
        ("apps.marketplace.views", "apps.payments.gateways"),
        ("apps.reports.demo", "apps.accounts.demo_lock"),
    ]


def test_listed_exceptions_are_ignored() -> None:
    graph = _graph(("apps.marketplace.views", "apps.payments.gateways"))
    assert _violations(graph, ignore_imports=["apps.marketplace.views -> apps.payments.gateways"]) == []

"""The `public_face` import contract (registered in .importlinter, checked by `lint-imports`).

An app is used by the other apps only through its public face: `services` (writes),
`selectors` (reads), `events` (typed events) and `models` (foreign keys and querysets), plus the
few shared vocabularies listed in `extra_public` (e.g. `apps.accounts.roles`). `shared`
packages (apps.core, apps.facts) are the kernel every app may use whole; `exempt` importers are
the orchestrators above every app (the demo seeder, the job housekeeping), which by design call
each app's own demo module or job runner. Anything else is listed, with its reason, in
`ignore_imports`: the explicit list of exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from grimp import ImportGraph
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _app(module: str, container: str) -> str:
    """`apps.payments` for `apps.payments.services.ledger` (container `apps`)."""
    rest = module[len(container) + 1 :].split(".")
    return f"{container}.{rest[0]}"


def _face(module: str, app: str) -> str:
    """The top-level submodule of `app` that `module` is in ("" for the app package itself)."""
    rest = module[len(app) + 1 :]
    return rest.split(".")[0] if rest else ""


def _names(value: object) -> set[str]:
    """A set field's values (the fields are descriptors typed as Field, holding sets)."""
    return {str(name) for name in cast(Iterable[object], value or ())}


def _within(module: str, packages: set[str]) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


class PublicFaceContract(Contract):
    type_name = "public_face"

    container = fields.StringField()
    public = fields.SetField(subfield=fields.StringField())
    extra_public = fields.SetField(subfield=fields.StringField(), required=False)
    shared = fields.SetField(subfield=fields.StringField(), required=False)
    exempt = fields.SetField(subfield=fields.StringField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        container = str(self.container)
        public, extra = _names(self.public), _names(self.extra_public)
        shared, exempt = _names(self.shared), _names(self.exempt)
        prefix = container + "."
        violations: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            if not importer.startswith(prefix) or _within(importer, exempt) or ".migrations." in importer:
                continue
            importer_app = _app(importer, container)
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if not imported.startswith(prefix):
                    continue
                app = _app(imported, container)
                if app == importer_app or _within(app, shared) or _within(imported, extra):
                    continue
                if _face(imported, app) in public or _face(imported, app) == "":
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                violations.append(
                    {"importer": importer, "imported": imported, "lines": sorted(d["line_number"] for d in details)}
                )
        return ContractCheck(
            kept=not violations,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"violations": violations},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            lines = ", ".join(str(line) for line in violation["lines"])
            output.print_error(
                f"{violation['importer']} -> {violation['imported']} (l. {lines}): not the app's public face",
                bold=False,
            )
            output.new_line()

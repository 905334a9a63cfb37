"""A restored tenant gets its sandbox rows back, under its (possibly new) schema name
(apps.tenancy.events; registered in ready())."""

from __future__ import annotations

from apps.tenancy.events import Restoring

from .models import SandboxDelivery, SandboxNib, SandboxTransaction

LABELS = {
    "sandbox.sandboxtransaction": SandboxTransaction,
    "sandbox.sandboxnib": SandboxNib,
    "sandbox.sandboxdelivery": SandboxDelivery,
}


def restore_public_rows(restoring: Restoring) -> None:
    schema = restoring.tenant.schema_name
    for label, model in LABELS.items():
        if f"public/{label}.json" not in restoring.opened.manifest.get("members", {}):
            continue  # an archive written before the sandboxes moved to public (2026-12)
        rows = restoring.objects(label)
        for row in rows:
            row.pk, row.schema_name = None, schema
        model.all_schemas.bulk_create(rows)

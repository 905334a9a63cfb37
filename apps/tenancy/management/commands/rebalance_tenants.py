from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.core.progress import Progress
from apps.tenancy import placement
from apps.tenancy.models import Tenant, TenantOperationJob


class Command(BaseCommand):
    help = (
        "Print the database nodes with their tenants (count, size) and a plan of tenant moves that "
        "evens them out; --apply makes the moves one after another, online (citus_schema_move), "
        "each as a move job the operator pages show. On plain PostgreSQL there is one node."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--by", choices=["size", "count"], default="size", help="Even out size or tenant count")
        parser.add_argument(
            "--threshold", type=float, default=0.1, help="By size: stop when nodes differ by less than this share"
        )
        parser.add_argument("--max-moves", type=int, default=20)
        parser.add_argument("--apply", action="store_true", help="Make the planned moves now")
        parser.add_argument("--transfer-mode", choices=list(placement.TRANSFER_MODES), default="auto")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        if not placement.is_citus():
            node = placement.nodes()[0]
            self.stdout.write(f"One node ({node.label}, plain PostgreSQL): every tenant is on it, nothing to move.")
            return
        for load in placement.node_loads():
            role = " coordinator" if load.node.coordinator else ""
            accepts = "" if load.node.active and load.node.holds_tenants else " (takes no tenants)"
            self.stdout.write(
                f"{load.node.label}{role}{accepts}: {load.tenants} tenants, {filesizeformat(load.size_bytes)}"
            )
        plan = placement.rebalance_plan(
            by=options["by"], threshold=options["threshold"], max_moves=options["max_moves"]
        )
        if not plan:
            self.stdout.write(self.style.SUCCESS("Balanced: no move needed."))
            return
        self.stdout.write(f"Plan ({len(plan)} moves, by {options['by']}):")
        for move in plan:
            self.stdout.write(
                f"  {move.schema_name}: {move.source.label} -> {move.target.label} ({filesizeformat(move.size_bytes)})"
            )
        if not options["apply"]:
            self.stdout.write("Run again with --apply to make these moves.")
            return
        self._apply(plan, options["transfer_mode"])

    def _apply(self, plan: list[placement.PlannedMove], transfer_mode: str) -> None:
        progress = Progress(len(plan), out=self.stdout, label="rebalance ")
        failed = []
        for move in plan:
            tenant = Tenant.objects.filter(schema_name=move.schema_name).first()
            if tenant is None:
                progress.step(ok=False, note=f"{move.schema_name}: tenant gone")
                continue
            self.stdout.write(f"{move.schema_name} -> {move.target.label}")
            try:
                job = placement.move_tenant(tenant, move.target.label, transfer_mode=transfer_mode, out=self.stdout)
            except DomainError as exc:
                progress.step(ok=False, note=f"{move.schema_name}: {exc.message}")
                failed.append(move.schema_name)
                continue
            ok = job.status == TenantOperationJob.Status.DONE
            if not ok:
                failed.append(move.schema_name)
            note = f"{move.schema_name}: job {job.pk} {job.get_status_display()} {job.error}".rstrip()
            progress.step(ok=ok, note=note)
        if failed:
            raise CommandError(f"{len(failed)} move(s) failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS(f"{len(plan)} tenant(s) moved."))

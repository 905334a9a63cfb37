import os
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from apps.core.db import connection
from apps.tenancy import archives, schemas, services
from apps.tenancy.models import Tenant


class Command(BaseCommand):
    help = (
        "Write an archive (the format restore_tenant reads) of every active tenant, without removing "
        "anything, into BACKUP_DIR/<YYYY-MM-DD>/; then delete dated folders older than --keep-days."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dir", type=Path, default=None, help="default: TENANT_BACKUP_DIR")
        parser.add_argument("--keep-days", type=int, default=None, help="default: TENANT_BACKUP_KEEP_DAYS")
        parser.add_argument(
            "--whole-database",
            action="store_true",
            help="also write database.dump: pg_dump --format=custom of the whole database (every schema)",
        )
        parser.add_argument("codes", nargs="*", help="only these region codes (default: every active tenant)")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        root = Path(options["dir"] or settings.TENANT_BACKUP_DIR)
        keep = settings.TENANT_BACKUP_KEEP_DAYS if options["keep_days"] is None else options["keep_days"]
        if keep < 1:
            raise CommandError("--keep-days must be at least 1.")
        tenants = Tenant.objects.filter(status=Tenant.Status.ACTIVE).exclude(tenant_type=Tenant.Type.PUBLIC)
        if options["codes"]:
            tenants = tenants.filter(region_id__in=[services.get_region(c).code for c in options["codes"]])
        today = root / timezone.localdate().isoformat()
        failed = []
        for tenant in tenants.order_by("region_id"):
            try:
                written = archives.write_archive(tenant, today)
            except Exception as exc:  # one tenant's failure must not stop the others' backups
                failed.append(tenant.schema_name)
                self.stderr.write(f"{tenant.schema_name}: {exc}")
                continue
            self.stdout.write(f"{tenant.schema_name}: {written.path} ({written.size_bytes} bytes, {written.sha256})")
        if options["whole_database"]:
            try:
                self.stdout.write(f"database: {dump_database(today)}")
            except Exception as exc:
                failed.append("database")
                self.stderr.write(f"database: {exc}")
        removed = prune(root, keep)
        if removed:
            self.stdout.write(f"pruned {len(removed)} folder(s) older than {keep} days")
        if failed:
            raise CommandError(f"backup failed for {len(failed)} tenant(s): {', '.join(failed)}")


def dump_database(folder: Path) -> Path:
    """pg_dump of the whole database (server's major version), renamed into place when complete."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "database.dump"
    partial = folder / ".database.dump.partial"
    try:
        schemas.run_pg_dump("--format=custom", f"--file={partial}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def prune(root: Path, keep_days: int) -> list[Path]:
    """Delete dated folders (YYYY-MM-DD) older than `keep_days`; nothing else is touched."""
    cutoff = timezone.localdate() - timedelta(days=keep_days)
    removed = []
    for folder in sorted(root.glob("????-??-??")):
        try:
            day = date.fromisoformat(folder.name)
        except ValueError:
            continue
        if folder.is_dir() and day < cutoff:
            shutil.rmtree(folder)
            removed.append(folder)
    return removed

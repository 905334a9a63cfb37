"""Tenant archives: one tar.gz holding everything a tenant is, restorable on its own.

Members of `<schema>-<stamp>.tar.gz` (format 2, written by default):

* `data/<table>.copy`: every table of the tenant's schema as `COPY ... TO STDOUT`, all read in
  one snapshot, with the schema's migration state and sequence positions in the manifest
  (`schema_copy`: no pg_dump, whose catalog reads grow with every tenant in the database);
* `public/<app_label>.<model>.json`: the tenant's rows in the public schema (Django's JSON
  serializer), listed in `PUBLIC_ROWS`;
* `files/public/<name>`, `files/private/<name>`: every stored file under the tenant's
  `<schema>/` prefix in both storages (local disk or S3);
* format 1 (still read and restored; written only when a `dump` function is passed): instead of
  `data/`, `schema.dump`, a `pg_dump --format=custom` of the schema;
* `manifest.json`: format version, tenant code, schema, type, server version, created_at, row
  counts per table (schema tables and public models), and the sha256 of every other member.

The writer and `read_archive` are plain functions with an optional progress callback, so a
Celery task can wrap them; `services.remove_tenant` and `manage.py backup_tenants` write,
`restore.restore_archive` reads.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Model, Q, QuerySet
from django.utils import timezone

from apps.core.db import connection
from apps.core.files.storages import KINDS, PRIVATE, PUBLIC, private_storage, public_storage

from . import citus, schema_copy, schemas
from .models import Tenant

FORMAT = 2
LEGACY_FORMAT = 1  # schema.dump (pg_dump)
MANIFEST = "manifest.json"
DUMP = "schema.dump"

Progress = Callable[[str], None]

# A lookup of PUBLIC_ROWS: the row belongs to the tenant at its `kelurahan` or its `kota` end.
EITHER_END = "kelurahan|kota"

# Every public-schema row that belongs to one tenant: (model label, lookup to the tenant).
# `tests/test_backup.py` fails when a public model gains a tenant FK that is not listed here.
# Not listed on purpose: `discovery.Listing.kota` (another kelurahan's listing that names this
# kota; it is SET_NULL on removal and re-linked by the listing resync).
PUBLIC_ROWS: tuple[tuple[str, str], ...] = (
    ("tenancy.tenant", "pk"),
    ("tenancy.domain", "tenant"),
    ("tenancy.demoseed", "schema_name"),
    # The due-work index: archived for the record, not restored (a restore makes every sweep of
    # the tenant due at once, and the sweeps write the true times from the restored tables).
    ("tenancy.duework", "tenant"),
    # Routes of kota levy bills (apps.levies): archived and removed with the payer's kelurahan
    # and with the issuing kota (either end: `EITHER_END`), put back on restore
    # (restore._restore_routes) while the other end exists.
    ("tenancy.levybillroute", EITHER_END),
    # Routes of UMKM invoices to a kota's OPDs (apps.invoicing): the same, at the seller's
    # kelurahan and at the buying kota (restore._restore_routes).
    ("tenancy.invoiceroute", EITHER_END),
    ("analytics.dailyfact", "tenant"),
    ("discovery.listing", "tenant"),
    ("billing.tenantstatusevent", "tenant"),
    ("billing.invoice", "tenant"),
    ("billing.invoiceline", "invoice__tenant"),
    # The local sandboxes of outside services (apps.sandbox), keyed by schema name: archived,
    # removed with the tenant and put back on restore (throw-away test data, but a restored
    # demo tenant keeps its sandbox NIBs and transactions consistent with its own tables).
    ("sandbox.sandboxtransaction", "schema_name"),
    ("sandbox.sandboxnib", "schema_name"),
    ("sandbox.sandboxdelivery", "schema_name"),
    # How the tenant reaches OSS and WhatsApp/SMS/Telegram (apps.integrations; they were tables of
    # its schema until permits.0011/notifications.0008): archived, removed with the tenant, put
    # back on restore by tenancy itself (restore._restore_public_rows: the app sits below tenancy).
    ("integrations.serviceconfig", "schema_name"),
)
# Rows that outlive a removed tenant (billing records; their FK is SET_NULL): archived, not deleted.
KEPT_ON_REMOVAL = frozenset({"billing.invoice", "billing.invoiceline"})


class ArchiveError(Exception):
    """The archive is unreadable, incomplete or does not match its manifest."""


def public_rows(tenant: Tenant, label: str, lookup: str) -> QuerySet[Model]:
    model = apps.get_model(label)
    value: Any = tenant.schema_name if lookup == "schema_name" else tenant.pk
    # The base manager: a default manager may narrow to the current schema (apps.sandbox).
    if "|" in lookup:  # any of several FKs (EITHER_END)
        either = Q()
        for field in lookup.split("|"):
            either |= Q(**{field: value})
        return model._base_manager.filter(either).order_by("pk")
    return model._base_manager.filter(**{lookup: value}).order_by("pk")


def sha256_of(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    return digest.hexdigest()


def storages_by_kind() -> dict[str, Storage]:
    return {PUBLIC: public_storage(), PRIVATE: private_storage()}


def stored_files(storage: Storage, path: str = "") -> Iterator[str]:
    """Every name under the current tenant's prefix (recursive; works on disk and on S3)."""
    try:
        directories, files = storage.listdir(path)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{path}{name}"
    for directory in sorted(directories):
        yield from stored_files(storage, f"{path}{directory}/")


def schema_table_counts(schema_name: str) -> dict[str, int]:
    """Exact row count of every table in the schema (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema_name],
        )
        tables = [row[0] for row in cursor.fetchall()]
        if not tables:
            return {}
        quote = connection.ops.quote_name
        cursor.execute(
            " UNION ALL ".join(f"SELECT %s, count(*) FROM {quote(schema_name)}.{quote(t)}" for t in tables), tables
        )
        return {name: int(count) for name, count in cursor.fetchall()}


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


@dataclass
class WrittenArchive:
    path: Path
    sha256: str
    size_bytes: int
    manifest: dict[str, Any]
    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> names archived


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, members: dict[str, str]) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(timezone.now().timestamp())
    tar.addfile(info, io.BytesIO(data))
    members[name] = hashlib.sha256(data).hexdigest()


def _pg_dump_schema(schema_name: str, target: Path, snapshot: str = "") -> None:
    extra = [f"--snapshot={snapshot}"] if snapshot else []
    schemas.run_pg_dump("--format=custom", f"--schema={schema_name}", f"--file={target}", *extra)


def _dump_and_count(schema_name: str, target: Path, dump: Callable[..., None]) -> dict[str, int]:
    """Dump the schema and count its rows in the same snapshot, so the manifest's counts are
    exactly what the dump holds. Inside the caller's transaction (removal: writes are locked
    out, nothing can change) the dump runs as is; otherwise a REPEATABLE READ transaction
    exports its snapshot and pg_dump reads that one (`--snapshot`)."""
    if connection.in_atomic_block:
        dump(schema_name, target)
        return schema_table_counts(schema_name)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = str(cursor.fetchone()[0])
        dump(schema_name, target, snapshot)
        return schema_table_counts(schema_name)


def write_archive(
    tenant: Tenant,
    target_dir: Path | None = None,
    *,
    progress: Progress | None = None,
    dump: Callable[..., None] | None = None,
) -> WrittenArchive:
    """Write the tenant's archive and return it. Reads committed data only, all of the schema
    in one snapshot (the caller's transaction when there is one); the caller decides whether
    writes must be stopped first (removal does, a scheduled backup does not: it is a consistent
    snapshot of the schema, not of the files). `dump` (e.g. `services.dump_schema`) writes the
    old format 1 with pg_dump instead of the COPY data.

    The tarball is built under a temporary name in the same directory and renamed at the end,
    so a file with the final name is always complete.
    """
    note = progress or (lambda message: None)
    target_dir = Path(target_dir or settings.TENANT_ARCHIVE_DIR)
    target_dir.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    stamp = created.strftime("%Y%m%dT%H%M%S%f")
    final = target_dir / f"{tenant.schema_name}-{stamp}.tar.gz"
    members: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {"schema": {}, "public": {}}
    archived: dict[str, list[str]] = {kind: [] for kind in KINDS}
    work = Path(tempfile.mkdtemp(prefix=".archive-", dir=target_dir))
    partial = target_dir / f".{final.name}.partial"
    schema_data: dict[str, Any] = {}
    if dump is None and citus.is_citus(connection):
        # Restoring a COPY archive into a distributed schema is not reliable yet (the template's
        # rows survive the TRUNCATE of the target on Citus: duplicate keys); pg_dump archives
        # restore there (restore.py builds them locally, then distributes).
        dump = _pg_dump_schema
    try:
        if dump is None:
            note("copy")
            schema_data = schema_copy.snapshot(
                lambda: schema_copy.dump_schema_data(tenant.schema_name, tenant.tenant_type, work)
            )
            counts["schema"] = {table["name"]: table["rows"] for table in schema_data["tables"]}
            schema_files = [
                f"{schema_copy.DATA_DIR}/{table['name']}.copy" for table in schema_data["tables"] if table["rows"]
            ]
        else:
            note("pg_dump")
            counts["schema"] = _dump_and_count(tenant.schema_name, work / DUMP, dump)
            schema_files = [DUMP]
        with tarfile.open(partial, "w:gz") as tar:
            for name in schema_files:
                with (work / name).open("rb") as stream:
                    members[name] = sha256_of(stream)
                tar.add(work / name, arcname=name)
            note("public rows")
            for label, lookup in PUBLIC_ROWS:
                rows = list(public_rows(tenant, label, lookup))
                counts["public"][label] = len(rows)
                _add_bytes(tar, f"public/{label}.json", serializers.serialize("json", rows).encode(), members)
            note("files")
            with tenant:
                for kind, storage in storages_by_kind().items():
                    for name in stored_files(storage):
                        with storage.open(name, "rb") as stream:
                            data = stream.read()
                        _add_bytes(tar, f"files/{kind}/{name}", data, members)
                        archived[kind].append(name)
            manifest = {
                "format": FORMAT if dump is None else LEGACY_FORMAT,
                "code": tenant.region_id or "",
                "schema": tenant.schema_name,
                "tenant_type": tenant.tenant_type,
                "name": tenant.name,
                "slug": tenant.slug,
                "status": tenant.status,
                "server_version": server_version(),
                "server_version_num": connection.pg_version,
                "created_at": created.isoformat(),
                "counts": counts,
                "files": {kind: len(names) for kind, names in archived.items()},
                "members": members,
            }
            if schema_data:
                manifest["schema_data"] = schema_data
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=2, sort_keys=True).encode(), {})
        with partial.open("rb") as stream:
            digest = sha256_of(stream)
        os.replace(partial, final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        partial.unlink(missing_ok=True)
    note(f"written {final}")
    return WrittenArchive(final, digest, final.stat().st_size, manifest, archived)


def delete_stored_files(tenant: Tenant) -> int:
    """Delete every stored file under the tenant's prefix, in both storages."""
    deleted = 0
    with tenant:
        for kind, storage in storages_by_kind().items():
            for name in list(stored_files(storage)):
                storage.delete(name)
                deleted += 1
            if settings.KOTAKITA_STORAGE != "s3":
                shutil.rmtree(Path(settings.MEDIA_ROOT) / kind / tenant.schema_name, ignore_errors=True)
    return deleted


# --- reading --------------------------------------------------------------------------------


@dataclass
class OpenedArchive:
    """An archive unpacked into `folder` after every member matched its manifest checksum."""

    folder: Path
    manifest: dict[str, Any]

    @property
    def dump(self) -> Path:
        return self.folder / DUMP

    @property
    def format(self) -> int:
        return int(self.manifest["format"])

    def public_json(self, label: str) -> str:
        return (self.folder / "public" / f"{label}.json").read_text()

    def files(self, kind: str) -> list[str]:
        prefix = f"files/{kind}/"
        return sorted(name[len(prefix) :] for name in self.manifest["members"] if name.startswith(prefix))

    def file_path(self, kind: str, name: str) -> Path:
        return self.folder / "files" / kind / name


def read_archive(path: Path, folder: Path, *, progress: Progress | None = None) -> OpenedArchive:
    """Unpack `path` into `folder` and verify it: refuses unsafe member names, members missing
    from the manifest or the archive, and any checksum mismatch."""
    note = progress or (lambda message: None)
    try:
        with tarfile.open(path, "r:gz") as tar:
            names = tar.getnames()
            if MANIFEST not in names:
                raise ArchiveError(f"{path}: no {MANIFEST}")
            for member in tar.getmembers():
                if not member.isfile():
                    raise ArchiveError(f"{path}: unexpected member {member.name}")
            tar.extractall(folder, filter="data")  # "data" refuses absolute paths, .. and links
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{path}: unreadable archive ({exc})") from exc
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except ValueError as exc:
        raise ArchiveError(f"{path}: manifest is not JSON") from exc
    if manifest.get("format") not in (FORMAT, LEGACY_FORMAT):
        raise ArchiveError(f"{path}: unknown archive format {manifest.get('format')!r}")
    expected: dict[str, str] = manifest.get("members", {})
    present = {name for name in names if name != MANIFEST}
    if present != set(expected):
        raise ArchiveError(f"{path}: members differ from the manifest: {sorted(present ^ set(expected))[:5]}")
    note("checksums")
    for name, digest in expected.items():
        with (folder / name).open("rb") as stream:
            if sha256_of(stream) != digest:
                raise ArchiveError(f"{path}: checksum mismatch for {name}")
    return OpenedArchive(folder, manifest)

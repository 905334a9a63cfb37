"""Restore a tenant from its archive (apps.tenancy.archives) into an empty schema.

Order, and what is undone when a step fails (no half tenant is ever left behind):

1. unpack and verify every member's sha256 against the manifest (a corrupted archive is
   refused before anything is touched);
2. refuse a live target: the schema, a tenant of the region, the subdomain or a domain exist;
3. the schema, in ONE transaction: a fresh schema at the archive's migration state (a pooled
   schema renamed, or a clone of the template; an archive from an older migration state gets
   a schema migrated to that state and is migrated forward after its data is in), filled with
   the COPY data (`schema_copy.load_schema_data`: every table's row count checked). A format-1
   archive (pg_dump) instead goes through `pg_restore` (server's major version) and `psql` in
   ONE transaction (`--single-transaction`, stop on the first error), renamed to the new schema
   when restoring `--as` another code, then its row counts are checked against the manifest.
   On Citus a format-1 schema is restored locally and distributed at the end of that
   transaction. On any failure the schema is dropped;
4. in one database transaction: the tenant row, domains and the other public rows, and the
   stored files; if any of it fails the transaction rolls back, the files written so far are
   deleted and the schema is dropped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files import File
from django.db import transaction
from django_tenants.utils import schema_exists

from apps.core import cache_scopes
from apps.core.db import connection
from apps.integrations.models import ServiceConfig

from . import archives, citus, events, fanout, regions, schema_copy, schemas, services
from .models import DemoSeed, Domain, Region, Tenant

Progress = archives.Progress


class RestoreRefused(Exception):
    """The archive is corrupted, or the target is not empty: nothing was changed."""


def _objects(opened: archives.OpenedArchive, label: str) -> list[Any]:
    return [item.object for item in serializers.deserialize("json", opened.public_json(label))]


def rename_schema_in_sql(sql: str, old: str, new: str) -> str:
    """Rename the schema in pg_restore's SQL, everywhere except inside COPY data (row values
    that happen to contain the old name are data and stay as they are)."""
    if old == new:
        return sql
    pattern = re.compile(rf"\b{re.escape(old)}\b")
    out: list[str] = []
    in_copy = False
    for line in sql.splitlines(keepends=True):
        if in_copy:
            in_copy = line.rstrip("\n") != "\\."
            out.append(line)
            continue
        if line.startswith("COPY ") and line.rstrip().endswith("FROM stdin;"):
            in_copy = True
        out.append(pattern.sub(new, line))
    return "".join(out)


def restore_schema(dump: Path, old_schema: str, new_schema: str) -> None:
    """Recreate the dumped schema as `new_schema`, all or nothing."""
    converted = subprocess.run(
        [schemas.pg_restore_binary(), "--no-owner", "--no-privileges", "--file=-", str(dump)],
        capture_output=True,
        env=schemas.client_env(),
        check=False,
    )
    if converted.returncode != 0:
        raise RuntimeError(f"pg_restore failed: {converted.stderr.decode(errors='replace').strip()}")
    sql = rename_schema_in_sql(converted.stdout.decode(), old_schema, new_schema)
    if citus.is_citus(connection):
        # Restored as a local schema on the coordinator, then distributed whole, in the same
        # transaction: a dump replayed into a distributed schema fails (apps.tenancy.citus).
        body, triggers = citus.triggers_last(sql)
        sql = f"SET {citus.SHARDING} = off;\n{body}\n{citus.distribute_sql(new_schema)}{triggers}"
    psql = schemas.pg_client_binary("psql")
    cmd = [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set=ON_ERROR_STOP=1", "--file=-"]
    result = subprocess.run(
        [*cmd, *schemas.connection_args("--dbname")],
        input=sql.encode(),
        capture_output=True,
        env=schemas.client_env(),
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"psql failed restoring {new_schema}: {result.stderr.decode(errors='replace').strip()}")


def restore_schema_data(opened: archives.OpenedArchive, schema: str) -> None:
    """Create `schema` at the archive's migration state and load the archive's COPY data into
    it (format 2). The caller drops the schema if this raises."""
    manifest = opened.manifest
    kind = str(manifest["tenant_type"])
    part = manifest["schema_data"]
    archived = set(part["migrations"])
    template = schemas.template_schema(kind)
    if archived == schema_copy.migration_state(template):
        with transaction.atomic():
            _fresh_schema(kind, schema, archived)
            schema_copy.load_schema_data(schema, opened.folder, part)
        if settings.TENANT_SCHEMA_POOL_REFILL:
            from apps.core.tasks import publish

            from .tasks import refill_schema_pool

            publish(refill_schema_pool, kind)
        return
    # Another migration state: the schema is migrated to the archive's state, loaded, and
    # migrated forward to the current one (what a database restored from last week's backup
    # goes through at the next deploy).
    schema_copy.migrate_to(schema, kind, archived)
    with transaction.atomic():
        schema_copy.load_schema_data(schema, opened.folder, part)
    schema_copy.migrate_forward(schema, kind)


def _fresh_schema(kind: str, schema: str, archived: set[str]) -> None:
    """A pooled schema at exactly the archive's state, renamed; else a clone of the template
    (same state, checked by the caller). Inside the caller's transaction."""
    with transaction.atomic():  # a savepoint: a pooled schema at another state goes back
        pooled = schemas.take_pooled_schema(kind)
        if pooled and schema_copy.migration_state(pooled) == archived:
            schemas.rename_schema(pooled, schema)
            return
        transaction.set_rollback(True)
    schemas.clone_template(kind, schema)


def _refuse_live_target(schema: str, region: Region, slug: str, domains: Iterable[str]) -> None:
    if schema_exists(schema):
        raise RestoreRefused(f"Schema {schema} already exists: restore only into an empty schema.")
    if Tenant.objects.filter(region=region).exists() or Tenant.objects.filter(schema_name=schema).exists():
        raise RestoreRefused(f"{region} is already a tenant: remove it first or restore with --as CODE.")
    if Tenant.objects.filter(slug=slug).exists():
        raise RestoreRefused(f"The subdomain {slug} belongs to another tenant: restore with --as CODE.")
    taken = sorted(Domain.objects.filter(domain__in=list(domains)).values_list("domain", flat=True))
    if taken:
        raise RestoreRefused(f"Domain(s) {', '.join(taken)} belong to another tenant: restore with --as CODE.")


def drop_orphan_schema(schema: str) -> bool:
    """Drop `schema` if it exists and no tenant row uses it: what a restore killed between its
    two commits (psql's schema, then the public rows) leaves behind. Only a resumed restore of
    the same archive calls this; a pool schema is never touched."""
    if schema.startswith(schemas.POOL_PREFIX) or not schema_exists(schema):
        return False
    if Tenant.objects.filter(schema_name=schema).exists():
        return False
    schemas.drop_schema(schema)
    return True


def restore_archive(
    path: Path,
    *,
    as_code: str = "",
    progress: Progress | None = None,
    resume: bool = False,
    on_restored: Callable[[Tenant], None] | None = None,
) -> Tenant:
    """Restore the archive at `path` (under the region `as_code` when given); returns the tenant.

    `resume`: an earlier attempt of this same restore was killed; a schema it restored without
    its tenant row is dropped first (`drop_orphan_schema`). `on_restored(tenant)` runs inside
    the transaction that writes the tenant row (a job records its result with it)."""
    if absent := events.missing_restorers():  # an app's public rows would silently stay behind
        raise RuntimeError(f"no tenant restorer registered for: {', '.join(sorted(absent))} (apps.tenancy.events)")
    note = progress or (lambda message: None)
    connection.set_schema_to_public()  # tenant rows are written from public only
    folder = Path(tempfile.mkdtemp(prefix="kotakita-restore-"))
    try:
        note("verify")
        try:
            opened = archives.read_archive(Path(path), folder, progress=progress)
        except archives.ArchiveError as exc:
            raise RestoreRefused(f"Corrupted archive, nothing restored: {exc}") from exc
        return _restore(opened, as_code, note, resume=resume, on_restored=on_restored)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _restore(
    opened: archives.OpenedArchive,
    as_code: str,
    note: Progress,
    *,
    resume: bool = False,
    on_restored: Callable[[Tenant], None] | None = None,
) -> Tenant:
    manifest = opened.manifest
    if manifest["server_version_num"] // 10000 > connection.pg_version // 10000:
        raise RestoreRefused(
            f"The archive was written by PostgreSQL {manifest['server_version']}, newer than this server."
        )
    [archived_tenant] = _objects(opened, "tenancy.tenant")
    renamed = bool(as_code) and services.get_region(as_code).code != manifest["code"]
    region = services.get_region(as_code or manifest["code"])
    schema = regions.schema_name_for(region.code) if renamed else manifest["schema"]
    base = settings.KOTAKITA_BASE_DOMAIN
    archived_domains = _objects(opened, "tenancy.domain")
    if renamed:
        slug = services.propose_slug(region)
        domains = {f"{slug}.{base}": True}
    else:
        slug = archived_tenant.slug
        domains = {d.domain: d.is_primary for d in archived_domains}
    if resume and drop_orphan_schema(schema):
        note(f"dropped {schema} left by an interrupted restore")
    _refuse_live_target(schema, region, slug, domains)

    note("schema")
    if opened.format == archives.LEGACY_FORMAT:
        restore_schema(opened.dump, manifest["schema"], schema)
    written: list[tuple[str, str]] = []
    tenant: Tenant | None = None
    try:
        if opened.format == archives.LEGACY_FORMAT:
            counts = archives.schema_table_counts(schema)
            if counts != manifest["counts"]["schema"]:
                diff = {t: (counts.get(t), n) for t, n in manifest["counts"]["schema"].items() if counts.get(t) != n}
                raise RuntimeError(f"restored row counts differ from the manifest: {diff}")
        else:
            restore_schema_data(opened, schema)
        with transaction.atomic():
            note("public rows")
            tenant = _restore_public_rows(opened, archived_tenant, region, schema, slug, domains, renamed)
            note("files")
            with tenant:
                for kind, storage in archives.storages_by_kind().items():
                    for name in opened.files(kind):
                        with opened.file_path(kind, name).open("rb") as stream:
                            saved = storage.save(name, File(stream, name=name))
                        written.append((kind, saved))
                        if saved != name:
                            raise RuntimeError(f"{kind} file {name} already existed (stored as {saved})")
            if on_restored is not None:
                on_restored(tenant)
    except BaseException:
        if tenant is not None and written:
            with tenant:
                storages = archives.storages_by_kind()
                for kind, name in written:
                    storages[kind].delete(name)
        schemas.drop_schema(schema)
        raise
    note(f"restored {tenant.schema_name}")
    return tenant


def _restore_routes(opened: archives.OpenedArchive, tenant: Tenant, label: str, unique: str) -> None:
    """The public routes between the restored tenant and the other end (`label`: levy bill routes,
    OPD invoice routes). For a kelurahan they are its own documents' routes (its copies of kota
    bills, its UMKM's invoices to OPDs), for a kota the documents it issued or received. A route
    whose other end is gone, or whose `unique` value (bill number, token) meanwhile went to
    another route, stays in the archive."""
    try:
        routes = _objects(opened, label)
    except FileNotFoundError:  # an archive written before such routes existed
        return
    model = apps.get_model(label)
    is_kota = tenant.tenant_type == Tenant.Type.KOTA
    other_type = Tenant.Type.KELURAHAN if is_kota else Tenant.Type.KOTA
    others = set(Tenant.objects.filter(tenant_type=other_type).values_list("pk", flat=True))
    for route in routes:
        other_end = route.kelurahan_id if is_kota else route.kota_id
        if other_end in others and not model.objects.filter(**{unique: getattr(route, unique)}).exists():
            route.pk = None
            if is_kota:
                route.kota = tenant
            else:
                route.kelurahan = tenant
            route.save(force_insert=True)


def _restore_public_rows(
    opened: archives.OpenedArchive,
    archived: Tenant,
    region: Region,
    schema: str,
    slug: str,
    domains: dict[str, bool],
    renamed: bool,
) -> Tenant:
    manifest = opened.manifest
    old_code, old_host = manifest["code"], f"{manifest['slug']}.{settings.KOTAKITA_BASE_DOMAIN}"
    new_host = f"{slug}.{settings.KOTAKITA_BASE_DOMAIN}"
    tenant = archived
    tenant.pk = None
    tenant.schema_name, tenant.region, tenant.slug, tenant.status = schema, region, slug, manifest["status"]
    if renamed:
        tenant.name = services._region_display_name(region)
        tenant.lat, tenant.lng = region.lat, region.lng
    if tenant.tenant_type == Tenant.Type.KELURAHAN:
        kota = services._kota_tenant_of(region)
        tenant.parent = kota
    else:
        tenant.parent = None
    tenant.save()
    # Its index rows went with the archived tenant: every sweep runs once in the restored schema
    # and writes the true times from its tables.
    fanout.mark_all_due(tenant_ids=[tenant.pk], spread=timedelta(seconds=1))
    if tenant.tenant_type == Tenant.Type.KOTA:
        Tenant.objects.filter(tenant_type=Tenant.Type.KELURAHAN, region__code__startswith=f"{region.code}.").update(
            parent=tenant
        )
    for domain, primary in domains.items():
        Domain.objects.create(domain=domain, tenant=tenant, is_primary=primary)

    def code_of(value: str) -> str:
        if renamed and (value == old_code or value.startswith(f"{old_code}.")):
            return region.code + value[len(old_code) :]
        return value

    context = events.Restoring(
        opened=opened, tenant=tenant, renamed=renamed, old_host=old_host, new_host=new_host, code_of=code_of
    )
    for restorer in events.restorers():
        restorer(context)
    with tenant:  # the restored rows replace whatever the cached public lists were built from
        cache_scopes.bump_all()
    _restore_routes(opened, tenant, "tenancy.levybillroute", "number")
    _restore_routes(opened, tenant, "tenancy.invoiceroute", "token")
    for seed in _objects(opened, "tenancy.demoseed"):
        DemoSeed.objects.update_or_create(schema_name=schema, defaults={"version": seed.version})
    _restore_service_configs(opened, schema)
    return tenant


def _restore_service_configs(opened: archives.OpenedArchive, schema: str) -> None:
    """The tenant's OSS and channel configs (apps.integrations), under its (possibly new) schema
    name. An archive written while they were tables of the schema has none: they are left out
    (schema_copy.RETIRED_TABLES) and the restored tenant uses the sandboxes until they are set."""
    try:
        configs = _objects(opened, "integrations.serviceconfig")
    except FileNotFoundError:  # an archive written before the configs left the schema
        return
    for config in configs:
        config.pk, config.schema_name = None, schema
    ServiceConfig.all_schemas.bulk_create(configs)

"""Tenant lifecycle: activate, suspend, reactivate, remove (archive first), bulk activation.

Every function here is the one place its change happens; admin actions, the API, management
commands and tests all call these.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import (
    create_user,
    forget_tenant_login_records,
    queue_set_password_email,
    set_password_path,
)
from apps.core import phones
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.progress import Progress
from apps.core.short_text import clean_short_text
from apps.idempotency import services as idempotency_records
from apps.websessions import services as websessions

from . import archives, events, regions, schemas
from .models import ActivationJob, Domain, Plan, Region, Tenant, TenantArchive, absolute_url

logger = logging.getLogger(__name__)

RESERVED_SLUGS = frozenset(
    {"www", "api", "admin", "static", "media", "mail", "smtp", "public", "platform", "operator", "app", "status"}
)


@dataclass(frozen=True)
class Activation:
    tenant: Tenant
    admin: User
    set_password_url: str
    from_pool: bool


# --- lookups and validation ---------------------------------------------------------------


def get_region(code: str) -> Region:
    try:
        normalized = regions.normalize(code)
    except regions.InvalidRegionCode:
        raise ValidationFailed(
            _("Kode wilayah “%(code)s” tidak valid. Format: PP.KK.CC.DDDD, misalnya 35.77.03.1001.") % {"code": code},
            code="invalid_region_code",
        ) from None
    region = Region.objects.filter(code=normalized).first()
    if region is None:
        raise NotFound(
            _("Kode wilayah %(code)s tidak ada dalam daftar Kemendagri.") % {"code": normalized},
            code="unknown_region",
        )
    return region


def tenant_type_for(region: Region, requested: str | None = None) -> str:
    if region.level == Region.Level.KABUPATEN_KOTA:
        kind = Tenant.Type.KOTA
    elif region.level == Region.Level.DESA_KELURAHAN:
        kind = Tenant.Type.KELURAHAN
    else:
        raise ValidationFailed(
            _("%(name)s adalah %(kind)s; yang bisa diaktifkan hanya kabupaten/kota atau desa/kelurahan.")
            % {"name": region.name, "kind": region.kind_label},
            code="wrong_region_level",
        )
    if requested and requested != kind:
        raise ValidationFailed(
            _("%(code)s %(name)s adalah %(kind)s, tidak bisa diaktifkan sebagai %(requested)s.")
            % {
                "code": region.code,
                "name": region.name,
                "kind": region.kind_label,
                "requested": Tenant.Type(requested).label if requested in Tenant.Type.values else requested,
            },
            code="wrong_tenant_type",
        )
    return str(kind)


def _slug_taken(slug: str) -> bool:
    host = f"{slug}.{settings.KOTAKITA_BASE_DOMAIN}"
    return Tenant.objects.filter(slug=slug).exists() or Domain.objects.filter(domain=host).exists()


def validate_slug(slug: str) -> str:
    clean = slug.strip().lower()
    if clean != slugify(clean) or not 3 <= len(clean) <= 63 or clean in RESERVED_SLUGS:
        raise ValidationFailed(
            _("Subdomain “%(slug)s” tidak valid: 3–63 huruf kecil, angka atau tanda hubung.") % {"slug": slug},
            code="invalid_slug",
        )
    if _slug_taken(clean):
        raise Conflict(_("Subdomain “%(slug)s” sudah dipakai.") % {"slug": clean}, code="slug_taken")
    return clean


def propose_slug(region: Region) -> str:
    """A free subdomain from the name; namesakes get their kecamatan, then kota, then code."""
    base = slugify(region.name)[:40] or "wilayah"
    candidates = [base]
    if region.level == Region.Level.DESA_KELURAHAN:
        kecamatan = Region.objects.filter(code=regions.parent_code(region.code)).first()
        kota = Region.objects.filter(code=regions.kota_code(region.code)).first()
        if kecamatan:
            candidates.append(f"{base}-{slugify(kecamatan.name)}"[:63])
        if kecamatan and kota:
            kota_short = slugify(kota.name.replace("Kabupaten ", "kab ").replace("Kota ", ""))
            candidates.append(f"{base}-{slugify(kecamatan.name)}-{kota_short}"[:63])
    candidates.append(f"{base}-{region.code.replace('.', '')}")
    for candidate in candidates:
        if candidate not in RESERVED_SLUGS and not _slug_taken(candidate):
            return candidate
    raise Conflict(_("Tidak ada subdomain bebas untuk %(name)s.") % {"name": region.name}, code="slug_taken")


# --- activation ---------------------------------------------------------------------------


def activate_region(
    code: str,
    *,
    tenant_type: str | None = None,
    slug: str | None = None,
    plan: str | None = None,
    admin_email: str = "",
    admin_name: str = "",
    actor: User | None = None,
    refill_pool: bool = True,
) -> Activation:
    """Make a desa/kelurahan or kabupaten/kota a tenant, in one transaction.

    The schema comes from the type's pool (renamed, milliseconds) or, when the pool is
    empty, from a clone of the type's template (seconds). Either way it is created inside
    the transaction, so a failure anywhere leaves no schema, tenant or domain behind.
    """
    region = get_region(code)
    kind = tenant_type_for(region, tenant_type)
    if Tenant.objects.filter(region=region).exists():
        raise Conflict(
            _("%(name)s (%(code)s) sudah aktif.") % {"name": region.name, "code": region.code},
            code="already_active",
        )
    chosen_slug = validate_slug(slug) if slug else propose_slug(region)
    if plan and plan not in Plan.values:
        raise ValidationFailed(_("Paket “%(plan)s” tidak dikenal.") % {"plan": plan}, code="unknown_plan")
    schema_name = regions.schema_name_for(region.code)

    try:
        with transaction.atomic():
            pooled = schemas.take_pooled_schema(kind)
            if pooled:
                schemas.rename_schema(pooled, schema_name)
            else:
                schemas.clone_template(kind, schema_name)
            tenant = Tenant.objects.create(
                schema_name=schema_name,
                tenant_type=kind,
                region=region,
                name=_region_display_name(region),
                slug=chosen_slug,
                parent=_kota_tenant_of(region) if kind == Tenant.Type.KELURAHAN else None,
                lat=region.lat,
                lng=region.lng,
                plan=plan or (Plan.CITY_SAAS if kind == Tenant.Type.KOTA else Plan.KELURAHAN_PILOT),
            )
            Domain.objects.create(domain=f"{chosen_slug}.{settings.KOTAKITA_BASE_DOMAIN}", tenant=tenant)
            if kind == Tenant.Type.KOTA:
                Tenant.objects.filter(
                    tenant_type=Tenant.Type.KELURAHAN, region__code__startswith=f"{region.code}."
                ).update(parent=tenant)
            with tenant:
                admin = create_user(
                    username="admin",
                    email=admin_email,
                    full_name=admin_name or _("Admin %(name)s") % {"name": tenant.name},
                    roles=[Role.ADMIN],
                    superuser=True,
                )
                link = tenant.url(set_password_path(admin))
    except IntegrityError as exc:
        # Two operators activating the same region (or slug) at once: one wins.
        raise Conflict(
            _("%(name)s sedang atau sudah diaktifkan.") % {"name": region.name}, code="already_active"
        ) from exc

    logger.info("tenant %s activated by %s (pool=%s)", schema_name, actor, bool(pooled))
    transaction.on_commit(lambda: _after_activation(tenant, admin, refill_pool))
    return Activation(tenant=tenant, admin=admin, set_password_url=link, from_pool=bool(pooled))


def _region_display_name(region: Region) -> str:
    if region.level == Region.Level.DESA_KELURAHAN:
        return f"{region.kind_label} {region.name}"
    return region.name


def _kota_tenant_of(region: Region) -> Tenant | None:
    return Tenant.objects.filter(tenant_type=Tenant.Type.KOTA, region_id=regions.kota_code(region.code)).first()


def _after_activation(tenant: Tenant, admin: User, refill_pool: bool) -> None:
    from apps.core.tasks import publish

    from .tasks import refill_schema_pool

    if admin.email:
        with tenant:  # the task is queued in, and runs in, the new tenant's schema
            queue_set_password_email(admin)
    if refill_pool and settings.TENANT_SCHEMA_POOL_REFILL:
        publish(refill_schema_pool, tenant.tenant_type)


# --- status -------------------------------------------------------------------------------


@transaction.atomic
def suspend_tenant(tenant: Tenant, *, reason: str = "", actor: User | None = None) -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    if tenant.is_public:
        raise ValidationFailed(_("Situs platform tidak bisa ditangguhkan."))
    tenant.status = Tenant.Status.SUSPENDED
    tenant.status_reason = reason.strip()
    tenant.save(update_fields=["status", "status_reason", "updated_at"])
    logger.info("tenant %s suspended by %s: %s", tenant.schema_name, actor, reason)
    return tenant


@transaction.atomic
def reactivate_tenant(tenant: Tenant, *, actor: User | None = None) -> Tenant:
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    tenant.status = Tenant.Status.ACTIVE
    tenant.status_reason = ""
    tenant.save(update_fields=["status", "status_reason", "updated_at"])
    logger.info("tenant %s reactivated by %s", tenant.schema_name, actor)
    return tenant


# --- removal ------------------------------------------------------------------------------


class ArchiveUnavailable(DomainError):
    """The server has no pg_dump of the database's major version: nothing is removed."""

    status_code = 503
    code = "archive_unavailable"


def dump_schema(schema_name: str, target: Path, snapshot: str = "") -> None:
    extra = [f"--snapshot={snapshot}"] if snapshot else []
    try:
        schemas.run_pg_dump("--format=custom", f"--schema={schema_name}", f"--file={target}", *extra)
    except schemas.PgDumpUnavailable as exc:
        raise ArchiveUnavailable(
            _("Arsip tenant tidak bisa dibuat: pg_dump untuk versi PostgreSQL server ini tidak ditemukan."),
            reason=str(exc),
        ) from exc


# How long removal waits for write transactions already running in the tenant's schema.
REMOVAL_LOCK_TIMEOUT = "60s"


def lock_out_writers(schema_name: str) -> None:
    """Inside the caller's transaction: wait until every write transaction on the schema's
    tables has committed or aborted, and block new ones until the caller commits.

    `EXCLUSIVE` conflicts with the `ROW EXCLUSIVE` lock every INSERT/UPDATE/DELETE takes, so
    the LOCK waits for writers in flight and queues later ones, while plain reads (`ACCESS
    SHARE`, which is also all pg_dump takes) go on. Holding it until the schema is dropped in
    the same transaction means no write can land between the dump and the drop: a request that
    passed the "archiving" check just before it was set waits here and then fails (answered
    423 by TenantStatusMiddleware), it is never acknowledged. A deadlock with a writer that
    already locked some table aborts one side; removal retries the whole step.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%%I.%%I', n.nspname, c.relname) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname",
            [schema_name],
        )
        tables = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SET LOCAL lock_timeout = '{REMOVAL_LOCK_TIMEOUT}'")
        if tables:
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        cursor.execute("SET LOCAL lock_timeout = 0")


def cancel_waiting_writers() -> None:
    """Cancel the statements waiting on our locks, just before the commit that drops the schema.

    Once the schema is gone, a waiter would look its table name up again through its
    search_path ("<schema>, public"): for an app that has tables in both schemas (accounts,
    sessions...) that is the public table, and the write would land there. Cancelled, the
    statement fails instead ("canceling statement due to user request"), and its request is
    answered 423 by TenantStatusMiddleware. Only a statement issued in the microseconds between
    this and the commit could slip through, by a request that started before the tenant was
    marked "archiving" and has not written anything during the whole dump.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))"
        )


# Retried as a whole (nothing is kept from a failed attempt): a deadlock with a writer while
# taking the locks, and a full shared lock table (DROP SCHEMA locks every object of ~90 tables).
_RETRYABLE = frozenset({"40P01", "53200"})
_RETRY_DELAYS = (1.0, 3.0, 9.0)


def _set_status(tenant: Tenant, status: str) -> None:
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().get(pk=tenant.pk)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
    tenant.status = status


def release_interrupted_removal(tenant: Tenant, previous_status: str) -> None:
    """A removal whose process was killed (SIGKILL, lost host) left the tenant "archiving": its
    transaction was rolled back by the server, so nothing was dropped. Give the tenant its
    previous status back so that the removal can run again (apps.tenancy.operations)."""
    if Tenant.objects.filter(pk=tenant.pk, status=Tenant.Status.ARCHIVING).exists():
        _set_status(tenant, previous_status)
        events.removal_abandoned(tenant)
        logger.warning("tenant %s: interrupted removal released (status %s)", tenant.schema_name, previous_status)


def remove_tenant(
    tenant: Tenant,
    *,
    reason: str = "",
    actor: User | None = None,
    progress: archives.Progress | None = None,
    on_archived: Callable[[TenantArchive], None] | None = None,
) -> TenantArchive:
    """Archive the tenant (schema dump, public rows, files: `archives.write_archive`), then
    drop its schema, delete its public rows and its files.

    1. The status becomes "archiving" (committed): new writes answer 423, reads go on.
    2. One transaction locks writers out (`lock_out_writers`), writes the archive, records
       it, deletes the public rows and drops the schema. If anything fails nothing is
       deleted and the tenant gets its previous status back.
    3. After the commit the stored files are deleted (they are in the archive).

    `on_archived(archive)` runs inside the transaction that drops the schema: what it writes
    commits if and only if the tenant is gone (a job records its archive with it).
    """
    if tenant.is_public:
        raise ValidationFailed(_("Situs platform tidak bisa dihapus."))
    connection.set_schema_to_public()  # tenant rows are written from public only
    previous = Tenant.objects.get(pk=tenant.pk).status
    if previous == Tenant.Status.ARCHIVING:
        raise Conflict(_("%(name)s sedang diarsipkan.") % {"name": tenant.name}, code="tenant_archiving")
    _set_status(tenant, Tenant.Status.ARCHIVING)
    tenant.status = previous  # the archive records the status to restore
    written: archives.WrittenArchive | None = None
    try:
        events.removing(tenant)  # e.g. a kota's levy copies withdrawn in its kelurahan (own transactions)
        connection.set_schema_to_public()
        for attempt in range(len(_RETRY_DELAYS) + 1):
            try:
                with transaction.atomic():
                    Tenant.objects.select_for_update().get(pk=tenant.pk)  # holds off new public rows
                    lock_out_writers(tenant.schema_name)
                    written = archives.write_archive(tenant, progress=progress)
                    archive = TenantArchive.objects.create(
                        code=tenant.region_id or "",
                        name=tenant.name,
                        schema_name=tenant.schema_name,
                        tenant_type=tenant.tenant_type,
                        path=str(written.path),
                        size_bytes=written.size_bytes,
                        sha256=written.sha256,
                        removed_by=actor if actor and actor.pk else None,
                        reason=reason.strip(),
                    )
                    if on_archived is not None:
                        on_archived(archive)
                    if progress is not None:
                        progress("drop")
                    Tenant.objects.filter(parent=tenant).update(parent=None)
                    schemas.drop_schema(tenant.schema_name)
                    for label, lookup in reversed(archives.PUBLIC_ROWS):
                        if label not in archives.KEPT_ON_REMOVAL:
                            archives.public_rows(tenant, label, lookup).delete()
                    # Its login attempts and access log live in public now (not archived: transient).
                    forget_tenant_login_records(tenant.schema_name)
                    # Its sessions too (public, keyed by schema; not archived: a restore signs in anew).
                    websessions.forget_schema(tenant.schema_name)
                    # And its Idempotency-Key records (public, keyed by schema; transient too).
                    idempotency_records.forget_schema(tenant.schema_name)
                    cancel_waiting_writers()
                break
            except OperationalError as exc:
                if written is not None:
                    written.path.unlink(missing_ok=True)
                    written = None
                if getattr(exc.__cause__, "sqlstate", "") not in _RETRYABLE or attempt == len(_RETRY_DELAYS):
                    raise
                logger.warning("removal of %s retried: %s", tenant.schema_name, exc)
                time.sleep(_RETRY_DELAYS[attempt])
    except BaseException:
        if written is not None:
            written.path.unlink(missing_ok=True)
        _set_status(tenant, previous)
        events.removal_abandoned(tenant)  # e.g. the withdrawn levy copies reopened
        raise
    assert written is not None
    if progress is not None:
        progress("cleanup")
    archives.delete_stored_files(tenant)
    logger.info("tenant %s archived to %s and removed by %s", tenant.schema_name, written.path, actor)
    return archive


# --- bulk activation ----------------------------------------------------------------------


def create_activation_job(scope: str, *, actor: User | None = None) -> ActivationJob:
    """All desa/kelurahan under a kecamatan, kota/kabupaten or provinsi code."""
    region = get_region(scope)
    if region.level == Region.Level.DESA_KELURAHAN:
        raise ValidationFailed(
            _("Cakupan aktivasi massal harus kecamatan, kabupaten/kota atau provinsi."), code="wrong_region_level"
        )
    codes = list(
        Region.objects.filter(level=Region.Level.DESA_KELURAHAN, code__startswith=f"{region.code}.")
        .order_by("code")
        .values_list("code", flat=True)
    )
    return ActivationJob.objects.create(
        scope=region.code, codes=codes, total=len(codes), created_by=actor if actor and actor.pk else None
    )


def run_activation_job(job: ActivationJob, *, out: Any = None, actor: User | None = None) -> ActivationJob:
    """Activate every code of the job that is not a tenant yet; safe to run again after a stop."""
    job.status = ActivationJob.Status.RUNNING
    job.started_at = job.started_at or timezone.now()
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "started_at", "heartbeat_at"])
    active = set(Tenant.objects.filter(region_id__in=job.codes).values_list("region_id", flat=True))
    todo = [code for code in job.codes if code not in active]
    job.done = len(active)
    progress = Progress(len(todo), out, label=f"aktivasi {job.scope} ")
    try:
        for code in todo:
            try:
                # The pool is refilled once at the end, not after every activation.
                activate_region(code, tenant_type=Tenant.Type.KELURAHAN, actor=actor, refill_pool=False)
                job.failed.pop(code, None)
                ok, note = True, code
            except (ValidationFailed, NotFound, Conflict) as exc:
                job.failed[code] = str(exc.message)
                ok, note = False, f"{code}: {exc.message}"
            job.done += int(ok)
            job.heartbeat_at = timezone.now()
            job.save(update_fields=["done", "failed", "heartbeat_at"])
            progress.step(ok, note)
    except BaseException:
        job.status = ActivationJob.Status.INTERRUPTED
        job.save(update_fields=["status"])
        raise
    job.status = ActivationJob.Status.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at"])
    if todo and settings.TENANT_SCHEMA_POOL_REFILL:
        from .tasks import refill_schema_pool

        refill_schema_pool.delay(Tenant.Type.KELURAHAN)
    return job


# --- the office's own contact -------------------------------------------------------------


def may_edit_office(user: Any) -> bool:
    """The tenant's own lurah, admins and staff keep the kantor's contact up to date."""
    return bool(
        user.is_authenticated and user.is_active and (user.is_staff or user.has_any_role(Role.ADMIN, Role.LURAH))
    )


@transaction.atomic
def set_office_contact(
    tenant: Tenant, *, address: str, phone: str, email: str = "", hours: str = "", actor: User
) -> Tenant:
    """The kantor's address, phone, e-mail and service hours (public profile page, set-up
    checklist), set by the tenant's own lurah, admins or staff. A phone must be a valid number
    (stored as typed, shown formatted)."""
    if not may_edit_office(actor):
        raise Forbidden(_("Hanya lurah atau admin kelurahan yang bisa mengubah kontak kantor."), code="not_staff")
    address, phone, email, hours = (str(value or "").strip() for value in (address, phone, email, hours))
    address = clean_short_text(address, field="address", max_length=255)
    hours = clean_short_text(hours, field="hours", max_length=150)
    if phone and (len(phone) > 30 or not phones.to_e164(phone)):
        raise ValidationFailed(_("Nomor telepon kantor tidak valid."), code="invalid_phone", field="phone")
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(_("Alamat e-mail tidak valid."), code="invalid_email", field="email") from None
    tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
    tenant.office_address, tenant.office_phone = address, phone
    tenant.office_email, tenant.office_hours = email.lower(), hours
    tenant.save(update_fields=["office_address", "office_phone", "office_email", "office_hours", "updated_at"])
    return tenant


# --- platform bootstrap -------------------------------------------------------------------


def ensure_public_tenant() -> Tenant:
    """The public tenant row and the platform's domain (idempotent)."""
    tenant, _created = Tenant.objects.get_or_create(
        schema_name="public",
        defaults={"tenant_type": Tenant.Type.PUBLIC, "name": "KotaKita", "slug": "platform"},
    )
    Domain.objects.get_or_create(domain=settings.KOTAKITA_BASE_DOMAIN, defaults={"tenant": tenant})
    return tenant


def platform_url(path: str = "/") -> str:
    return absolute_url(settings.KOTAKITA_BASE_DOMAIN, path)

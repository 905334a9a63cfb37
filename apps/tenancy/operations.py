"""Tenant activation (one region), archive/removal, restore, moves between nodes
(apps.tenancy.placement) and bulk activation as background jobs (`bulk` queue).

The operator starts a job (`do_start_*`: checks, one row, the task queued after commit) and
lands on its page, which polls the job (HTMX) for a progress bar. The job body
(`run_tenant_operation`) wraps the same services the management commands call inline:
`services.activate_region`, `services.remove_tenant` and `restore.restore_archive`.

Resumable and idempotent, because a message is redelivered after a killed worker and the
stale-job sweep (apps.jobs.stale) queues a job again when its heartbeat stops:

* one run at a time: `_claim` skips a finished job and a running one whose heartbeat is fresh;
* archive: the job's `archive` is written inside the transaction that drops the schema, so a
  rerun knows whether the drop committed. If it did, the rerun only finishes the clean-up
  (deleting the stored files, which are in the archive) and never dumps or drops again. If it
  did not, the killed run's transaction was rolled back (nothing lost); the rerun gives the
  tenant its previous status back and removes it from the start;
* activate: `services.activate_region` is one transaction, and the job records the new schema in
  it; a rerun finding the schema recorded and the tenant there is done, otherwise nothing was
  created and it activates again;
* restore: the schema (psql, one transaction) and the public rows (one transaction) are two
  commits. The job's `result` is written in the second one; a rerun finding it is done, and a
  rerun after a kill between the two drops the orphan schema first and restores again. No
  half-restored tenant is ever served.

The heartbeat is written by a thread (`Heartbeat`) through its own connection, so it keeps
beating while pg_dump, psql or a lock wait blocks the job for minutes, and stops when the
process dies.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.core.tasks import enqueue_on_commit

from . import archives, schemas, services
from .models import ActivationJob, Plan, Region, Tenant, TenantArchive, TenantOperationJob
from .restore import RestoreRefused, restore_archive

logger = logging.getLogger(__name__)

# Progress notes of remove_tenant / write_archive and restore_archive, in order; `done` is the
# index of the last note seen (a note may carry a suffix, e.g. "written <path>").
ARCHIVE_STEPS = ("claimed", "pg_dump", "public rows", "files", "written", "drop", "cleanup")
RESTORE_STEPS = ("claimed", "verify", "checksums", "schema", "public rows", "files", "restored")
# A move's progress is a percentage (apps.tenancy.placement.MoveHeartbeat), these are its phases.
MOVE_STEPS = ("claimed", "check", "copy", "catch up", "switch", "moved")
ACTIVATE_STEPS = ("claimed", "provision", "activated")
STEPS = {
    TenantOperationJob.Kind.ACTIVATE: ACTIVATE_STEPS,
    TenantOperationJob.Kind.ARCHIVE: ARCHIVE_STEPS,
    TenantOperationJob.Kind.RESTORE: RESTORE_STEPS,
    TenantOperationJob.Kind.MOVE: MOVE_STEPS,
}

HEARTBEAT_SECONDS = 10.0


def stale_after() -> timedelta:
    """No heartbeat for this long: the worker is gone (the sweep and `_claim` agree on it)."""
    from apps.core.jobs.heartbeat import threshold

    return threshold("TENANT_OPERATION")


# --- heartbeat ------------------------------------------------------------------------------


class Heartbeat:
    """Writes the job's heartbeat every HEARTBEAT_SECONDS, and its progress as soon as it is
    reported, from a thread with its own autocommit connection: the job's own connection may be
    inside a long transaction (removal), whose writes nobody would see before its commit.

    The row is updated with SKIP LOCKED: while the job's transaction holds the row (it records
    the archive or the result in it just before committing) a beat is skipped, never waited for.
    """

    interval = HEARTBEAT_SECONDS

    def __init__(self, job: TenantOperationJob) -> None:
        self.job = job
        self.steps = STEPS[TenantOperationJob.Kind(job.kind)]
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-tenant-job-{job.pk}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def note(self, message: str) -> None:
        """The progress callback of remove_tenant / restore_archive."""
        key = next((step for step in self.steps if message == step or message.startswith(f"{step} ")), None)
        if key is None:
            return  # a detail (e.g. "dropped <schema> ..."): logged by the caller, not a step
        done = self.steps.index(key)
        self.job.done, self.job.step = done, key
        with self._lock:
            self._pending.update(done=done, step=key)
        self._wake.set()

    def _run(self) -> None:
        side = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            while True:
                self._beat(side)
                if self._stop.is_set():
                    return
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            side.close()

    def _beat(self, side: Any) -> None:
        with self._lock:
            fields, self._pending = self._pending, {}
        quote = side.ops.quote_name
        table = f"{quote('public')}.{quote(TenantOperationJob._meta.db_table)}"
        assignments = ", ".join(f"{quote(name)} = %s" for name in ["heartbeat_at", *fields])
        sql = (
            f"UPDATE {table} SET {assignments} WHERE id = "  # names: our own columns
            f"(SELECT id FROM {table} WHERE id = %s FOR UPDATE SKIP LOCKED)"
        )
        try:
            with side.cursor() as cursor:
                cursor.execute(sql, [timezone.now(), *fields.values(), self.job.pk])
                written = cursor.rowcount == 1
        except DatabaseError:
            logger.warning("tenant job %s: heartbeat not written", self.job.pk, exc_info=True)
            written = False
        if not written and fields:
            with self._lock:  # keep it for the next beat; a newer note wins
                self._pending = {**fields, **self._pending}


# --- starting jobs (operator UI, API) ---------------------------------------------------------


def _active_jobs_for(schema_name: str = "", code: str = "") -> Any:
    jobs = TenantOperationJob.objects.filter(
        status__in=[TenantOperationJob.Status.PENDING, TenantOperationJob.Status.RUNNING]
    )
    return jobs.filter(schema_name=schema_name) if schema_name else jobs.filter(code=code)


def _queue(job: TenantOperationJob) -> None:
    from .tasks import run_tenant_operation

    enqueue_on_commit(run_tenant_operation, job.pk)


def do_start_archive(
    tenant: Tenant, *, reason: str = "", actor: User | None = None, queue: bool = True
) -> TenantOperationJob:
    """Queue the archiving and removal of `tenant`; refused while another job works on it.
    `queue=False`: the caller runs the job itself (`manage.py remove_tenant`)."""
    if tenant.is_public:
        raise ValidationFailed(_("Situs platform tidak bisa dihapus."), code="platform_tenant")
    reason = clean_short_text(reason, field="reason", max_length=255)
    connection.set_schema_to_public()
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        if locked is None:
            raise NotFound(_("Tenant tidak ditemukan."), code="unknown_tenant")
        if locked.is_archiving or _active_jobs_for(schema_name=locked.schema_name).exists():
            raise Conflict(
                _("%(name)s sedang diarsipkan atau dipulihkan.") % {"name": locked.name}, code="tenant_job_running"
            )
        job = TenantOperationJob.objects.create(
            kind=TenantOperationJob.Kind.ARCHIVE,
            code=locked.region_id or "",
            name=locked.name,
            schema_name=locked.schema_name,
            reason=reason,
            total=len(ARCHIVE_STEPS) - 1,
            created_by=actor if actor and actor.pk else None,
            heartbeat_at=timezone.now(),  # "queued since": the sweep queues a lost message again
        )
        if queue:
            _queue(job)
    logger.info("tenant %s: archive job %s started by %s", locked.schema_name, job.pk, actor)
    return job


def do_start_restore(
    archive: TenantArchive | None = None,
    *,
    path: Path | None = None,
    as_code: str = "",
    actor: User | None = None,
    queue: bool = True,
) -> TenantOperationJob:
    """Queue the restore of `archive` (a removed tenant's) or of the archive file at `path` (any
    archive on this server, e.g. a nightly backup: `manage.py restore_tenant`), under `as_code`
    when given. The live-target checks are made again by the job (restore.restore_archive);
    these give the operator an answer now. `queue=False`: the caller runs the job itself."""
    connection.set_schema_to_public()
    if archive is None:
        if path is None:
            raise ValidationFailed(_("Pilih arsip yang akan dipulihkan."), code="archive_required")
        archive = TenantArchive.objects.filter(path=str(path)).first()
    source = Path(archive.path) if archive is not None else Path(str(path))
    if not source.is_file():
        raise NotFound(_("Berkas arsip %(path)s tidak ditemukan di server.") % {"path": source}, code="archive_missing")
    known_code = archive.code if archive is not None else ""
    region = services.get_region(as_code or known_code) if (as_code or known_code) else None
    code = region.code if region else ""
    renamed = bool(as_code) and code != known_code
    with transaction.atomic():
        if archive is not None:
            TenantArchive.objects.select_for_update().get(pk=archive.pk)
        live = region is not None and Tenant.objects.filter(region=region).exists()
        if live or (
            archive is not None and not renamed and Tenant.objects.filter(schema_name=archive.schema_name).exists()
        ):
            raise Conflict(
                _("%(code)s sudah menjadi tenant: hapus dulu atau pulihkan dengan kode lain.") % {"code": code},
                code="already_active",
            )
        if code and _active_jobs_for(code=code).exists():
            raise Conflict(_("%(code)s sedang diarsipkan atau dipulihkan.") % {"code": code}, code="tenant_job_running")
        job = TenantOperationJob.objects.create(
            kind=TenantOperationJob.Kind.RESTORE,
            code=code,
            name=archive.name if archive is not None else source.name[:150],
            archive=archive,
            archive_path=str(source),
            as_code=code if renamed else "",
            total=len(RESTORE_STEPS) - 1,
            created_by=actor if actor and actor.pk else None,
            heartbeat_at=timezone.now(),
        )
        if queue:
            _queue(job)
    logger.info("%s: restore job %s (as %s) started by %s", source, job.pk, code or "-", actor)
    return job


def do_start_activate_region(
    code: str,
    *,
    tenant_type: str | None = None,
    slug: str | None = None,
    plan: str | None = None,
    admin_email: str = "",
    admin_name: str = "",
    actor: User | None = None,
    queue: bool = True,
) -> TenantOperationJob:
    """Queue the activation of one desa/kelurahan or kabupaten/kota (the operator's page, the
    API). What can be answered now is checked now, before any job exists: a bad or unknown code,
    the wrong level or type, a region already active, a taken subdomain, an unknown plan. Refused
    while another job (activation, restore) works on the same code. The job checks everything
    again (services.activate_region). `queue=False`: the caller runs the job itself."""
    connection.set_schema_to_public()
    region = services.get_region(code)
    kind = services.tenant_type_for(region, tenant_type)
    clean_slug = services.validate_slug(slug) if slug else ""
    if plan and plan not in Plan.values:
        raise ValidationFailed(_("Paket “%(plan)s” tidak dikenal.") % {"plan": plan}, code="unknown_plan")
    admin_name = clean_short_text(admin_name, field="admin_name", max_length=150)  # the admin's full name
    with transaction.atomic():
        # The region row is the lock that lets one start through at a time for this code.
        Region.objects.select_for_update().get(pk=region.pk)
        if Tenant.objects.filter(region=region).exists():
            raise Conflict(
                _("%(name)s (%(code)s) sudah aktif.") % {"name": region.name, "code": region.code},
                code="already_active",
            )
        if _active_jobs_for(code=region.code).exists():
            raise Conflict(
                _("%(name)s (%(code)s) sedang diaktifkan atau dipulihkan.")
                % {"name": region.name, "code": region.code},
                code="tenant_job_running",
            )
        job = TenantOperationJob.objects.create(
            kind=TenantOperationJob.Kind.ACTIVATE,
            code=region.code,
            name=region.name,
            options={
                "tenant_type": kind,
                "slug": clean_slug,
                "plan": plan or "",
                "admin_email": admin_email.strip(),
                "admin_name": admin_name,
            },
            total=len(ACTIVATE_STEPS) - 1,
            created_by=actor if actor and actor.pk else None,
            heartbeat_at=timezone.now(),
        )
        if queue:
            _queue(job)
    logger.info("%s: activation job %s started by %s", region.code, job.pk, actor)
    return job


def activated_tenant(job: TenantOperationJob) -> Tenant | None:
    """The tenant a finished activation job made (None while it runs, or once it is removed)."""
    schema = job.result.get("schema") if job.kind == TenantOperationJob.Kind.ACTIVATE else None
    return Tenant.objects.filter(schema_name=schema).first() if schema else None


def set_password_url(job: TenantOperationJob) -> str:
    """The new tenant's admin's set-password link, made now from the admin's row, so that it is
    never stored; empty once the admin has chosen a password (the link would reset it)."""
    tenant = activated_tenant(job)
    if tenant is None:
        return ""
    from apps.accounts.services import set_password_path

    with tenant:
        admin = User.objects.filter(username=job.result.get("admin_username") or "admin").first()
        link = tenant.url(set_password_path(admin)) if admin and not admin.has_usable_password() else ""
    connection.set_schema_to_public()
    return link


def do_retry_tenant_operation(job: TenantOperationJob, *, actor: User | None = None) -> TenantOperationJob:
    """Queue a failed job again (after the operator fixed the cause, e.g. installed pg_dump)."""
    with transaction.atomic():
        locked = TenantOperationJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != TenantOperationJob.Status.FAILED:
            raise Conflict(_("Hanya pekerjaan yang gagal yang bisa diulang."), code="job_not_failed")
        locked.status = TenantOperationJob.Status.PENDING
        locked.error = ""
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "error", "heartbeat_at"])
        _queue(locked)
    logger.info("tenant job %s retried by %s", job.pk, actor)
    return locked


def do_start_activation(scope: str, *, actor: User | None = None) -> ActivationJob:
    """Queue the bulk activation of every desa/kelurahan under `scope`."""
    from .tasks import run_activation_job

    connection.set_schema_to_public()
    with transaction.atomic():
        job = services.create_activation_job(scope, actor=actor)
        enqueue_on_commit(run_activation_job, job.pk)
    logger.info("activation job %s (%s, %d regions) started by %s", job.pk, job.scope, job.total, actor)
    return job


def activation_alive(job: ActivationJob) -> bool:
    from apps.core.jobs.heartbeat import threshold

    fresh = job.heartbeat_at is not None and job.heartbeat_at > timezone.now() - threshold("ACTIVATION")
    return job.status == ActivationJob.Status.RUNNING and fresh


def activation_resumable(job: ActivationJob) -> bool:
    """Interrupted, running without a heartbeat (its worker is gone), or queued so long ago that
    its message was lost (the broker was down when it was started)."""
    from apps.core.jobs.heartbeat import threshold

    if job.status == ActivationJob.Status.PENDING:
        return job.created_at < timezone.now() - threshold("ACTIVATION")
    return job.status != ActivationJob.Status.DONE and not activation_alive(job)


def do_resume_activation(job: ActivationJob, *, actor: User | None = None) -> ActivationJob:
    """Queue a stopped bulk activation again; it skips the regions already active."""
    from .tasks import run_activation_job

    if not activation_resumable(job):
        raise Conflict(_("Aktivasi massal ini sudah selesai atau masih berjalan."), code="job_not_resumable")
    enqueue_on_commit(run_activation_job, job.pk)
    logger.info("activation job %s resumed by %s", job.pk, actor)
    return job


# --- the job body -----------------------------------------------------------------------------


def _claim(job_id: int) -> TenantOperationJob | None:
    with transaction.atomic():
        job = TenantOperationJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (TenantOperationJob.Status.DONE, TenantOperationJob.Status.FAILED):
            return None  # gone, finished, or failed (only the operator's retry queues it again)
        fresh = job.heartbeat_at is not None and job.heartbeat_at > timezone.now() - stale_after()
        if job.status == TenantOperationJob.Status.RUNNING and fresh:
            return None  # a duplicate message while another worker is still on it
        job.status = TenantOperationJob.Status.RUNNING
        job.attempts += 1
        job.started_at = job.started_at or timezone.now()
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
    return job


def _finish(job: TenantOperationJob, *, status: str, error: str = "", **result: Any) -> None:
    job.status = status
    job.error = error[:2000]
    if status == TenantOperationJob.Status.DONE:
        job.done = job.total
        job.step = "done"
    job.result = {**job.result, **result}
    job.finished_at = timezone.now()
    job.heartbeat_at = timezone.now()
    job.save(update_fields=["status", "error", "done", "step", "result", "finished_at", "heartbeat_at"])


def run_tenant_operation(job_id: int, *, out: Any = None) -> TenantOperationJob | None:
    """The job body (Celery task `tenancy.run_tenant_operation`, or inline). Safe to run again.
    `out` (a command's stdout) gets a move's progress lines."""
    connection.set_schema_to_public()
    job = _claim(job_id)
    if job is None:
        return None
    try:
        if job.kind == TenantOperationJob.Kind.MOVE:
            from . import placement  # placement builds on this module

            move_beat = placement.MoveHeartbeat(job, out=out)
            with move_beat:
                move_beat.note("claimed")
                result = placement.run_move(job, move_beat)
        else:
            with Heartbeat(job) as beat:
                beat.note("claimed")
                bodies = {TenantOperationJob.Kind.ARCHIVE: _archive, TenantOperationJob.Kind.ACTIVATE: _activate}
                body = bodies.get(TenantOperationJob.Kind(job.kind), _restore)
                result = body(job, beat)
    except (DomainError, RestoreRefused, archives.ArchiveError, schemas.PgDumpUnavailable) as exc:
        message = str(exc.message) if isinstance(exc, DomainError) else str(exc)
        if isinstance(exc, DomainError) and exc.details.get("reason"):
            message = f"{message} {exc.details['reason']}"
        logger.warning("tenant job %s failed: %s", job.pk, message)
        _finish(job, status=TenantOperationJob.Status.FAILED, error=message)
    except Exception as exc:  # a bug, pg_restore/psql failing, SoftTimeLimitExceeded: retryable
        logger.exception("tenant job %s failed", job.pk)
        _finish(job, status=TenantOperationJob.Status.FAILED, error=f"{exc.__class__.__name__}: {exc}")
    else:
        _finish(job, status=TenantOperationJob.Status.DONE, **result)
    # A BaseException (worker shutdown, kill) leaves the job running: its heartbeat stops and the
    # sweep queues it again.
    connection.set_schema_to_public()
    return job


def _archive(job: TenantOperationJob, beat: Heartbeat) -> dict[str, Any]:
    if job.archive_id is not None:
        # An earlier run committed the drop (the archive is recorded with it) and was stopped
        # before the end: never dump or drop again, only finish the clean-up.
        beat.note("cleanup")
        if not Tenant.objects.filter(schema_name=job.schema_name).exists():  # not restored since
            archives.delete_stored_files(Tenant(schema_name=job.schema_name))
        return _archive_result(TenantArchive.objects.get(pk=job.archive_id))
    tenant = Tenant.objects.filter(schema_name=job.schema_name).first()
    if tenant is None:
        raise NotFound(_("Tenant %(name)s sudah tidak ada.") % {"name": job.name}, code="unknown_tenant")
    if tenant.is_archiving and job.previous_status and job.attempts > 1:
        services.release_interrupted_removal(tenant, job.previous_status)  # our own killed run
        tenant.refresh_from_db()
    if not tenant.is_archiving:
        job.previous_status = tenant.status
        job.save(update_fields=["previous_status"])

    def record(archive: TenantArchive) -> None:
        TenantOperationJob.objects.filter(pk=job.pk).update(archive=archive, archive_path=archive.path)
        job.archive, job.archive_path = archive, archive.path

    archive = services.remove_tenant(
        tenant, reason=job.reason, actor=job.created_by, progress=beat.note, on_archived=record
    )
    return _archive_result(archive)


def _archive_result(archive: TenantArchive) -> dict[str, Any]:
    return {"path": archive.path, "sha256": archive.sha256, "size_bytes": archive.size_bytes}


def _restore(job: TenantOperationJob, beat: Heartbeat) -> dict[str, Any]:
    done_schema = job.result.get("schema")
    if done_schema:
        tenant = Tenant.objects.filter(schema_name=done_schema).first()
        if tenant is not None:  # an earlier run committed the restore and was stopped after it
            return {"schema": tenant.schema_name, "url": tenant.url()}
    path = Path(job.archive_path)
    if not path.is_file():
        raise NotFound(_("Berkas arsip %(path)s tidak ditemukan di server.") % {"path": path}, code="archive_missing")

    def record(tenant: Tenant) -> None:
        result = {**job.result, "schema": tenant.schema_name}
        code = tenant.region_id or ""
        TenantOperationJob.objects.filter(pk=job.pk).update(
            result=result, schema_name=tenant.schema_name, code=code, name=tenant.name
        )
        job.result, job.schema_name, job.code, job.name = result, tenant.schema_name, code, tenant.name

    tenant = restore_archive(path, as_code=job.as_code, progress=beat.note, resume=job.attempts > 1, on_restored=record)
    return {"schema": tenant.schema_name, "url": tenant.url()}


def _activate(job: TenantOperationJob, beat: Heartbeat) -> dict[str, Any]:
    done_schema = job.result.get("schema")
    if done_schema:
        tenant = Tenant.objects.filter(schema_name=done_schema).first()
        if tenant is not None:  # an earlier run committed the activation and was stopped after it
            return _activation_result(tenant, job.result.get("admin_username", "admin"), job.result.get("from_pool"))
    beat.note("provision")
    options = job.options
    with transaction.atomic():
        activation = services.activate_region(
            job.code,
            tenant_type=options.get("tenant_type") or None,
            slug=options.get("slug") or None,
            plan=options.get("plan") or None,
            admin_email=options.get("admin_email", ""),
            admin_name=options.get("admin_name", ""),
            actor=job.created_by,
        )
        # In the activation's own transaction: "schema recorded" if and only if the tenant exists.
        result = _activation_result(activation.tenant, activation.admin.username, activation.from_pool)
        TenantOperationJob.objects.filter(pk=job.pk).update(result=result, schema_name=activation.tenant.schema_name)
        job.result, job.schema_name = result, activation.tenant.schema_name
    beat.note("activated")
    return result


def _activation_result(tenant: Tenant, admin_username: str, from_pool: Any) -> dict[str, Any]:
    url = tenant.url()
    return {"schema": tenant.schema_name, "url": url, "admin_username": admin_username, "from_pool": bool(from_pool)}

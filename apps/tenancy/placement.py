"""Where each tenant's data lives, and moving a tenant to another database node.

On Citus with schema-based sharding every tenant schema is a *distributed schema*: its tables
are single-shard tables colocated on one node (one colocation group per schema). The operator
sees that node per tenant (platform admin, operator API) and can move a tenant to another node
online: `citus_schema_move` copies the shards with logical replication while the tenant keeps
reading and writing, catches up, then switches (writes to that tenant wait a moment at the
switch, nothing is lost). On plain PostgreSQL there is one node, the server itself, and
nothing to move.

Reads (selectors): `is_citus`, `nodes`, `placements` (the tenants asked, in a constant number of
queries: the node from the coordinator's metadata, the sizes of only those tenants' shards from
each node once), `plan_rebalance` (pure).
Writes (services): `do_start_move` (checks, one job row, the task queued after commit) and the
job body `run_move`, called by `operations.run_tenant_operation` for `Kind.MOVE` jobs.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.db import connection
from apps.core.errors import Conflict, NotFound, ValidationFailed

from . import citus, events, operations
from .models import Tenant, TenantOperationJob

logger = logging.getLogger(__name__)

# Progress notes of a move, in order (TENANT_JOB_STEPS has their labels).
MOVE_STEPS = operations.MOVE_STEPS
# get_rebalance_progress().status -> our step. Anything else (a status a newer Citus adds) keeps
# the step we are at.
_CITUS_PHASES = {
    "Setting Up": "copy",
    "Copying Data": "copy",
    "Catching Up": "catch up",
    "Creating Constraints": "catch up",
    "Final Catchup": "catch up",
    "Creating Foreign Keys": "catch up",
    "Completing": "switch",
    "Completed": "switch",
}
MOVE_POLL_SECONDS = 2.0
TRANSFER_MODES = ("auto", "force_logical", "block_writes")


@dataclass(frozen=True)
class Node:
    """A database node that can hold tenants. `id` is Citus' nodeid (0 on plain PostgreSQL)."""

    id: int
    host: str
    port: int
    active: bool = True
    holds_tenants: bool = True  # Citus' shouldhaveshards: new and moved tenants may go here
    coordinator: bool = False

    @property
    def label(self) -> str:
        return f"{self.host}:{self.port}"

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Placement:
    schema_name: str
    node: Node | None  # None: a distributed schema without tables (nowhere yet)
    size_bytes: int
    # False: the schema's tables are plain local tables on the coordinator (made before
    # schema-based sharding was on, or with it off); `citus_schema_distribute` fixes that.
    distributed: bool

    @property
    def node_label(self) -> str:
        return self.node.label if self.node else ""


@dataclass
class NodeLoad:
    node: Node
    tenants: int = 0
    size_bytes: int = 0
    schemas: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedMove:
    schema_name: str
    source: Node
    target: Node
    size_bytes: int


# --- reads --------------------------------------------------------------------------------------


def is_citus() -> bool:
    return citus.is_citus(connection)


def _server_node() -> Node:
    """Plain PostgreSQL: the one server Django talks to."""
    settings_dict = connection.settings_dict
    port = int(settings_dict.get("PORT") or 5432)
    return Node(id=0, host=str(settings_dict.get("HOST") or "localhost"), port=port, coordinator=True)


def nodes() -> list[Node]:
    """The primary nodes, coordinator first; plain PostgreSQL: the server alone."""
    if not is_citus():
        return [_server_node()]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodeid, nodename, nodeport, isactive, shouldhaveshards, groupid = 0 "
            "FROM pg_dist_node WHERE noderole = 'primary' ORDER BY groupid, nodeid"
        )
        return [Node(*row) for row in cursor.fetchall()]


def find_node(text: str, among: Sequence[Node] | None = None) -> Node | None:
    """The node called `text`: "host:port" as the admin shows it, or Citus' node id."""
    text = text.strip()
    for node in among if among is not None else nodes():
        if text in (node.label, str(node.id)):
            return node
    return None


def _local_sizes(schemas: list[str]) -> dict[str, int]:
    if not schemas:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_namespace n "
            "LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm', 'p') "
            "WHERE n.nspname = ANY(%s) GROUP BY n.nspname",
            [schemas],
        )
        return {name: int(size) for name, size in cursor.fetchall()}


def _shards_of(schemas: list[str]) -> list[tuple[str, int, int, str]]:
    """(schema, shard id, node id, shard name) of every shard of the distributed schemas among
    `schemas`, from the coordinator's metadata (no worker is asked)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, s.shardid, nd.nodeid, shard_name(s.logicalrelid, s.shardid) FROM pg_dist_schema ds "
            "JOIN pg_namespace n ON n.oid = ds.schemaid "
            "JOIN pg_dist_partition p ON p.colocationid = ds.colocationid "
            "JOIN pg_dist_shard s ON s.logicalrelid = p.logicalrelid "
            "JOIN pg_dist_placement pl ON pl.shardid = s.shardid "
            "JOIN pg_dist_node nd ON nd.groupid = pl.groupid AND nd.noderole = 'primary' "
            "WHERE n.nspname = ANY(%s)",
            [schemas],
        )
        return [(name, int(shard), int(node), str(table)) for name, shard, node, table in cursor.fetchall()]


def _distributed(schemas: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname FROM pg_dist_schema ds JOIN pg_namespace n ON n.oid = ds.schemaid "
            "WHERE n.nspname = ANY(%s)",
            [schemas],
        )
        return {row[0] for row in cursor.fetchall()}


# Run on every node: the size of the asked shards that exist there. Only these shards are
# measured (citus_shard_sizes() would measure every shard of the cluster for one admin page).
_SIZES_ON_NODE = (
    "SELECT json_object_agg(s, pg_total_relation_size(to_regclass(n))) "
    "FROM unnest(%L::bigint[], %L::text[]) AS u(s, n) WHERE to_regclass(n) IS NOT NULL"
)


def _shard_sizes(shards: list[tuple[str, int, int, str]]) -> dict[int, int]:
    """Sizes of `shards`, one query (Citus asks each node once, in parallel). A shard counts on
    the node of its placement only: a moved shard's old copy may wait for Citus' deferred drop."""
    if not shards:
        return {}
    node_of = {shard: node for _name, shard, node, _table in shards}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodeid, success, result FROM run_command_on_all_nodes(format(%s, %s::bigint[], %s::text[]))",
            [_SIZES_ON_NODE, list(node_of), [table for _name, _shard, _node, table in shards]],
        )
        rows = cursor.fetchall()
    sizes: dict[int, int] = {}
    for node_id, success, result in rows:
        if not success:
            logger.warning("shard sizes not read on node %s: %s", node_id, result)
            continue
        for shard, size in (json.loads(result) if result else {}).items():
            if node_of.get(int(shard)) == node_id:
                sizes[int(shard)] = int(size)
    return sizes


def placements(schemas: Iterable[str], *, with_sizes: bool = True) -> dict[str, Placement]:
    """Where each of `schemas` lives, a constant number of queries however many are asked.

    A schema that does not exist is left out. On plain PostgreSQL every schema is on the server."""
    names = sorted(set(schemas))
    if not names:
        return {}
    if with_sizes:
        local = _local_sizes(names)
    else:  # still leave out the schemas that do not exist
        with connection.cursor() as cursor:
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [names])
            local = {row[0]: 0 for row in cursor.fetchall()}
    if not is_citus():
        server = _server_node()
        return {name: Placement(name, server, size, distributed=False) for name, size in local.items()}
    by_id = {node.id: node for node in nodes()}
    coordinator = next((node for node in by_id.values() if node.coordinator), None)
    shards = _shards_of(names)
    sizes = _shard_sizes(shards) if with_sizes else {}
    node_of: dict[str, Node] = {}
    size_of: dict[str, int] = {}
    for name, shard, node_id, _table in shards:
        node_of.setdefault(name, by_id[node_id])
        size_of[name] = size_of.get(name, 0) + sizes.get(shard, 0)
    distributed = _distributed(names)
    result: dict[str, Placement] = {}
    for name, local_size in local.items():
        if name in distributed:
            result[name] = Placement(name, node_of.get(name), size_of.get(name, 0), distributed=True)
        else:
            result[name] = Placement(name, coordinator, local_size, distributed=False)
    return result


def placement_of(schema_name: str) -> Placement | None:
    return placements([schema_name]).get(schema_name)


def tenant_placements(tenants: Iterable[Tenant], *, with_sizes: bool = True) -> dict[int, Placement]:
    """Placement by tenant id, for a page of tenants (admin list, API list)."""
    rows = [tenant for tenant in tenants if not tenant.is_public]
    found = placements([tenant.schema_name for tenant in rows], with_sizes=with_sizes)
    return {tenant.pk: found[tenant.schema_name] for tenant in rows if tenant.schema_name in found}


def node_loads() -> list[NodeLoad]:
    """Every node with the tenants it holds (count, size). Tenants whose schema is not
    distributed count on the coordinator."""
    schemas = list(Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).values_list("schema_name", flat=True))
    loads = {node.id: NodeLoad(node) for node in nodes()}
    for place in placements(schemas).values():
        if place.node is None:
            continue
        load = loads.setdefault(place.node.id, NodeLoad(place.node))
        load.tenants += 1
        load.size_bytes += place.size_bytes
        load.schemas.append(place.schema_name)
    return list(loads.values())


def plan_rebalance(
    loads: Sequence[NodeLoad],
    sizes: dict[str, int],
    *,
    by: str = "size",
    threshold: float = 0.1,
    max_moves: int = 100,
    movable: set[str] | None = None,
) -> list[PlannedMove]:
    """Moves that even out the nodes that hold tenants, greedily: from the fullest node to the
    emptiest, each time the tenant whose move leaves the two closest, until the gap is within
    `threshold` of the mean (by size) or at most one tenant (by count). Pure: no database."""
    if by not in ("size", "count"):
        raise ValueError(f"by must be 'size' or 'count', not {by!r}")
    targets = [load for load in loads if load.node.active and load.node.holds_tenants]
    if len(targets) < 2:
        return []

    def weight(name: str) -> int:
        return max(sizes.get(name, 0), 1) if by == "size" else 1

    held = {load.node.id: [name for name in load.schemas if movable is None or name in movable] for load in targets}
    total = {load.node.id: sum(weight(name) for name in load.schemas) for load in targets}
    node_by_id = {load.node.id: load.node for load in targets}
    mean = sum(total.values()) / len(total)
    tolerance = 1 if by == "count" else max(threshold * mean, 1)
    plan: list[PlannedMove] = []
    while len(plan) < max_moves:
        source = max(total, key=lambda node_id: (total[node_id], -node_id))
        target = min(total, key=lambda node_id: (total[node_id], node_id))
        gap = total[source] - total[target]
        if gap <= tolerance:
            break
        # Moving w leaves a gap of |gap - 2w|: useful only when w < gap.
        candidates = [name for name in held[source] if weight(name) < gap]
        if not candidates:
            break
        best = min(candidates, key=lambda name: (abs(gap - 2 * weight(name)), name))
        if abs(gap - 2 * weight(best)) >= gap:
            break
        held[source].remove(best)
        held[target].append(best)
        total[source] -= weight(best)
        total[target] += weight(best)
        plan.append(PlannedMove(best, node_by_id[source], node_by_id[target], sizes.get(best, 0)))
    return plan


def rebalance_plan(*, by: str = "size", threshold: float = 0.1, max_moves: int = 100) -> list[PlannedMove]:
    """The plan for the tenants as they are now (empty on plain PostgreSQL or one node)."""
    if not is_citus():
        return []
    loads = node_loads()
    schemas = [name for load in loads for name in load.schemas]
    found = placements(schemas)
    sizes = {name: place.size_bytes for name, place in found.items()}
    movable = {name for name, place in found.items() if place.distributed}
    busy = set(
        TenantOperationJob.objects.filter(
            status__in=[TenantOperationJob.Status.PENDING, TenantOperationJob.Status.RUNNING]
        ).values_list("schema_name", flat=True)
    )
    return plan_rebalance(loads, sizes, by=by, threshold=threshold, max_moves=max_moves, movable=movable - busy)


# --- moving a tenant ----------------------------------------------------------------------------


def _refuse_target(text: str, known: list[Node]) -> Node:
    node = find_node(text, known)
    if node is None:
        names = ", ".join(n.label for n in known if n.active and n.holds_tenants)
        raise ValidationFailed(
            _("Node %(node)s tidak dikenal. Node yang bisa menerima tenant: %(names)s.")
            % {"node": text or "-", "names": names or "-"},
            code="unknown_node",
        )
    if not (node.active and node.holds_tenants):
        raise ValidationFailed(
            _("Node %(node)s tidak aktif atau tidak menerima tenant.") % {"node": node.label}, code="node_unavailable"
        )
    return node


def do_start_move(
    tenant: Tenant,
    target: str,
    *,
    actor: User | None = None,
    transfer_mode: str = "auto",
    queue: bool = True,
) -> TenantOperationJob:
    """Queue the move of `tenant` to the node `target` ("host:port" or Citus node id).

    Idempotent: while a move of this tenant to the same node is queued or running, that job is
    returned (a double click, a retried request). Refused: the platform, plain PostgreSQL, an
    unknown or inactive node, the node it is already on, a schema that is not distributed, and
    a tenant with another job (archive, restore, a move elsewhere) running."""
    if tenant.is_public:
        raise ValidationFailed(_("Situs platform tidak bisa dipindahkan."), code="platform_tenant")
    if transfer_mode not in TRANSFER_MODES:
        raise ValidationFailed(_("Mode pemindahan tidak dikenal."), code="unknown_transfer_mode")
    connection.set_schema_to_public()
    if not is_citus():
        raise Conflict(
            _("Basis data ini hanya satu node; tidak ada node lain untuk memindahkan tenant."), code="single_node"
        )
    node = _refuse_target(target, nodes())
    with transaction.atomic():
        locked = Tenant.objects.select_for_update().filter(pk=tenant.pk).first()
        if locked is None:
            raise NotFound(_("Tenant tidak ditemukan."), code="unknown_tenant")
        running = operations._active_jobs_for(schema_name=locked.schema_name).order_by("pk").first()
        if running is not None:
            if running.kind == TenantOperationJob.Kind.MOVE and running.target_node == node.label:
                return running
            raise Conflict(
                _("%(name)s sedang diproses (%(job)s); tunggu sampai selesai.")
                % {"name": locked.name, "job": running.get_kind_display()},
                code="tenant_job_running",
            )
        if locked.is_archiving:
            raise Conflict(_("%(name)s sedang diarsipkan.") % {"name": locked.name}, code="tenant_job_running")
        place = placement_of(locked.schema_name)
        if place is None or not place.distributed or place.node is None:
            raise Conflict(
                _("Skema %(schema)s belum terdistribusi di Citus; jalankan citus_schema_distribute dulu.")
                % {"schema": locked.schema_name},
                code="not_distributed",
            )
        if place.node.id == node.id:
            raise Conflict(
                _("%(name)s sudah berada di node %(node)s.") % {"name": locked.name, "node": node.label},
                code="same_node",
            )
        job = TenantOperationJob.objects.create(
            kind=TenantOperationJob.Kind.MOVE,
            code=locked.region_id or "",
            name=locked.name,
            schema_name=locked.schema_name,
            target_node=node.label,
            total=100,
            result={"source": place.node.label, "size_bytes": place.size_bytes, "transfer_mode": transfer_mode},
            created_by=actor if actor and actor.pk else None,
            heartbeat_at=timezone.now(),  # "queued since": the sweep queues a lost message again
        )
        if queue:
            operations._queue(job)
    logger.info("tenant %s: move job %s from %s to %s started by %s", job.schema_name, job.pk, place.node, node, actor)
    return job


class MoveHeartbeat(operations.Heartbeat):
    """The heartbeat of a move, which also reads Citus' progress of the shard copy
    (`get_rebalance_progress()`, from the same side connection) every MOVE_POLL_SECONDS and
    turns it into the job's percentage: copying is 0-95 %, catching up and the switch 95-99 %."""

    interval = MOVE_POLL_SECONDS

    def __init__(self, job: TenantOperationJob, out: Any = None) -> None:
        super().__init__(job)
        self.shards: list[int] = []
        self.out = out
        self._last_line = ""

    def note(self, message: str) -> None:
        if message not in MOVE_STEPS:
            return
        self.job.step = message
        if message == "check":
            self._set(done=1, step=message)
        else:
            self._set(step=message)

    def watch(self, shards: list[int]) -> None:
        with self._lock:
            self.shards = list(shards)

    def _set(self, **fields: Any) -> None:
        with self._lock:
            self._pending.update(fields)
        self._wake.set()

    def _beat(self, side: Any) -> None:
        with self._lock:
            shards = list(self.shards)
        if shards:
            self._poll(side, shards)
        super()._beat(side)

    def _poll(self, side: Any, shards: list[int]) -> None:
        try:
            with side.cursor() as cursor:
                cursor.execute(
                    "SELECT COALESCE(SUM(source_shard_size), 0), "
                    "COALESCE(SUM(LEAST(target_shard_size, source_shard_size)), 0), MIN(status) "
                    "FROM get_rebalance_progress() WHERE shardid = ANY(%s::bigint[])",
                    [shards],
                )
                row = cursor.fetchone()
        except Exception:  # progress is a nicety: never fail the move over it
            logger.warning("tenant job %s: move progress not read", self.job.pk, exc_info=True)
            return
        if row is None or row[2] is None:
            return
        total, copied, status = int(row[0]), int(row[1]), str(row[2])
        step = _CITUS_PHASES.get(status, self.job.step or "copy")
        percent = int(95 * copied / total) if total else 0
        if step != "copy":
            percent = max(percent, 95 if step == "catch up" else 99)
        percent = max(1, min(percent, 99))
        self.job.done, self.job.step = percent, step
        with self._lock:
            self._pending.update(done=percent, step=step)
        line = f"  {self.job.schema_name}: {percent:3d}% {status}"
        if self.out is not None and line != self._last_line:
            self._last_line = line
            self.out.write(line + "\n")


def run_move(job: TenantOperationJob, beat: MoveHeartbeat) -> dict[str, Any]:
    """The body of a move job (operations.run_tenant_operation). Safe to run again: a move that
    committed before its worker died is found done (the schema is on the target); one that did
    not left the schema where it was (Citus cleans up the half copy) and is started again."""
    connection.set_schema_to_public()
    tenant = Tenant.objects.filter(schema_name=job.schema_name).first()
    if tenant is None:
        raise NotFound(_("Tenant %(name)s sudah tidak ada.") % {"name": job.name}, code="unknown_tenant")
    beat.note("check")
    known = nodes()
    source = job.result.get("source", "")
    place = placement_of(job.schema_name)
    if place is not None and place.node is not None and place.node.label == job.target_node:
        return _moved(job, tenant, source, place, 0.0, again=True)  # an earlier run committed it
    node = _refuse_target(job.target_node, known)
    if place is None or not place.distributed or place.node is None:
        raise Conflict(
            _("Skema %(schema)s belum terdistribusi di Citus.") % {"schema": job.schema_name}, code="not_distributed"
        )
    shards = [shard for _name, shard, _node, _table in _shards_of([job.schema_name])]
    beat.watch(shards)
    beat.note("copy")
    mode = str(job.result.get("transfer_mode") or "auto")
    started = time.monotonic()
    with connection.cursor() as cursor:
        # Runs outside any transaction (autocommit): the move commits its own steps.
        cursor.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s, %s::citus.shard_transfer_mode)",
            [connection.ops.quote_name(job.schema_name), node.host, node.port, mode],
        )
    seconds = time.monotonic() - started
    beat.watch([])
    after = placement_of(job.schema_name)
    if after is None or after.node is None or after.node.id != node.id:
        raise RuntimeError(f"{job.schema_name} is on {after.node_label if after else '?'} after the move to {node}")
    return _moved(job, tenant, source or place.node.label, after, seconds)


def _moved(
    job: TenantOperationJob, tenant: Tenant, source: str, place: Placement, seconds: float, again: bool = False
) -> dict[str, Any]:
    moved = events.TenantMoved(
        tenant=tenant,
        source=source,
        target=place.node_label,
        size_bytes=place.size_bytes,
        actor_id=job.created_by_id,
        job_id=job.pk,
    )
    if not again:
        events.moved(moved)
    logger.info(
        "tenant %s moved from %s to %s (%d bytes, %.1f s, job %s, by user %s)",
        tenant.schema_name,
        source,
        moved.target,
        place.size_bytes,
        seconds,
        job.pk,
        job.created_by_id,
    )
    return {"source": source, "target": moved.target, "size_bytes": place.size_bytes, "seconds": round(seconds, 1)}


def move_tenant(
    tenant: Tenant,
    target: str,
    *,
    actor: User | None = None,
    transfer_mode: str = "auto",
    out: Any = None,
) -> TenantOperationJob:
    """Move `tenant` to `target` now, in this process (the management command, tests); the
    operator UI and API queue the same job with `do_start_move`. Returns the finished job."""
    job = do_start_move(tenant, target, actor=actor, transfer_mode=transfer_mode, queue=False)
    operations.run_tenant_operation(job.pk, out=out)
    job.refresh_from_db()
    return job

"""Tenant placement on plain PostgreSQL (one node), the rebalance planner, and the move service's
refusals and idempotency against a simulated two-worker cluster. The real moves on Citus are in
tests/citus/test_placement.py."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.accounts.services import create_user
from apps.core.errors import Conflict, ValidationFailed
from apps.tenancy import placement
from apps.tenancy.models import Tenant, TenantOperationJob
from apps.tenancy.placement import Node, NodeLoad, Placement
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db

COORD = Node(1, "10.0.0.1", 5432, coordinator=True, holds_tenants=False)
W1 = Node(2, "10.0.0.2", 5432)
W2 = Node(3, "10.0.0.3", 5432)
DOWN = Node(4, "10.0.0.4", 5432, active=False)
W3 = Node(5, "10.0.0.5", 5432)


def _queries(run: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return sum(1 for query in captured.captured_queries if not query["sql"].startswith("SET search_path"))


# --- plain PostgreSQL ---------------------------------------------------------------------------


def test_plain_postgresql_is_one_node_holding_every_tenant(tenants: TenantSet) -> None:
    assert not placement.is_citus()
    [server] = placement.nodes()
    assert (
        server.label == f"{connection.settings_dict['HOST'] or 'localhost'}:{connection.settings_dict['PORT'] or 5432}"
    )
    found = placement.tenant_placements([tenants.kota, tenants.a, tenants.b])
    assert set(found) == {tenants.kota.pk, tenants.a.pk, tenants.b.pk}
    for place in found.values():
        assert place.node == server and not place.distributed
        assert place.size_bytes > 100_000  # ~90 tables with their indexes, never a made-up 0
    assert placement.placements(["no_such_schema"]) == {}
    [load] = placement.node_loads()
    assert load.node == server and load.tenants == Tenant.objects.exclude(tenant_type="public").count()
    assert placement.rebalance_plan() == []


def test_placements_cost_the_same_for_one_tenant_or_many(tenants: TenantSet) -> None:
    one = _queries(lambda: placement.tenant_placements([tenants.a]))
    three = _queries(lambda: placement.tenant_placements([tenants.kota, tenants.a, tenants.b]))
    assert one == three <= 3


def test_a_move_is_refused_on_plain_postgresql_and_for_the_platform(tenants: TenantSet) -> None:
    with pytest.raises(Conflict) as refused:
        placement.do_start_move(tenants.a, "localhost:5433")
    assert refused.value.code == "single_node"
    assert "hanya satu node" in str(refused.value.message)
    public = Tenant.objects.get(schema_name="public")
    with pytest.raises(ValidationFailed) as platform:
        placement.do_start_move(public, "localhost:5433")
    assert platform.value.code == "platform_tenant"
    assert not TenantOperationJob.objects.filter(kind="move").exists()


def test_rebalance_command_on_plain_postgresql_says_one_node(tenants: TenantSet) -> None:
    out = StringIO()
    call_command("rebalance_tenants", "--apply", stdout=out)
    assert "One node" in out.getvalue() and "nothing to move" in out.getvalue()


# --- the planner (pure) -------------------------------------------------------------------------


def _load(node: Node, *schemas: str) -> NodeLoad:
    return NodeLoad(node, tenants=len(schemas), schemas=list(schemas))


def test_plan_by_count_evens_out_tenants_and_leaves_the_coordinator_alone() -> None:
    loads = [_load(COORD, "c1"), _load(W1, *[f"s{i}" for i in range(6)]), _load(W2)]
    plan = placement.plan_rebalance(loads, {}, by="count")
    assert len(plan) == 3
    assert {move.source for move in plan} == {W1} and {move.target for move in plan} == {W2}
    assert "c1" not in {move.schema_name for move in plan}


def test_plan_by_size_moves_the_tenant_that_best_closes_the_gap() -> None:
    sizes = {"big": 900, "mid": 400, "small": 100, "other": 300}
    loads = [_load(W1, "big", "mid", "small"), _load(W2, "other")]
    plan = placement.plan_rebalance(loads, sizes, by="size")
    # W1 1400 vs W2 300: moving "mid" (400) leaves 1000 / 700, moving "big" 500 / 1200.
    first = plan[0]
    assert (first.schema_name, first.source, first.target, first.size_bytes) == ("mid", W1, W2, 400)
    after = {W1.id: 1400, W2.id: 300}
    for move in plan:
        after[move.source.id] -= sizes[move.schema_name]
        after[move.target.id] += sizes[move.schema_name]
    assert abs(after[W1.id] - after[W2.id]) < 1400 - 300


def test_plan_is_empty_when_balanced_single_or_nothing_movable() -> None:
    sizes = {"a": 100, "b": 105}
    assert placement.plan_rebalance([_load(W1, "a"), _load(W2, "b")], sizes) == []
    assert placement.plan_rebalance([_load(W1, "a", "b")], sizes) == []  # one node
    assert placement.plan_rebalance([_load(W1, "a", "b"), _load(DOWN)], sizes) == []  # inactive target
    loads = [_load(W1, "a", "b", "c"), _load(W2)]
    assert placement.plan_rebalance(loads, {}, by="count", movable=set()) == []
    with pytest.raises(ValueError):
        placement.plan_rebalance(loads, {}, by="rows")


# --- the move service against a simulated cluster -----------------------------------------------


@pytest.fixture
def cluster(monkeypatch: pytest.MonkeyPatch, tenants: TenantSet) -> dict[str, Node]:
    """Two workers; tenant a on W1 (distributed), tenant b a local schema on the coordinator.
    Only the metadata reads are simulated: the service's checks, locks and job rows are real."""
    where = {tenants.a.schema_name: Placement(tenants.a.schema_name, W1, 12345, distributed=True)}
    where[tenants.b.schema_name] = Placement(tenants.b.schema_name, COORD, 999, distributed=False)
    monkeypatch.setattr(placement, "is_citus", lambda: True)
    monkeypatch.setattr(placement, "nodes", lambda: [COORD, W1, W2, W3, DOWN])
    monkeypatch.setattr(placement, "placement_of", where.get)
    loads = [
        NodeLoad(COORD, 1, 999, [tenants.b.schema_name]),
        NodeLoad(W1, 1, 12345, [tenants.a.schema_name]),
        NodeLoad(W2),
        NodeLoad(W3),
        NodeLoad(DOWN),
    ]
    monkeypatch.setattr(placement, "node_loads", lambda: loads)
    return {"W1": W1, "W2": W2}


def test_a_move_is_queued_once_and_a_repeat_returns_the_running_job(
    cluster: dict[str, Node], tenants: TenantSet
) -> None:
    job = placement.do_start_move(tenants.a, "10.0.0.3:5432", queue=False)
    assert (job.kind, job.status, job.target_node) == ("move", "pending", "10.0.0.3:5432")
    assert job.result == {"source": "10.0.0.2:5432", "size_bytes": 12345, "transfer_mode": "auto"}
    assert placement.do_start_move(tenants.a, "3", queue=False).pk == job.pk  # by node id too
    with pytest.raises(Conflict) as elsewhere:
        placement.do_start_move(tenants.a, "10.0.0.5:5432", queue=False)
    assert elsewhere.value.code == "tenant_job_running"
    assert TenantOperationJob.objects.filter(kind="move").count() == 1


@pytest.mark.parametrize(
    ("target", "error", "code"),
    [
        ("10.0.0.9:5432", ValidationFailed, "unknown_node"),
        ("", ValidationFailed, "unknown_node"),
        ("10.0.0.4:5432", ValidationFailed, "node_unavailable"),
        ("10.0.0.1:5432", ValidationFailed, "node_unavailable"),  # the coordinator takes no tenants
        ("10.0.0.2:5432", Conflict, "same_node"),
    ],
)
def test_a_move_to_a_wrong_node_is_refused_with_its_reason(
    cluster: dict[str, Node], tenants: TenantSet, target: str, error: type[Exception], code: str
) -> None:
    with pytest.raises(error) as refused:
        placement.do_start_move(tenants.a, target, queue=False)
    assert refused.value.code == code  # type: ignore[attr-defined]
    assert not TenantOperationJob.objects.filter(kind="move").exists()


def test_a_local_schema_or_a_tenant_being_archived_is_not_moved(cluster: dict[str, Node], tenants: TenantSet) -> None:
    with pytest.raises(Conflict) as local:
        placement.do_start_move(tenants.b, "10.0.0.3:5432", queue=False)
    assert local.value.code == "not_distributed"
    TenantOperationJob.objects.create(kind="archive", schema_name=tenants.a.schema_name, name="x", total=6)
    with pytest.raises(Conflict) as busy:
        placement.do_start_move(tenants.a, "10.0.0.3:5432", queue=False)
    assert busy.value.code == "tenant_job_running"


def test_an_archive_is_refused_while_a_move_runs(cluster: dict[str, Node], tenants: TenantSet) -> None:
    from apps.tenancy import operations

    placement.do_start_move(tenants.a, "10.0.0.3:5432", queue=False)
    with pytest.raises(Conflict):
        operations.do_start_archive(tenants.a, queue=False)


# --- operator pages, admin and API --------------------------------------------------------------


@pytest.fixture
def plain_staff(db: None) -> User:
    connection.set_schema_to_public()
    user = create_user(username="staf-placement", email="staf@kotakita.id", password=PASSWORD)
    user.is_staff = True  # platform staff, not a franchise operator
    user.save(update_fields=["is_staff"])
    return user


def test_admin_list_and_change_page_show_each_tenants_node(tenants: TenantSet, operator_client: Client) -> None:
    [server] = placement.nodes()
    response = operator_client.get("/admin/tenancy/tenant/")
    assert response.status_code == 200
    assert response.content.decode().count(server.label) >= 3
    response = operator_client.get(f"/admin/tenancy/tenant/{tenants.a.pk}/change/")
    assert response.status_code == 200 and server.label in response.content.decode()


def test_admin_list_queries_do_not_grow_with_tenants(tenants: TenantSet, operator_client: Client) -> None:
    from apps.tenancy.services import activate_region

    before = _queries(lambda: operator_client.get("/admin/tenancy/tenant/"))
    connection.set_schema_to_public()
    activate_region("35.77.03.1003")
    activate_region("35.77.03.1004")
    connection.set_schema_to_public()
    assert _queries(lambda: operator_client.get("/admin/tenancy/tenant/")) == before


def test_move_page_on_one_node_says_so_and_refuses_the_post(tenants: TenantSet, operator_client: Client) -> None:
    url = f"/operator/tenant/{tenants.a.region_id}/pindahkan/"
    page = operator_client.get(url)
    assert page.status_code == 200 and b'data-testid="single-node"' in page.content
    refused = operator_client.post(url, {"node": "localhost:5433"})
    assert refused.status_code == 409
    assert "hanya satu node" in refused.content.decode()
    assert not TenantOperationJob.objects.filter(kind="move").exists()


def test_move_page_starts_the_job_and_lands_on_its_progress_page(
    cluster: dict[str, Node], tenants: TenantSet, operator_client: Client
) -> None:
    url = f"/operator/tenant/{tenants.a.region_id}/pindahkan/"
    page = operator_client.get(url)
    body = page.content.decode()
    assert page.status_code == 200 and '<option value="10.0.0.3:5432">' in body
    assert '<option value="10.0.0.2:5432">' not in body  # where it is now
    assert '<option value="10.0.0.4:5432">' not in body  # inactive
    assert '<option value="10.0.0.1:5432">' not in body  # the coordinator takes no tenants
    queued: list[int] = []
    monkey_queue = pytest.MonkeyPatch()
    monkey_queue.setattr(placement.operations, "_queue", lambda job: queued.append(job.pk))
    try:
        response = operator_client.post(url, {"node": "10.0.0.3:5432"})
        again = operator_client.post(url, {"node": "10.0.0.3:5432"})
    finally:
        monkey_queue.undo()
    job = TenantOperationJob.objects.get(kind="move")
    assert response.status_code == 302 and response["Location"] == f"/operator/pekerjaan/tenant/{job.pk}/"
    assert again["Location"] == response["Location"] and queued == [job.pk]
    progress = operator_client.get(response["Location"], headers={"HX-Request": "true"})
    text = progress.content.decode()
    assert 'hx-trigger="every 2s"' in text and "10.0.0.2:5432 → 10.0.0.3:5432" in text
    TenantOperationJob.objects.filter(pk=job.pk).update(
        status="done", done=100, result={**job.result, "target": "10.0.0.3:5432", "seconds": 4.2}
    )
    done = operator_client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and 'data-testid="job-done"' in done and "4,2 detik" in done


def test_move_pages_are_for_operators_only(tenants: TenantSet, plain_staff: User) -> None:
    url = f"/operator/tenant/{tenants.a.region_id}/pindahkan/"
    assert client_for(None).get(url).status_code == 302  # sign in first
    staff = client_for(None)
    staff.force_login(plain_staff)
    assert staff.get(url).status_code == 403
    assert staff.post(url, {"node": "x:1"}).status_code == 403
    tenant_host = client_for(tenants.a)
    assert tenant_host.get(url).status_code == 404


def test_api_lists_the_node_of_every_tenant_in_constant_queries(tenants: TenantSet, operator_client: Client) -> None:
    [server] = placement.nodes()
    response = operator_client.get("/api/v1/tenants/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert rows and all(row["node"] == server.label and row["size_bytes"] > 0 for row in rows)
    one = operator_client.get(f"/api/v1/tenants/{tenants.a.region_id}/").json()
    assert one["node"] == server.label
    before = _queries(lambda: operator_client.get("/api/v1/tenants/"))
    from apps.tenancy.services import activate_region

    connection.set_schema_to_public()
    activate_region("35.77.03.1005")
    connection.set_schema_to_public()
    assert _queries(lambda: operator_client.get("/api/v1/tenants/")) == before
    nodes = operator_client.get("/api/v1/tenants/nodes/").json()
    assert [(n["node"], n["coordinator"]) for n in nodes] == [(server.label, True)]
    assert nodes[0]["tenants"] == Tenant.objects.exclude(tenant_type="public").count()
    assert operator_client.get("/api/v1/tenants/rebalance-plan/").json() == []
    assert operator_client.get("/api/v1/tenants/rebalance-plan/?by=rows").status_code == 422


def test_api_move_is_refused_on_one_node_and_for_non_operators(
    tenants: TenantSet, operator_client: Client, plain_staff: User
) -> None:
    url = f"/api/v1/tenants/{tenants.a.region_id}/move/"
    refused = operator_client.post(url, {"node": "localhost:5433"}, content_type="application/json")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "single_node"
    assert operator_client.post(url, {}, content_type="application/json").status_code == 400
    staff = client_for(None)
    staff.force_login(plain_staff)
    assert staff.post(url, {"node": "x:1"}, content_type="application/json").status_code == 403
    assert staff.get("/api/v1/tenants/nodes/").status_code == 403
    assert client_for(None).post(url, {"node": "x:1"}, content_type="application/json").status_code in (401, 403)


def test_api_move_queues_the_job_and_a_repeat_returns_it(
    cluster: dict[str, Node], tenants: TenantSet, operator_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(placement.operations, "_queue", lambda job: None)
    url = f"/api/v1/tenants/{tenants.a.region_id}/move/"
    first = operator_client.post(url, {"node": "10.0.0.3:5432"}, content_type="application/json")
    assert first.status_code == 202, first.content
    body = first.json()
    assert body["kind"] == "move" and body["target_node"] == "10.0.0.3:5432" and body["status"] == "pending"
    second = operator_client.post(url, {"node": "10.0.0.3:5432"}, content_type="application/json")
    assert second.status_code == 202 and second.json()["id"] == body["id"]
    same = operator_client.post(
        f"/api/v1/tenants/{tenants.b.region_id}/move/", {"node": "10.0.0.9:1"}, content_type="application/json"
    )
    assert same.status_code == 422 and same.json()["error"]["code"] == "unknown_node"
    assert operator_client.get(f"/api/v1/tenant-jobs/{body['id']}/").json()["target_node"] == "10.0.0.3:5432"

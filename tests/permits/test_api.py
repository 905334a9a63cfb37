"""The permits API: create, list/detail, step actions, events, KBLI, and its OpenAPI documentation."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.permits.models import Permit
from apps.tenancy.models import Tenant
from tests.filters import assert_refused

from .conftest import NIK_MASKED, People, advance, application, logged_in, submitted_permit

pytestmark = pytest.mark.django_db


def test_create_with_files_and_submit(tenant_a: Tenant, people: People) -> None:
    owner = logged_in(tenant_a, people.owner)
    response = owner.post("/api/v1/permits/", {**application(), "submit": "true"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["nik_masked"] == NIK_MASKED
    assert body["applicant"]["name"] == "Sri Rahayu" and body["rt"] == "RT 01/RW 61"
    assert body["has_ktp_scan"] and body["has_premises_photo"] and body["lat"] == -7.6375
    assert body["actions"] == ["withdraw"] and body["due_at"] and body["overdue"] is False
    assert "ktp_scan" not in body and "nik" not in body  # no storage paths, no NIK
    draft = owner.post(
        "/api/v1/permits/",
        {
            "nik": "3577035208850001",
            "business_name": "Jahit Bu Sri",
            "kbli_code": "14120",
            "capital": 5000000,
            "workers": 0,
        },
        content_type="application/json",
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    assert draft.json()["actions"] == ["submit", "withdraw"]
    incomplete = owner.post(f"/api/v1/permits/{draft.json()['id']}/submit/")
    assert incomplete.status_code == 422 and incomplete.json()["error"]["code"] == "incomplete"
    patched = owner.patch(
        f"/api/v1/permits/{draft.json()['id']}/",
        {"workers": 1, "business_name": "Jahit Rapi Bu Sri"},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["business_name"] == "Jahit Rapi Bu Sri"


def test_step_endpoints_answer_200_403_409_404(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
    url = f"/api/v1/permits/{permit.pk}"
    staff, rt = logged_in(tenant_a, people.staf), logged_in(tenant_a, people.ketua_rt)
    # staff can see the permit but it is the RT/RW head's step
    refused = staff.post(f"{url}/recommend/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "not_your_step"
    assert "ketua RT atau ketua RW" in refused.json()["error"]["message"]
    too_early = staff.post(f"{url}/verify/")
    assert too_early.status_code == 409 and too_early.json()["error"]["code"] == "wrong_status"
    no_reason = rt.post(f"{url}/return/", {"reason": ""}, content_type="application/json")
    assert no_reason.status_code == 422
    ok = rt.post(f"{url}/recommend/", {"reason": "Usaha benar ada di RT kami"}, content_type="application/json")
    assert ok.status_code == 200 and ok.json()["status"] == "recommended"
    # people who cannot see the permit get 404, which reveals nothing
    for user in (people.other_owner, people.other_rt, people.warga):
        assert logged_in(tenant_a, user).post(f"{url}/verify/").status_code == 404
        assert logged_in(tenant_a, user).get(f"{url}/").status_code == 404
    assert Client(HTTP_HOST="mojorejo.localhost").post(f"{url}/verify/").status_code == 401
    with tenant_a:
        assert Permit.objects.get(pk=permit.pk).status == "recommended"
    events = rt.get(f"{url}/events/").json()
    assert [(e["action"], e["actor_role"]) for e in events] == [
        ("create", "pemohon"),
        ("submit", "pemohon"),
        ("recommend", "ketua_rt"),
    ]
    assert events[-1]["reason"] == "Usaha benar ada di RT kami" and events[-1]["actor"] == "Wartini"


def test_lists_are_scoped_to_what_each_person_may_see(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        mine = submitted_permit(people)
        other = advance(
            submitted_permit(people, business_name="Toko Budi"), people, "recommended"
        )  # same RT: the fixtures' owner
        other.applicant = other.created_by = people.other_owner
        other.rt = people.other_rt.rt_led.get()
        other.save()

    def names(user: object, path: str = "/api/v1/permits/") -> set[str]:
        return {p["business_name"] for p in logged_in(tenant_a, user).get(path).json()["results"]}  # type: ignore[arg-type]

    assert names(people.owner) == {mine.business_name}
    assert names(people.other_owner) == {"Toko Budi"}
    assert names(people.ketua_rt) == {mine.business_name}
    assert names(people.other_rt) == {"Toko Budi"}
    assert names(people.staf) == names(people.lurah) == {mine.business_name, "Toko Budi"}
    assert names(people.warga) == set()
    assert names(people.staf, "/api/v1/permits/?status=recommended") == {"Toko Budi"}
    event_permits = {
        e["permit"] for e in logged_in(tenant_a, people.owner).get("/api/v1/permits/events/").json()["results"]
    }
    assert event_permits == {mine.pk}


def test_kbli_endpoints(client_a: Client, tenant_a: Tenant, people: People) -> None:
    client = logged_in(tenant_a, people.owner)
    found = client.get("/api/v1/permits/kbli/", {"q": "keripik"}).json()
    assert {
        "code": "10794",
        "title": "Industri Kerupuk, Keripik, Peyek dan Sejenisnya",
        "section": "C",
        "risk_level": "rendah",
    } in found
    assert client.get("/api/v1/permits/kbli/56102/").json()["title"] == "Rumah/Warung Makan"
    assert client.get("/api/v1/permits/kbli/99999/").status_code == 404


def test_openapi_documents_every_permits_endpoint_without_warnings(client_a: Client, tenant_a: Tenant) -> None:
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    with tenant_a:
        schema = SchemaGenerator(urlconf="config.urls_tenant").get_schema(request=None, public=True)
    ours = set(GENERATOR_STATS._warn_cache) | set(GENERATOR_STATS._error_cache)
    mine = [w for w in ours if any(word in w.lower() for word in ("permit", "kbli", "risk", "nib", "verification"))]
    assert mine == []
    paths = schema["paths"]
    for step in (
        "submit",
        "recommend",
        "verify",
        "approve",
        "issue",
        "return",
        "reject",
        "resubmit",
        "withdraw",
        "revoke",
    ):
        operation = paths[f"/api/v1/permits/{{id}}/{step}/"]["post"]
        assert {"200", "403", "409", "422"} <= set(operation["responses"]), step
    for path in (
        "/api/v1/permits/",
        "/api/v1/permits/{id}/",
        "/api/v1/permits/{id}/events/",
        "/api/v1/permits/{id}/certificate/",
        "/api/v1/permits/{id}/nib/",
        "/api/v1/permits/{id}/nib/register/",
        "/api/v1/permits/events/",
        "/api/v1/permits/kbli/",
        "/api/v1/permits/queue/",
        "/api/v1/permits/find-by-nik/",
        "/api/v1/permits/verification/{token}/",
    ):
        assert path in paths, path
    create = paths["/api/v1/permits/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in create
    served = client_a.get("/api/v1/schema/")
    assert served.status_code == 200 and b"/api/v1/permits/{id}/recommend/" in served.content


def test_list_filters_narrow_and_refuse_unreadable_values(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        first = submitted_permit(people)
        second = advance(submitted_permit(people, business_name="Toko Budi"), people, "recommended")
    staf = logged_in(tenant_a, people.staf)

    def ids(path: str, **params: str) -> set[int]:
        response = staf.get(path, params)
        assert response.status_code == 200, response.content
        return {row["id"] if "business_name" in row else row["permit"] for row in response.json()["results"]}

    assert ids("/api/v1/permits/") == {first.pk, second.pk}
    assert ids("/api/v1/permits/", status="submitted") == {first.pk}
    assert ids("/api/v1/permits/events/") == {first.pk, second.pk}
    assert ids("/api/v1/permits/events/", permit=str(second.pk)) == {second.pk}
    assert_refused(staf.get("/api/v1/permits/", {"status": "semua"}), "status")
    for bad in ("abc", "1.5"):
        assert_refused(staf.get("/api/v1/permits/events/", {"permit": bad}), "permit")
    # A list parameter is not read on a detail route: the permit is found whatever its status.
    assert staf.get(f"/api/v1/permits/{first.pk}/", {"status": "issued"}).status_code == 200

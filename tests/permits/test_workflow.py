"""The workflow: the role × step matrix, order of steps, the event log and notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.notifications.models import Message
from apps.permits import services, workflow
from apps.permits.models import Permit, PermitEvent
from apps.tenancy.models import Tenant

from .conftest import People, advance, application, submitted_permit

pytestmark = pytest.mark.django_db

STAFF = {"staf", "admin"}
# (action, the status it is tried in, who may take it there)
MATRIX = [
    ("submit", "draft", {"owner"} | STAFF),
    ("recommend", "submitted", {"ketua_rt", "ketua_rw"}),
    ("verify", "recommended", STAFF),
    ("approve", "verified", {"lurah"}),
    ("issue", "approved", STAFF),
    ("return", "submitted", {"ketua_rt", "ketua_rw"}),
    ("return", "recommended", STAFF),
    ("return", "verified", {"lurah"}),
    ("reject", "submitted", {"ketua_rt", "ketua_rw"}),
    ("reject", "recommended", STAFF),
    ("reject", "verified", {"lurah"}),
    ("resubmit", "returned", {"owner"} | STAFF),
    ("withdraw", "draft", {"owner"}),
    ("withdraw", "submitted", {"owner"}),
    ("withdraw", "verified", {"owner"}),
    ("withdraw", "returned", {"owner"}),
    ("revoke", "issued", {"lurah"}),
]


class _Undo(Exception):
    pass


def permit_in(status: str, people: People) -> Permit:
    if status == "draft":
        return services.create_permit(actor=people.owner, **application())
    permit = submitted_permit(people)
    if status == "returned":
        return services.take_step(permit, people.ketua_rt, "return", "Foto kurang jelas")
    return advance(permit, people, status)


def snapshot(permit: Permit) -> dict[str, Any]:
    fresh = Permit.objects.get(pk=permit.pk)
    return {
        "status": fresh.status,
        "updated_at": fresh.updated_at,
        "due_at": fresh.due_at,
        "number": fresh.number,
        "events": PermitEvent.objects.filter(permit=fresh).count(),
        "messages": Message.objects.count(),
    }


@pytest.mark.parametrize(("action", "status", "allowed"), MATRIX, ids=[f"{a}@{s}" for a, s, _ in MATRIX])
def test_every_role_on_every_step(
    tenant_a: Tenant, people: People, action: str, status: str, allowed: set[str]
) -> None:
    with tenant_a:
        permit = permit_in(status, people)
        target = workflow.PERMIT.steps[action].target
        # The lurah's approval issues the permit in the same action when nothing is pending.
        final = workflow.ISSUED if action == "approve" else target
        for name, user in people.everyone().items():
            before = snapshot(permit)
            if name in allowed:
                try:
                    with transaction.atomic():
                        moved = services.take_step(permit.pk, user, action, "alasan uji")
                        assert moved.status == final, name
                        event = moved.events.filter(action=action).latest("created_at", "id")
                        assert (event.actor, event.action, event.from_status, event.to_status) == (
                            user,
                            action,
                            status,
                            target,
                        )
                        raise _Undo
                except _Undo:
                    pass
            else:
                with pytest.raises(Forbidden) as refused:
                    services.take_step(permit.pk, user, action, "alasan uji")
                assert refused.value.status_code == 403
                assert str(refused.value.message).startswith(("Hanya", "Anda tidak")), name
            assert snapshot(permit) == before, name


def test_refusals_say_who_may_act(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        with pytest.raises(Forbidden, match=r"ketua RT atau ketua RW pemohon \(RT 01/RW 61\)"):
            services.recommend(permit, people.other_rt)
        permit = advance(permit, people, "recommended")
        with pytest.raises(Forbidden, match="petugas kelurahan"):
            services.verify(permit, people.lurah)
        permit = advance(permit, people, "verified")
        with pytest.raises(Forbidden, match="Hanya lurah"):
            services.approve(permit, people.admin)


def test_nobody_processes_their_own_application(tenant_a: Tenant, people: People) -> None:
    """A ketua RT who applies is recommended by the RW head, not by themselves."""
    with tenant_a:
        people.owner, people.ketua_rt = people.ketua_rt, people.owner
        from apps.rtrw.models import Residency

        Residency.objects.create(user=people.owner, rt=people.rt)
        permit = submitted_permit(people)
        with pytest.raises(Forbidden, match="permohonan Anda sendiri"):
            services.recommend(permit, people.owner)
        assert services.recommend(permit, people.ketua_rw).status == "recommended"


@pytest.mark.parametrize(
    ("status", "action", "who"),
    [
        ("draft", "recommend", "ketua_rt"),
        ("submitted", "verify", "staf"),
        ("submitted", "approve", "lurah"),
        ("recommended", "issue", "admin"),
        ("verified", "revoke", "lurah"),
        ("issued", "approve", "lurah"),
        ("issued", "withdraw", "owner"),
        ("approved", "withdraw", "owner"),
        ("recommended", "recommend", "ketua_rt"),
        ("submitted", "resubmit", "owner"),
    ],
)
def test_steps_out_of_order_are_409_and_change_nothing(
    tenant_a: Tenant, people: People, status: str, action: str, who: str
) -> None:
    with tenant_a:
        permit = permit_in(status, people)
        before = snapshot(permit)
        with pytest.raises(Conflict) as info:
            services.take_step(permit, people.everyone()[who], action, "alasan")
        assert info.value.status_code == 409 and info.value.code == "wrong_status"
        label = Permit.Status(status).label
        assert str(info.value) == f"Langkah ini tidak dapat dilakukan saat status permohonan “{label}”."
        assert info.value.details == {"status": status}
        assert snapshot(permit) == before


@pytest.mark.parametrize(
    ("status", "action", "who"), [("submitted", "return", "ketua_rt"), ("issued", "revoke", "lurah")]
)
def test_return_reject_revoke_need_a_reason(
    tenant_a: Tenant, people: People, status: str, action: str, who: str
) -> None:
    with tenant_a:
        permit = permit_in(status, people)
        before = snapshot(permit)
        with pytest.raises(ValidationFailed, match="Alasan wajib"):
            services.take_step(permit, people.everyone()[who], action, "   ")
        assert snapshot(permit) == before


def test_full_path_logs_who_when_why_and_notifies(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = submitted_permit(people)
        # the RT and RW heads are told to act; the applicant acted, so gets nothing yet
        todo = Message.objects.filter(event="permits.action_needed", channel="in_app")
        assert {m.recipient for m in todo} == {people.ketua_rt, people.ketua_rw}
        permit = services.return_for_completion(permit, people.ketua_rw, "Foto tempat usaha buram")
        assert permit.status == "returned" and permit.status_reason == "Foto tempat usaha buram"
        told = Message.objects.filter(recipient=people.owner, event="permits.return", channel="in_app").get()
        assert "Foto tempat usaha buram" in told.body and told.url == f"/izin/{permit.pk}/"
        permit = services.resubmit(permit, people.owner)
        assert permit.status == "submitted" and permit.status_reason == ""
        permit = advance(permit, people, "issued")
        assert permit.number and permit.verification_token and permit.issued_at
        actions = list(permit.events.order_by("created_at", "id").values_list("action", "actor_role"))
        assert actions == [
            ("create", "pemohon"),
            ("submit", "pemohon"),
            ("return", "ketua_rw"),
            ("resubmit", "pemohon"),
            ("recommend", "ketua_rt"),
            ("verify", "petugas"),
            ("approve", "lurah"),
            ("issue", "lurah"),  # the approval issued it at once
        ]
        assert PermitEvent.objects.get(permit=permit, action="return").reason == "Foto tempat usaha buram"
        # verified: the lurah was asked to approve; issued: the applicant hears about it
        assert Message.objects.filter(recipient=people.lurah, event="permits.action_needed").exists()
        issued = Message.objects.get(recipient=people.owner, event="permits.issue", channel="in_app")
        assert permit.number in issued.body
        assert permit.due_at is None  # nobody has to act on an issued permit


def test_staff_apply_on_behalf_others_may_not(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        permit = services.create_permit(actor=people.staf, applicant=people.owner, **application())
        assert permit.applicant == people.owner and permit.created_by == people.staf
        assert permit.events.get().actor_role == "petugas"
        with pytest.raises(Forbidden):
            services.create_permit(actor=people.warga, applicant=people.owner, **application())


def test_permit_numbers_follow_the_documented_format_and_count_per_year(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        first = advance(submitted_permit(people), people, "issued")
        second = advance(submitted_permit(people, business_name="Keripik Tempe"), people, "issued")
        year = first.issued_at.year  # type: ignore[union-attr]
        assert first.number == f"503/0001/35.77.03.1001/{year}"
        assert second.number == f"503/0002/35.77.03.1001/{year}"
        assert services.format_number(7, "35.77.03.1001", 2026) == "503/0007/35.77.03.1001/2026"

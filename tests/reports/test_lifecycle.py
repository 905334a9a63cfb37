"""The lifecycle: who may do what in which status; refused actions change nothing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.notifications.models import Message
from apps.reports import services
from apps.reports.models import Category, Report, ReportFollower, ReportSettings, ReportUpdate
from tests.conftest import PASSWORD
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db

S = Report.Status


def _snapshot(report: Report) -> tuple[str, int, int]:
    report.refresh_from_db()
    return report.status, ReportUpdate.objects.count(), Message.objects.count()


def _refused(report: Report, call: Callable[[], Any], error: type[DomainError]) -> DomainError:
    before = _snapshot(report)
    with pytest.raises(error) as caught:
        call()
    assert _snapshot(report) == before
    return caught.value


@pytest.mark.parametrize(
    ("category", "allowed", "refused"),
    [
        ("jalan", ["admin", "lurah", "opd_staff"], ["warga", "tetangga", "ketua_rt", "ketua_rw", "outsider_staff"]),
        ("sampah", ["admin", "lurah"], ["warga", "opd_staff", "ketua_rt", "ketua_rw", "outsider_staff"]),
        ("keamanan", ["admin", "lurah", "ketua_rt", "ketua_rw"], ["warga", "tetangga", "opd_staff"]),
    ],
)
def test_who_may_handle_which_category(world: World, category: str, allowed: list[str], refused: list[str]) -> None:
    for name in refused:
        report = world.file(getattr(world, category))
        actor: User = getattr(world, name)
        for action, args in (
            (services.verify, ()),
            (services.start_work, ()),
            (services.resolve, ("beres",)),
            (services.mark_not_responsible, ("bukan",)),
            (services.add_note, ("catatan",)),
        ):
            error = _refused(report, functools.partial(action, report, actor, *args), Forbidden)
            assert error.code == "not_handler", (name, action.__name__)
    for name in allowed:
        report = world.file(getattr(world, category))
        services.verify(report, getattr(world, name))
        services.start_work(report, getattr(world, name))
        services.resolve(report, getattr(world, name), "Sudah diperbaiki")
        report.refresh_from_db()
        assert report.status == S.RESOLVED, name


def test_the_happy_path_and_its_public_timeline(world: World) -> None:
    report = world.file(world.jalan)
    services.me_too(report, world.tetangga)
    services.verify(report, world.opd_staff)
    services.start_work(report, world.opd_staff, "Tim dijadwalkan Kamis")
    services.resolve(report, world.opd_staff, "Lubang sudah ditambal")
    services.close(report, world.warga, "Terima kasih")
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.assignee == world.opd_staff
    timeline = [(u.to_status, u.actor_label) for u in report.updates.all()]
    assert timeline == [
        ("open", "Pelapor"),
        ("verified", "Dinas PUPR Kota Madiun"),
        ("in_progress", "Dinas PUPR Kota Madiun"),
        ("resolved", "Dinas PUPR Kota Madiun"),
        ("closed", "Pelapor"),
    ]
    # reporter and supporter hear about each staff change; the actor never hears about their own
    status_messages = Message.objects.filter(event="reports.status", channel="in_app")
    assert status_messages.filter(recipient=world.warga).count() == 3
    assert status_messages.filter(recipient=world.tetangga).count() == 4
    assert status_messages.filter(recipient=world.opd_staff).count() == 1  # the reporter's close


@pytest.mark.parametrize(
    ("setup", "action", "error"),
    [
        ([], lambda w, r: services.close(r, w.admin), Conflict),
        (["start"], lambda w, r: services.verify(r, w.admin), Conflict),
        ([], lambda w, r: services.resolve(r, w.admin, "  "), ValidationFailed),
        ([], lambda w, r: services.mark_not_responsible(r, w.admin, ""), ValidationFailed),
        ([], lambda w, r: services.add_note(r, w.admin, ""), ValidationFailed),
        (["resolve"], lambda w, r: services.start_work(r, w.admin), Conflict),
        (["resolve"], lambda w, r: services.mark_not_responsible(r, w.admin, "bukan"), Conflict),
        (["not_responsible"], lambda w, r: services.resolve(r, w.admin, "x"), Conflict),
        (["not_responsible"], lambda w, r: services.reopen(r, w.warga, "belum"), Conflict),
        (["resolve"], lambda w, r: services.reopen(r, w.tetangga, "belum"), Forbidden),
        (["resolve"], lambda w, r: services.reopen(r, w.admin, "belum"), Forbidden),
        (["resolve"], lambda w, r: services.reopen(r, w.warga, ""), ValidationFailed),
        (["resolve"], lambda w, r: services.close(r, w.tetangga), Forbidden),
        ([], lambda w, r: services.mark_duplicate(r, w.admin, r), ValidationFailed),
        ([], lambda w, r: services.mark_duplicate(r, w.admin, "LP-TIDAKADA"), NotFound),
        ([], lambda w, r: services.apply_action(r, w.admin, "hapus"), ValidationFailed),
    ],
)
def test_refused_transitions_change_nothing(
    world: World, setup: list[str], action: Callable[[World, Report], Any], error: type[DomainError]
) -> None:
    report = world.file()
    for step in setup:
        if step == "start":
            services.start_work(report, world.admin)
        elif step == "resolve":
            services.resolve(report, world.admin, "Beres")
        elif step == "not_responsible":
            services.mark_not_responsible(report, world.admin, "Wewenang PT KAI")
    refused = _refused(report, lambda: action(world, report), error)
    assert str(refused.message)


def test_reopen_only_by_the_reporter_within_the_window(world: World) -> None:
    ReportSettings.objects.create(pk=1, reopen_days=14)
    now = timezone.now()
    report = world.file(now=now - timedelta(days=30))
    services.resolve(report, world.admin, "Beres", now=now - timedelta(days=20))
    error = _refused(report, lambda: services.reopen(report, world.warga, "Masih bocor", now=now), Conflict)
    assert error.code == "reopen_expired"

    fresh = world.file(now=now - timedelta(days=3))
    services.resolve(fresh, world.admin, "Beres", now=now - timedelta(days=2))
    services.close(fresh, world.warga, now=now - timedelta(days=1))
    services.reopen(fresh, world.warga, "Lubang muncul lagi", now=now)
    fresh.refresh_from_db()
    assert fresh.status == S.REOPENED and fresh.resolved_at is None and fresh.open311_status == "open"
    # handlers take it from there
    services.start_work(fresh, world.admin)
    services.resolve(fresh, world.admin, "Ditambal ulang")
    fresh.refresh_from_db()
    assert fresh.status == S.RESOLVED


def test_duplicate_merges_people_and_support_into_the_original(world: World) -> None:
    original = world.file(description="Sampah di ujung gang")
    copy = world.file(reporter=world.tetangga, description="Sampah ujung gang, bau")
    services.me_too(copy, world.lurah)
    services.mark_duplicate(copy, world.admin, original.code.lower())
    copy.refresh_from_db()
    original.refresh_from_db()
    assert copy.status == S.DUPLICATE and copy.duplicate_of == original and copy.open311_status == "closed"
    assert original.support_count == 2
    assert set(ReportFollower.objects.filter(report=original).values_list("user__username", flat=True)) == {
        world.tetangga.username,
        world.lurah.username,
    }
    assert original.code in copy.status_notes
    third = world.file(reporter=world.tetangga)
    error = _refused(third, lambda: services.mark_duplicate(third, world.admin, copy), Conflict)
    assert error.code == "original_is_duplicate"


def test_category_routing_is_validated(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.ensure_category(code="salah", name="Salah", unit=Category.Unit.RT)  # no RT given
    with pytest.raises(ValidationFailed):
        services.ensure_category(
            code="salah2", name="Salah", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=24
        )
    assert not Category.objects.filter(code__startswith="salah").exists()


def test_staff_act_from_the_report_page_and_others_are_refused(client_a: Client, world: World) -> None:
    report = world.file(world.keamanan)
    client_a.post("/akun/masuk/", {"username": world.tetangga.username, "password": PASSWORD})
    page = client_a.get(f"/laporan/{report.code}/")
    assert 'data-testid="staff-actions"' not in page.content.decode()
    refused = client_a.post(f"/laporan/{report.code}/tindakan/", {"action": "verify"})
    assert refused.status_code == 403
    assert Report.objects.get(pk=report.pk).status == S.OPEN

    staff = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    staff.post("/akun/masuk/", {"username": world.ketua_rt.username, "password": PASSWORD})
    page = staff.get(f"/laporan/{report.code}/").content.decode()
    assert 'data-testid="staff-actions"' in page and 'data-testid="action-verify"' in page
    assert world.warga.email in page or "Warga Mojorejo" in page  # handlers see who reported
    missing_note = staff.post(f"/laporan/{report.code}/tindakan/", {"action": "resolve", "note": ""})
    assert missing_note.status_code == 422 and "Tuliskan apa yang sudah dikerjakan" in missing_note.content.decode()
    done = staff.post(f"/laporan/{report.code}/tindakan/", {"action": "start", "note": "Dicek malam ini"})
    assert done.status_code == 302
    assert Report.objects.get(pk=report.pk).status == S.IN_PROGRESS
    queue = staff.get("/laporan/petugas/").content.decode()
    assert report.code in queue
    assert client_a.get("/laporan/petugas/").status_code == 404  # a warga has no queue

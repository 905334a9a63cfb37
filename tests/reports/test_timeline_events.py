"""A report's public timeline is a view of the one audit table (core_event, subject "report";
docs/design/schema-cost.md step 3): what the services write, what the public sees, and the
migration that moved the old reports_reportupdate rows."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.test import Client

from apps.core.audit import Event, SubjectEventMixin, events_for
from apps.reports import selectors, services
from apps.reports.models import Report, ReportUpdate
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db


def test_an_update_is_a_core_event_about_its_report(world: World) -> None:
    assert issubclass(ReportUpdate, SubjectEventMixin) and ReportUpdate._meta.concrete_model is Event
    report = world.file(world.sampah)
    services.verify(report, world.admin, "Dicek petugas")
    note = services.add_note(report, world.admin, "Truk datang besok")
    opened, verified = list(report.updates.all())[:2]
    row = Event.objects.get(pk=verified.pk)
    assert (row.subject_type, row.subject_id, row.action) == ("report", report.pk, "status")
    assert (row.from_status, row.to_status, row.actor, row.note) == ("open", "verified", world.admin, "Dicek petugas")
    assert row.data == {"actor_label": "Kelurahan"}
    assert (opened.actor, opened.actor_label, opened.action) == (world.warga, "Pelapor", "status")
    assert (note.action, note.to_status, note.report_id, note.author) == ("note", "", report.pk, world.admin)
    timeline = list(selectors.timeline(report))
    assert list(events_for(report)) == timeline == list(ReportUpdate.objects.filter(report=report))
    # the same ids in another subject type are not this report's timeline
    Event.objects.create(subject_type="permit", subject_id=report.pk, action="create")
    assert len(report.updates.all()) == 3


def test_the_public_timeline_keeps_its_shape(client_a: Client, world: World) -> None:
    report = world.file(world.sampah)
    services.add_note(report, world.admin, "Truk datang besok")
    body = client_a.get(f"/api/v1/reports/{report.code}/updates/").json()
    assert [sorted(item) for item in body] == [["actor", "created_at", "from_status", "note", "to_status"]] * 2
    assert [(u["actor"], u["from_status"], u["to_status"], u["note"]) for u in body] == [
        ("Pelapor", "", "open", "Laporan diterima."),
        ("Kelurahan", "", "", "Truk datang besok"),
    ]
    page = client_a.get(f"/laporan/{report.code}/").content.decode()
    assert "Truk datang besok" in page and "Laporan diterima." in page


def test_timelines_of_a_list_load_in_one_query(world: World, django_assert_num_queries: Any) -> None:
    reports = [world.file(world.sampah, east=i * 50) for i in range(3)]
    services.add_note(reports[1], world.admin, "Sudah dicek")
    fresh = list(Report.objects.filter(pk__in=[r.pk for r in reports]).order_by("pk"))
    with django_assert_num_queries(1):
        prefetch_related_objects(fresh, "updates")
        assert [[u.action for u in r.updates.all()] for r in fresh] == [["status"], ["status", "note"], ["status"]]


def test_the_migration_copies_the_old_rows_with_their_ids(world: World) -> None:
    """The copy of reports.0010, run against a table shaped like the old one (a temporary
    table: it comes first on the search path)."""
    migration = importlib.import_module("apps.reports.migrations.0010_updates_in_core")
    report = world.file(world.sampah)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE reports_reportupdate (id bigint PRIMARY KEY, report_id bigint NOT NULL,"
            " author_id bigint, actor_label varchar(150) NOT NULL, from_status varchar(20) NOT NULL,"
            " to_status varchar(20) NOT NULL, note text NOT NULL, created_at timestamptz NOT NULL) ON COMMIT DROP"
        )
        cursor.execute(
            "INSERT INTO reports_reportupdate VALUES"
            " (990002, %s, %s, 'RT 05/RW 09', 'open', 'verified', 'Dicek', '2026-01-02 03:00+07'),"
            " (990001, %s, NULL, 'Sistem', '', '', 'Pengingat', '2026-01-02 03:00+07')",
            [report.pk, world.admin.pk, report.pk],
        )
        migration.copy_updates(cursor)
        moved = list(ReportUpdate.objects.filter(pk__in=[990001, 990002]))  # same time: by id
        assert [(u.pk, u.action, u.actor_label, u.from_status, u.to_status, u.note) for u in moved] == [
            (990001, "note", "Sistem", "", "", "Pengingat"),
            (990002, "status", "RT 05/RW 09", "open", "verified", "Dicek"),
        ]
        assert moved[1].actor == world.admin and moved[0].actor is None and moved[0].report_id == report.pk
        assert moved[0].created_at == moved[1].created_at and moved[0].created_at.year == 2026
        assert len(report.updates.all()) == 3
        transaction.set_rollback(True)

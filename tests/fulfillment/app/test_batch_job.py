"""Problem 15 of issue 19: closing a batch answers at once; the solve runs as a background job
the operator follows on a progress page (HTMX), closing twice starts one job, a failed job is
shown with a "Coba lagi" that queues it again."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from apps.fulfillment import selectors, services, solver
from apps.fulfillment.models import Delivery, RoutingJob
from apps.fulfillment.tasks import run_routing_job as routing_task

from .conftest import World, new_delivery, signed_in

pytestmark = pytest.mark.django_db


def test_closing_a_batch_returns_without_solving(world: World, django_capture_on_commit_callbacks: Any) -> None:
    """The request batches and queues; it never calls the solver (eager tasks or not)."""
    delivery = new_delivery(world)
    client = signed_in(world.tenant, world.operator)
    with (
        mock.patch.object(solver, "solve", side_effect=AssertionError("solved inside the request")) as solve,
        mock.patch.object(routing_task, "delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(f"/antar/hub/{world.hub.code}/")
    job = RoutingJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/antar/tugas/{job.pk}/"
    solve.assert_not_called()
    delay.assert_called_once_with(job.pk)  # queued for the routing worker, after commit
    assert job.status == RoutingJob.Status.QUEUED
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.BATCHED
    page = client.get(f"/antar/tugas/{job.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "<progress" in html and 'hx-trigger="every 2s"' in html
    assert "Menunggu giliran" in html


def test_with_eager_tasks_the_job_routes_the_batch(world: World, django_capture_on_commit_callbacks: Any) -> None:
    delivery = new_delivery(world)
    client = signed_in(world.tenant, world.operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/antar/hub/{world.hub.code}/")
    job = RoutingJob.objects.get()
    assert job.status == RoutingJob.Status.SUCCEEDED and job.assigned_count == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    poll = client.get(f"/antar/tugas/{job.pk}/", HTTP_HX_REQUEST="true")
    html = poll.content.decode()
    assert "<html" not in html and "hx-trigger" not in html  # done: the block stops polling
    assert 'value="100"' in html and "Selesai" in html


def test_closing_twice_starts_one_job(world: World, django_capture_on_commit_callbacks: Any) -> None:
    new_delivery(world)
    with mock.patch.object(routing_task, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        first = services.batch_now(world.hub, actor=world.operator)
        new_delivery(world)  # arrives while the first job is still queued
        second = services.batch_now(world.hub, actor=world.staff)
    assert first is not None and second is not None and first.pk == second.pk
    assert RoutingJob.objects.count() == 1 and delay.call_count == 1
    assert Delivery.objects.filter(status=Delivery.Status.PENDING).count() == 1  # waits for the next close


def test_failed_job_is_shown_with_a_retry(world: World, django_capture_on_commit_callbacks: Any) -> None:
    delivery = new_delivery(world)
    client = signed_in(world.tenant, world.operator)
    with (
        mock.patch.object(solver, "solve", side_effect=RuntimeError("matrix server down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(f"/antar/hub/{world.hub.code}/")
    job = RoutingJob.objects.get()
    assert job.status == RoutingJob.Status.FAILED
    html = client.get(f"/antar/tugas/{job.pk}/").content.decode()
    assert "Perhitungan rute gagal" in html and 'data-testid="job-retry"' in html
    assert 'role="alert"' in html
    assert signed_in(world.tenant, world.joko).post(f"/antar/tugas/{job.pk}/ulang/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(f"/antar/tugas/{job.pk}/ulang/", HTTP_HX_REQUEST="true")
    assert retried.status_code == 200
    job.refresh_from_db()
    assert job.status == RoutingJob.Status.SUCCEEDED and job.attempts == 2
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    with mock.patch.object(routing_task, "delay") as delay, django_capture_on_commit_callbacks(execute=True):
        again = client.post(f"/antar/tugas/{job.pk}/ulang/")  # done: nothing to retry
    assert again.status_code == 302 and delay.call_count == 0


def test_progress_follows_the_solver_budget(world: World, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    settings.FULFILLMENT_SOLVER_SECONDS = 9.0
    new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    assert selectors.job_percent(job) is None  # queued: nothing measured yet
    now = timezone.now()
    job.status, job.started_at = RoutingJob.Status.RUNNING, now - timedelta(seconds=5)
    assert selectors.job_percent(job, now) == 50
    job.started_at = now - timedelta(seconds=60)
    assert selectors.job_percent(job, now) == 95  # never "done" before the plan is written


def test_thread_mode_routes_after_the_request(world: World, settings: Any) -> None:
    """Without a broker in `make run` the job runs in a thread: the request only starts it."""
    settings.FULFILLMENT_ROUTING_IN_THREAD = True
    new_delivery(world)
    with (
        mock.patch("apps.fulfillment.services.dispatch._route_in_thread") as thread,
        mock.patch.object(routing_task, "delay") as delay,
    ):
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    thread.assert_called_once()
    assert thread.call_args.args[1] == job.pk and delay.call_count == 0

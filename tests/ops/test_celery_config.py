"""Every task has a queue and a time limit; the broker settings survive outages (kotakita.E600/W600)."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from apps.core.ops_checks import broker_configured_check, longest_hard_limit, visibility_timeout_check
from config.celery import app

QUEUES = {"default", "routing", "scoring", "bulk", "sweeps"}


def project_tasks() -> list[str]:
    app.loader.import_default_modules()
    # Celery's own tasks and the probe tasks some tests register ("tests.*") are not the project's.
    return sorted(name for name in app.tasks if not name.startswith(("celery.", "tests.")))


def test_every_task_is_routed_by_name_to_a_declared_queue() -> None:
    assert set(settings.KOTAKITA_CELERY_QUEUES) == QUEUES
    names = project_tasks()
    assert len(names) > 30
    unrouted = [name for name in names if name not in settings.CELERY_TASK_ROUTES]
    assert not unrouted, f"add these tasks to _QUEUE_TASKS in config/settings/base.py: {unrouted}"
    for name in names:
        queue = app.amqp.router.route({}, name)["queue"].name
        assert queue in QUEUES, (name, queue)
    # the heavy ones never share a queue with the every-minute sweeps
    route = settings.CELERY_TASK_ROUTES
    assert route["fulfillment.run_routing_job"]["queue"] == "routing"
    assert route["lending.retrain"]["queue"] == "scoring"
    assert route["notifications.deliver_due_everywhere"]["queue"] == "sweeps"
    assert route["analytics.rollup_tenant_recent"]["queue"] == "bulk"


def test_every_beat_job_names_a_registered_task() -> None:
    names = set(project_tasks())
    assert {job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()} <= names


def test_every_task_has_a_soft_and_a_hard_time_limit() -> None:
    for name in project_tasks():
        task = app.tasks[name]
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert hard and soft and soft < hard, (name, soft, hard)
    assert app.tasks["fulfillment.run_routing_job"].time_limit == 90
    assert app.tasks["lending.retrain"].time_limit == 1800
    assert app.tasks["notifications.deliver_message"].time_limit == 180  # the default
    assert app.conf.task_time_limit == 180


def test_broker_survives_outages_and_redelivers_after_the_longest_task() -> None:
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.broker_connection_retry_on_startup is True
    assert app.conf.broker_connection_max_retries is None
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert longest_hard_limit() == 1800 < timeout < 3600
    assert visibility_timeout_check() == []


def test_e600_refuses_a_visibility_timeout_shorter_than_a_hard_limit() -> None:
    with override_settings(CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 600}):
        errors = visibility_timeout_check()
    assert [e.id for e in errors] == ["kotakita.E600"]
    with override_settings(CELERY_BROKER_TRANSPORT_OPTIONS={}):  # kombu's default, 3600 s
        assert visibility_timeout_check() == []


def test_w600_warns_when_production_has_no_broker() -> None:
    with override_settings(CELERY_TASK_ALWAYS_EAGER=True):
        assert [w.id for w in broker_configured_check()] == ["kotakita.W600"]
    with override_settings(CELERY_TASK_ALWAYS_EAGER=False):
        assert broker_configured_check() == []

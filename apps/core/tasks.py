"""Queue Celery work after a commit without letting a broker outage fail the committed write.

`transaction.on_commit(lambda: task.delay(...))` runs after the data is committed; if Redis is
down then, `delay()` raises and the request answers 500 although the order, report or payment
is already saved. `enqueue_on_commit` publishes the same way but logs a warning (task name and
arguments, so an operator can queue it again) instead of raising. Work lost that way is picked
up by the periodic sweeps where one exists (see docs/operations.md, "Redis goes down").

With `CELERY_TASK_ALWAYS_EAGER` (development, tests) the task runs in-process and its own
errors propagate as before: only broker failures are swallowed, never a task's bug.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from celery import Task
from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a publish raises when the broker cannot be reached: kombu wraps the transport's
# connection errors in its OperationalError; the rest can escape from the Redis transport.
PUBLISH_ERRORS: tuple[type[Exception], ...] = (
    KombuOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
)


def publish(task: Task[Any, Any], *args: Any, **kwargs: Any) -> bool:
    """`task.delay(*args, **kwargs)`; on a broker failure log a warning and return False."""
    if task.app.conf.task_always_eager:
        task.delay(*args, **kwargs)  # in-process: the task's own errors must surface
        return True
    try:
        task.delay(*args, **kwargs)
    except PUBLISH_ERRORS as exc:
        logger.warning(
            "broker unavailable, task not queued: %s args=%r kwargs=%r (%s: %s)",
            task.name,
            args,
            kwargs,
            exc.__class__.__name__,
            exc,
        )
        return False
    return True


def enqueue_on_commit(task: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Queue `task(*args, **kwargs)` once the current transaction commits (at once outside one);
    a broker outage is logged, never raised into the request that made the write."""
    transaction.on_commit(functools.partial(publish, task, *args, **kwargs))

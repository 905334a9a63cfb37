"""Who is running a job right now, known from PostgreSQL rather than guessed from a heartbeat.

A job (an import preview or apply) is claimed by a worker process that first takes a
session-level advisory lock on it and holds it for the whole run. PostgreSQL releases the lock
when that process's connection ends, whatever killed it: a prefork pool child killed mid-task
(the main worker then rejects the message and it is delivered again at once, with
`task_reject_on_worker_lost`), an OOM kill, a lost connection. So a second delivery of the
same job knows for certain whether the first run is still alive:

- lock taken: nobody runs the job; a `running` state left behind is a dead run, and this run
  takes over at once (no waiting for the heartbeat to go stale);
- lock busy: a live process runs the job; this delivery is a duplicate and does nothing.

The heartbeat stays for the stale-job sweep (a job whose message was lost needs queueing again)
and for the progress page. Needs session-level locks to reach PostgreSQL: a pooler in
transaction mode (PgBouncer) in front of the workers would break it; workers connect directly.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DatabaseError

from apps.core.db import connection

logger = logging.getLogger(__name__)


def _key(kind: str, pk: int) -> str:
    # Ids repeat across tenant schemas: the schema is part of the key.
    return f"job:{kind}:{connection.schema_name}:{pk}"


# A killed process's server session ends a moment after the process (PostgreSQL notices the
# closed socket): a redelivered message can be that quick, so a busy lock is tried again for
# a few seconds before the delivery is taken for a duplicate of a live run.
TAKEOVER_WAIT_SECONDS = 5.0


# PostgreSQL notices a closed socket only when it next reads from or writes to it: the server
# session of a process killed in the middle of a long statement (a big write, a lock wait)
# would run that statement to its end, holding the job's lock, and every redelivery meanwhile
# would take itself for a duplicate of a live run. With this set on the run's session the
# server polls the socket while a statement runs and ends the session within about a second
# of the process's death (PostgreSQL 14+; Linux reports the closed peer).
CLIENT_CHECK = "SET client_connection_check_interval = '1s'"


def _try_lock(key: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key])
        row = cursor.fetchone()
        taken = bool(row and row[0])
        if taken:
            cursor.execute(CLIENT_CHECK)
    return taken


@contextmanager
def exclusive_run(kind: str, pk: int, *, wait: float = TAKEOVER_WAIT_SECONDS) -> Iterator[bool]:
    """Yields whether this process may run job `kind` #`pk` (and holds it until the block ends)."""
    key = _key(kind, pk)
    deadline = time.monotonic() + wait
    acquired = _try_lock(key)
    while not acquired and time.monotonic() < deadline:
        time.sleep(0.2)
        acquired = _try_lock(key)
    try:
        yield acquired
    finally:
        if acquired:
            _release(key)


def _release(key: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])
    except DatabaseError as exc:
        # The connection is gone (the lock went with it) or its transaction failed: the job's
        # own error is what matters, this one is only noted.
        logger.warning("job lock %s not released explicitly: %s", key, exc)


Body = TypeVar("Body", bound=Callable[..., Any])


def one_run_at_a_time(kind: str) -> Callable[[Body], Body]:
    """Decorate a job body `body(pk, ...)`: it runs holding job `kind` #pk's lock; a delivery
    that finds a live run of the same job does nothing and returns None."""

    def decorate(body: Body) -> Body:
        @functools.wraps(body)
        def run(pk: int, *args: Any, **kwargs: Any) -> Any:
            with exclusive_run(kind, pk) as mine:
                return body(pk, *args, **kwargs) if mine else None

        return run  # type: ignore[return-value]

    return decorate

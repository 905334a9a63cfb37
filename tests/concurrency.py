"""Run jobs in threads released at the same instant, each on its own connection in a tenant."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from apps.core.db import connection
from apps.core.errors import Conflict


def race(tenant: Any, jobs: list[Callable[[], str]]) -> tuple[Counter[str], list[BaseException]]:
    """Each job returns an outcome name; a `Conflict` counts as its code. Returns the outcome
    counts and any other exception raised (a test asserts there are none)."""
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], str]) -> None:
        try:
            with tenant:
                start.wait()
                try:
                    outcome = job()
                except Conflict as exc:
                    outcome = exc.code
                with lock:
                    outcomes[outcome] += 1
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return outcomes, errors

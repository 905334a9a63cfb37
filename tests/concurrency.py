"""Run jobs in threads released at the same instant, each on its own connection in a tenant."""

from __future__ import annotations

import functools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from apps.core.db import connection
from apps.core.errors import Conflict

T = TypeVar("T")


def run_together(jobs: list[Callable[[], T]], *, timeout: float = 120) -> tuple[list[T], list[BaseException]]:
    """Each job on its own thread (so its own connection), all released at the same instant.
    Returns the jobs' results (in finishing order) and any exception raised (a test asserts
    there are none)."""
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(jobs))

    def run(job: Callable[[], T]) -> None:
        try:
            connection.ensure_connection()  # connect before the release, so the jobs start together
            start.wait(timeout=60)
            result = job()
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results, errors


def race(
    tenant: Any, jobs: list[Callable[[], str]], *, timeout: float = 120
) -> tuple[Counter[str], list[BaseException]]:
    """Each job, in `tenant`, returns an outcome name; a `Conflict` counts as its code. Returns
    the outcome counts and any other exception raised (a test asserts there are none)."""

    def in_tenant(job: Callable[[], str]) -> Callable[[], str]:
        def run() -> str:
            with tenant:
                try:
                    return job()
                except Conflict as exc:
                    return exc.code

        return run

    results, errors = run_together([in_tenant(job) for job in jobs], timeout=timeout)
    return Counter(results), errors


def race_each(
    tenant: Any, items: list[Any], work: Callable[[Any], str], *, timeout: float = 120
) -> tuple[Counter[str], list[BaseException]]:
    """`race` with one job per item: `work(item)`."""
    return race(tenant, [functools.partial(work, item) for item in items], timeout=timeout)

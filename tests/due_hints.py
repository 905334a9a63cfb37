"""Due-work hints are written when the scheduling transaction commits; a test's transaction
never commits, so tests capture the on-commit callbacks and write only the hints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection

from apps.tenancy.due_work import Hint


def write_hints(callbacks: Iterable[Callable[[], Any]]) -> int:
    """Run the captured due-work hints (nothing else: no task, no e-mail), and drop them from
    the pending on-commit list as a commit would; returns how many ran."""
    hints = [callback for callback in callbacks if isinstance(callback, Hint)]
    for hint in hints:
        hint()
    connection.run_on_commit = [entry for entry in connection.run_on_commit if entry[1] not in hints]
    return len(hints)


def drop_hints(callbacks: Iterable[Callable[[], Any]]) -> None:
    """Forget the captured hints unwritten, as a process killed right after its commit would."""
    hints = [callback for callback in callbacks if isinstance(callback, Hint)]
    connection.run_on_commit = [entry for entry in connection.run_on_commit if entry[1] not in hints]

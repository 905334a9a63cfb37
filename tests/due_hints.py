"""Due-work hints are written when the scheduling transaction commits; a test's transaction
never commits, so tests capture the on-commit callbacks and write only the hints."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from apps.tenancy.due_work import Hint


def write_hints(callbacks: Iterable[Callable[[], Any]]) -> int:
    """Run the captured due-work hints (nothing else: no task, no e-mail); returns how many."""
    hints = [callback for callback in callbacks if isinstance(callback, Hint)]
    for hint in hints:
        hint()
    return len(hints)

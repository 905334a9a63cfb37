"""One way to describe a status workflow: a table of steps checked once, at import.

An app lists its statuses and its steps (`Step(action, sources, target)`, plus whatever it keeps
in `actor` and `reason_required`) in a `Machine`. Services ask the machine whether a step may be
taken now (`require`) and take the target from the step; pages and docs ask what may follow
(`allowed`, `as_mermaid`). Who may act, and any other condition, stays with the app.
No Django model import, so a workflow module that its app's models import can build on it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.utils.translation import gettext_lazy as _

from .errors import Conflict

A = TypeVar("A")


@dataclass(frozen=True)
class Step(Generic[A]):
    action: str
    sources: tuple[str, ...]
    target: str
    actor: A | None = None  # free for the app: who may take the step
    reason_required: bool = False


class StepRefused(Conflict):
    """The step cannot be taken from the current status (409). Apps pass `refuse` to
    `Machine.require` to keep their own message; this one is the fallback."""

    code = "wrong_status"

    def __init__(self, machine: str, status: str, action: str) -> None:
        super().__init__(
            _("Langkah ini tidak dapat dilakukan saat status “%(status)s”.") % {"status": status}, status=status
        )
        self.machine = machine
        self.status = status
        self.action = action


# Builds the app's own error for a refused step from the current status and the step.
Refusal = Callable[[str, Step[A]], Exception]


class Machine(Generic[A]):
    """Statuses and steps of one workflow, validated at construction (ValueError on a bad table)."""

    def __init__(self, name: str, statuses: Iterable[str], steps: Iterable[Step[A]]) -> None:
        self.name = name
        self.statuses = tuple(str(s) for s in statuses)
        if not self.statuses or len(set(self.statuses)) != len(self.statuses):
            raise ValueError(f"{name}: statuses must be given once each")
        self.steps: dict[str, Step[A]] = {}
        for step in steps:
            if step.action in self.steps:
                raise ValueError(f"{name}: step {step.action!r} is listed twice")
            if not step.sources:
                raise ValueError(f"{name}: step {step.action!r} has no source status")
            unknown = [s for s in (*step.sources, step.target) if s not in self.statuses]
            if unknown:
                raise ValueError(f"{name}: step {step.action!r} uses unknown status {unknown[0]!r}")
            self.steps[step.action] = step

    def step(self, action: str) -> Step[A]:
        """The step called `action` (KeyError when the table has none: a programming error)."""
        return self.steps[action]

    def allowed(self, status: str) -> tuple[str, ...]:
        """The actions that may start from `status`, in table order."""
        return tuple(action for action, step in self.steps.items() if status in step.sources)

    def require(self, status: str, action: str, refuse: Refusal[A] | None = None) -> Step[A]:
        """The step, if it may start from `status`; otherwise raise `refuse(status, step)`
        (default `StepRefused`)."""
        step = self.step(action)
        if status not in step.sources:
            if refuse is not None:
                raise refuse(status, step)
            raise StepRefused(self.name, status, action)
        return step

    def as_mermaid(self) -> str:
        """The machine as a Mermaid state diagram (docs/state-machines.md shows them all)."""
        lines = ["stateDiagram-v2"]
        lines += [
            f"    {source} --> {step.target}: {step.action}" for step in self.steps.values() for source in step.sources
        ]
        return "\n".join(lines)

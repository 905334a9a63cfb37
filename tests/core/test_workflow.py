"""The generic state machine (apps.core.workflow) and the five machines built on it: each matches
its model's status choices, every status can be reached, and docs/state-machines.md shows them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import models

from apps.core.errors import Conflict
from apps.core.workflow import Machine, Step, StepRefused
from apps.fulfillment.models import Delivery
from apps.fulfillment.workflow import DELIVERY
from apps.invoicing.models import Invoice
from apps.invoicing.workflow import INVOICE
from apps.lending.models import ApplicationStatus, LoanStatus
from apps.lending.workflow import APPLICATION, LOAN
from apps.marketplace.lifecycle import ORDER
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.permits.models import Permit
from apps.permits.workflow import PERMIT
from apps.procurement.models import PurchaseRequest
from apps.procurement.workflow import PURCHASE

DOC = Path(__file__).resolve().parents[2] / "docs" / "state-machines.md"

TOY_STEPS = (
    Step("start", ("new",), "running", actor="staff"),
    Step("stop", ("new", "running"), "stopped", reason_required=True),
)


def toy() -> Machine[str]:
    return Machine("toy", ("new", "running", "stopped"), TOY_STEPS)


@pytest.mark.parametrize(
    ("statuses", "steps", "message"),
    [
        (("a", "b"), (Step("go", ("a",), "c"),), "unknown status 'c'"),
        (("a", "b"), (Step("go", ("x",), "b"),), "unknown status 'x'"),
        (("a", "b"), (Step("go", ("a",), "b"), Step("go", ("b",), "a")), "listed twice"),
        (("a", "b"), (Step("go", (), "b"),), "no source status"),
        (("a", "a"), (), "once each"),
        ((), (), "once each"),
    ],
)
def test_a_bad_table_is_refused_at_construction(
    statuses: tuple[str, ...], steps: tuple[Step[str], ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Machine("bad", statuses, steps)


def test_allowed_lists_the_actions_from_a_status_in_table_order() -> None:
    machine = toy()
    assert machine.allowed("new") == ("start", "stop")
    assert machine.allowed("running") == ("stop",)
    assert machine.allowed("stopped") == ()
    assert machine.step("start").actor == "staff" and machine.step("stop").reason_required


def test_require_returns_the_step_or_refuses() -> None:
    machine = toy()
    assert machine.require("new", "start").target == "running"
    with pytest.raises(StepRefused) as caught:
        machine.require("stopped", "start")
    assert isinstance(caught.value, Conflict) and caught.value.status_code == 409
    assert (caught.value.code, caught.value.status, caught.value.action) == ("wrong_status", "stopped", "start")
    with pytest.raises(KeyError):
        machine.require("new", "fly")


def test_require_raises_the_apps_own_refusal() -> None:
    def refuse(status: str, step: Step[str]) -> Conflict:
        return Conflict(f"{step.action} from {status}", code="own_code")

    with pytest.raises(Conflict) as caught:
        toy().require("running", "start", refuse)
    assert (caught.value.code, str(caught.value)) == ("own_code", "start from running")


def test_as_mermaid_draws_one_arrow_per_source() -> None:
    assert toy().as_mermaid() == (
        "stateDiagram-v2\n    new --> running: start\n    new --> stopped: stop\n    running --> stopped: stop"
    )


# machine, the model's status choices, the status a new record starts in
MACHINES: list[tuple[Machine[Any], type[models.TextChoices], str]] = [
    (PERMIT, Permit.Status, "draft"),
    (PURCHASE, PurchaseRequest.Status, "draft"),
    (INVOICE, Invoice.Status, "sent"),
    (ORDER, OrderStatus, "awaiting_payment"),
    (DELIVERY, Delivery.Status, "pending"),
    (APPLICATION, ApplicationStatus, "submitted"),
    (LOAN, LoanStatus, "active"),
]
IDS = [machine.name for machine, _choices, _initial in MACHINES]


@pytest.mark.parametrize(("machine", "choices", "initial"), MACHINES, ids=IDS)
def test_each_machine_has_exactly_its_models_statuses(
    machine: Machine[Any], choices: type[models.TextChoices], initial: str
) -> None:
    assert sorted(machine.statuses) == sorted(choices.values)
    assert initial in machine.statuses


@pytest.mark.parametrize(("machine", "choices", "initial"), MACHINES, ids=IDS)
def test_every_status_can_be_reached_from_the_first(
    machine: Machine[Any], choices: type[models.TextChoices], initial: str
) -> None:
    reached, frontier = {initial}, [initial]
    while frontier:
        for action in machine.allowed(frontier.pop()):
            target = machine.step(action).target
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(machine.statuses)


@pytest.mark.parametrize(("machine", "choices", "initial"), MACHINES, ids=IDS)
def test_the_docs_show_each_machine_as_it_is(
    machine: Machine[Any], choices: type[models.TextChoices], initial: str
) -> None:
    block = f"```mermaid\n{machine.as_mermaid()}\n```"
    assert block in DOC.read_text(), f"docs/state-machines.md: the `{machine.name}` diagram is now\n{block}"

"""Daily facts of bansos for the public roll-up (see apps.facts.metrics).

DISTRIBUTED: aid handed over that day (`distributed_on`), by program. ENROLLED: enrolments
active at day end, by program (an enrolment withdrawn later still counts on the days before
its withdrawal). Dimension = the program's slug; entities are the beneficiaries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import Q
from django.utils.text import slugify

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keys

from .models import Distribution, Enrolment


def _dimension(name: str) -> str:
    return slugify(name)[:64]


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    _start, end = day_bounds(day)
    given = Distribution.objects.filter(status=Distribution.Status.DISTRIBUTED, distributed_on=day).values_list(
        "enrolment__program__name", "enrolment__beneficiary_id", "amount"
    )
    per_program: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for program, beneficiary, amount in given:
        per_program[_dimension(program)].append((beneficiary, int(amount)))
    if per_program:
        rows = [x for xs in per_program.values() for x in xs]
        yield FactRow(
            Metric.AID_DISTRIBUTED,
            value=sum(a for _b, a in rows),
            count=len(rows),
            entity_keys=keys("beneficiary", [b for b, _a in rows]),
        )
        for program, xs in sorted(per_program.items()):
            yield FactRow(
                Metric.AID_DISTRIBUTED,
                value=sum(a for _b, a in xs),
                count=len(xs),
                dimension=program,
                entity_keys=keys("beneficiary", [b for b, _a in xs]),
            )
    enrolled = Enrolment.objects.filter(created_at__lt=end).filter(
        Q(status=Enrolment.Status.ACTIVE) | Q(updated_at__gte=end)
    )
    per_enrolled: dict[str, set[int]] = defaultdict(set)
    for program, beneficiary in enrolled.values_list("program__name", "beneficiary_id"):
        per_enrolled[_dimension(program)].add(beneficiary)
    if per_enrolled:
        everyone = set().union(*per_enrolled.values())
        yield FactRow(Metric.AID_ENROLLED, value=len(everyone), entity_keys=keys("beneficiary", everyone))
        for program, beneficiaries in sorted(per_enrolled.items()):
            yield FactRow(
                Metric.AID_ENROLLED,
                value=len(beneficiaries),
                dimension=program,
                entity_keys=keys("beneficiary", beneficiaries),
            )

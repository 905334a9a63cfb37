"""Daily facts of satisfaction for the public roll-up (see apps.facts.metrics).

CSAT: the scores answered that day (value = sum of scores, count = answers), by service, and
CSAT_SATISFIED (answers of 4-5); NPS_PROMOTERS / NPS_DETRACTORS: NPS answers of 9-10 / 0-6 (count
= all NPS answers), by the service whose completion asked it. Each metric has its total row
(dimension "") next to the per-service rows. Entities are the respondents; answers are final
(never edited), so a past day is deterministic. The respondents are also ACTIVE_RESIDENTS of
the day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed, keys

from .models import Kind, Prompt
from .services import DETRACTORS_MAX, PROMOTERS, SATISFIED

Answer = tuple[int, int]  # (user id, score)


def _rows(metric: str, answers: dict[str, list[Answer]], pick: Callable[[int], int]) -> Iterator[FactRow]:
    everyone = [a for per in answers.values() for a in per]
    groups = [("", everyone), *sorted(answers.items())]
    for dimension, rows in groups:
        if not rows:
            continue
        yield FactRow(
            metric,
            value=sum(pick(score) for _u, score in rows),
            count=len(rows),
            dimension=dimension,
            entity_keys=keys("respondent", [u for u, _s in rows]),
            entity_values=keyed("respondent", [(u, pick(score)) for u, score in rows]),
            entity_counts=keyed("respondent", [(u, 1) for u, _s in rows]),
        )


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    csat: dict[str, list[Answer]] = defaultdict(list)
    nps: dict[str, list[Answer]] = defaultdict(list)
    answered = (
        Prompt.objects.filter(answered_at__gte=start, answered_at__lt=end, score__isnull=False)
        .values_list("kind", "service", "user_id", "score")
        .order_by("pk")
    )
    for kind, service, user_id, score in answered:
        (nps if kind == Kind.NPS else csat)[service].append((user_id, int(score or 0)))
    yield from _rows(Metric.CSAT, csat, lambda s: s)
    yield from _rows(Metric.CSAT_SATISFIED, csat, lambda s: int(s in SATISFIED))
    yield from _rows(Metric.NPS_PROMOTERS, nps, lambda s: int(s in PROMOTERS))
    yield from _rows(Metric.NPS_DETRACTORS, nps, lambda s: int(s <= DETRACTORS_MAX))
    # Answering is using KotaKita: the respondents were active that day (merged by entity with
    # the other apps' active residents, so nobody counts twice).
    respondents = {u for per in (*csat.values(), *nps.values()) for u, _s in per}
    if respondents:
        yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", respondents))

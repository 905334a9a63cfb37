"""Reads of apps.feedback: the questions a user still has to answer."""

from __future__ import annotations

import datetime

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone

from apps.accounts.models import User

from .models import Kind, Prompt

# A question left unanswered this long is not shown any more (the moment has passed).
OPEN_DAYS = 60
CARD_LIMIT = 3


def open_prompts(user: User) -> QuerySet[Prompt]:
    since = timezone.now() - datetime.timedelta(days=OPEN_DAYS)
    # The service's own question first, the quarter's NPS after it (asked in the same moment).
    nps_last = Case(When(kind=Kind.NPS, then=Value(1)), default=Value(0), output_field=IntegerField())
    return Prompt.objects.filter(user_id=user.pk, answered_at__isnull=True, asked_at__gte=since).order_by(
        nps_last, "-asked_at", "-pk"
    )


def mine(user: User) -> QuerySet[Prompt]:
    return Prompt.objects.filter(user_id=user.pk).order_by("-asked_at", "-pk")


def next_open(user: User) -> Prompt | None:
    return open_prompts(user).first()

"""An iuran schedule's note is refused when too long, never cut, and no schedule is written."""

from __future__ import annotations

from datetime import date

import pytest

from apps.community import services
from apps.community.models import IuranSchedule
from apps.core.errors import ValidationFailed
from tests.community.conftest import World

pytestmark = pytest.mark.django_db


def test_schedule_note_too_long_is_refused_and_nothing_written(world: World) -> None:
    book, treasurer = world.rt1.book, world.rt1.treasurer
    with pytest.raises(ValidationFailed) as refused:
        services.set_schedule(book, actor=treasurer, amount=10_000, start_month=date(2026, 1, 1), note="n" * 256)
    assert refused.value.code == "too_long" and refused.value.details["field"] == "note"
    assert not IuranSchedule.objects.filter(cash_book=book).exists()
    kept = services.set_schedule(book, actor=treasurer, amount=10_000, start_month=date(2026, 1, 1), note="n" * 255)
    assert kept.note == "n" * 255

"""The one rule for opening hours, shared by shops (apps.marketplace), hubs (apps.fulfillment)
and the staff form's per-day editor (apps.core.widgets.OpeningHoursField).

Stored as {"0": ["07:00", "20:00"], ...}: weekday (Monday = 0) -> opening and closing time; a
missing day is closed; an empty dict means "always open" (apps/fulfillment/hours.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import ValidationFailed

DAYS = (
    gettext_lazy("Senin"),
    gettext_lazy("Selasa"),
    gettext_lazy("Rabu"),
    gettext_lazy("Kamis"),
    gettext_lazy("Jumat"),
    gettext_lazy("Sabtu"),
    gettext_lazy("Minggu"),
)
TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_KEYS = {str(day) for day in range(len(DAYS))}


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code="invalid_hours", field="opening_hours")


def clean_opening_hours(value: Mapping[Any, Any] | None) -> dict[str, list[str]]:
    """{weekday (0 = Senin): ["07:00", "14:00"]}, sorted by day; "08.30" is read as 08:30.

    Raises ValidationFailed (code "invalid_hours") naming the day: an unknown day, a span that
    is not two times, a time not written like 07:00, or closing not after opening."""
    hours: dict[str, list[str]] = {}
    for day, span in (value or {}).items():
        key = str(day)
        if key not in _KEYS:
            raise _invalid(_("Hari tidak dikenal."))
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise _invalid(_("Jam buka harus berupa jam buka dan jam tutup."))
        label = DAYS[int(key)]
        opens, closes = (str(part).strip().replace(".", ":") for part in span)
        if not (TIME_RE.match(opens) and TIME_RE.match(closes)):
            raise _invalid(_("%(day)s: tulis jam seperti 07:00.") % {"day": label})
        if closes <= opens:
            raise _invalid(
                _("%(day)s: jam tutup (%(close)s) harus setelah jam buka (%(open)s).")
                % {"day": label, "open": opens, "close": closes}
            )
        hours[key] = [opens, closes]
    return dict(sorted(hours.items()))

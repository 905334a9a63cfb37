"""When hubs take parcels: the open span of a hub at or after a moment, the next opening of any
hub, and how to say it in the UI. Checkout, the seller's "Kirim lewat hub" and the demo seed all
ask here, so an order is only offered hub delivery when some hub opens within a week."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Hub

LOOKAHEAD_DAYS = 8  # a hub closed every day of the coming week is treated as never opening
_TIME_FORMAT = "%H:%M"


def _at(day: date, text: str) -> datetime:
    moment = datetime.strptime(text, _TIME_FORMAT).time()
    return timezone.make_aware(datetime.combine(day, moment))


def open_span(hub: Hub, after: datetime, *, min_length: timedelta = timedelta(0)) -> tuple[datetime, datetime] | None:
    """The first stretch of the hub's opening hours that is still open at or after `after` and
    has at least `min_length` left: (start, end), start = `after` when the hub is open then.
    A hub with no opening hours is always open; None when it opens on no day of the next week."""
    if not hub.opening_hours:
        return after, after + timedelta(days=1)
    local = timezone.localtime(after)
    for days in range(LOOKAHEAD_DAYS):
        day = local.date() + timedelta(days=days)
        span = hub.opening_hours.get(str(day.weekday()))
        if not span:
            continue
        start, end = _at(day, span[0]), _at(day, span[1])
        start = max(start, after)
        if end - start > max(min_length, timedelta(0)):
            return start, end
    return None


def next_opening(now: datetime | None = None) -> tuple[Hub, datetime] | None:
    """The active hub that opens first at or after `now` and when (now when one is open)."""
    now = now or timezone.now()
    best: tuple[Hub, datetime] | None = None
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        span = open_span(hub, now)
        if span is not None and (best is None or span[0] < best[1]):
            best = (hub, span[0])
    return best


def describe(moment: datetime, now: datetime | None = None) -> str:
    """ "07:00" today, "besok 07:00", else "Senin, 7 Desember 07:00" (local time)."""
    now = now or timezone.now()
    local, today = timezone.localtime(moment), timezone.localtime(now).date()
    clock = local.strftime(_TIME_FORMAT)
    if local.date() == today:
        return clock
    if local.date() == today + timedelta(days=1):
        return _("besok %(time)s") % {"time": clock}
    return f"{formats.date_format(local, 'l, j F')} {clock}"


def day_label(day: date) -> str:
    """ "Senin, 7 Desember 2026" in the active language."""
    return str(formats.date_format(day, "l, j F Y"))


def next_opening_time(now: datetime | None = None) -> datetime | None:
    """`next_opening` without the hub: what the marketplace's checkout asks (apps.marketplace.events)."""
    found = next_opening(now)
    return None if found is None else found[1]

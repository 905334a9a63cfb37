"""Reads of the agenda: who sees what, and what each iCal feed carries."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.accounts.models import User
from apps.rtrw.models import RukunTetangga, RukunWarga

from .models import Audience, Event

FEED_PAST = timedelta(days=180)  # feeds carry events from half a year back onwards
FEED_LIMIT = 1000


def visible_filter(user: User | None) -> Q:
    """Events a user may see: public ones; their own RT's and RW's when they live here; the
    units they lead; everything for staff."""
    public = Q(audience=Audience.PUBLIC)
    if user is None or not user.is_authenticated:
        return public
    if user.is_staff:
        return Q()
    visible = public
    residency = RukunTetangga.objects.filter(residents__user=user).values_list("pk", "rw_id").first()
    if residency is not None:
        rt_id, rw_id = residency
        visible |= Q(audience=Audience.RT, rt_id=rt_id) | Q(audience=Audience.RW, rw_id=rw_id)
    led_rws = list(RukunWarga.objects.filter(ketua=user).values_list("pk", flat=True))
    led_rts = list(RukunTetangga.objects.filter(Q(ketua=user) | Q(rw__ketua=user)).values_list("pk", flat=True))
    if led_rws:
        visible |= Q(audience=Audience.RW, rw_id__in=led_rws) | Q(audience=Audience.RT, rt__rw_id__in=led_rws)
    if led_rts:
        visible |= Q(audience=Audience.RT, rt_id__in=led_rts)
    return visible


def visible_events(user: User | None) -> QuerySet[Event]:
    return Event.objects.filter(visible_filter(user)).select_related("rw", "rt__rw").order_by("starts_at", "pk")


def between(qs: QuerySet[Event], start: datetime, end: datetime) -> QuerySet[Event]:
    """Events that overlap [start, end)."""
    return qs.filter(starts_at__lt=end, ends_at__gt=start)


def feed_events(*, rw: RukunWarga | None = None, rt: RukunTetangga | None = None) -> QuerySet[Event]:
    """What a public feed carries. The kelurahan feed: public events. An RW feed: public events
    and that RW's. An RT feed: public events, its RW's and its own. Staff events never."""
    audience = Q(audience=Audience.PUBLIC)
    if rt is not None:
        audience |= Q(audience=Audience.RW, rw_id=rt.rw_id) | Q(audience=Audience.RT, rt=rt)
    elif rw is not None:
        audience |= Q(audience=Audience.RW, rw=rw)
    since = timezone.now() - FEED_PAST
    return (
        Event.objects.filter(audience, ends_at__gte=since)
        .exclude(audience=Audience.STAFF)
        .select_related("rw", "rt__rw")
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )


# apps.core.cache_scopes: the profile page's agenda section, bumped by every event write (AgendaConfig.ready).
CACHE_SCOPE = "agenda"


def upcoming_public(limit: int = 4) -> list[Event]:
    """The next public events (running or to come), for the kelurahan's profile page."""
    now = timezone.now()
    return list(Event.objects.filter(audience=Audience.PUBLIC, ends_at__gte=now).order_by("starts_at", "pk")[:limit])


def profile_section() -> dict[str, object]:
    return {"events": upcoming_public()}

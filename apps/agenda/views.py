"""Agenda pages (month view and list, HTMX navigation, phone first) and the iCal feeds."""

from __future__ import annotations

import calendar as pycalendar
import hashlib
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

from . import ical, selectors, services
from .forms import EventForm
from .models import Event


def _user(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def _month(raw: str | None) -> date:
    today = timezone.localdate()
    if raw:
        try:
            year, month = (int(part) for part in raw.split("-", 1))
            if 1900 <= year <= 2200 and 1 <= month <= 12:
                return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


def _shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@require_GET
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Month grid (Monday first) or list of the month's events, visible to this user."""
    first = _month(request.GET.get("bulan"))
    view = "daftar" if request.GET.get("tampilan") == "daftar" else "bulan"
    last = _shift(first, 1) - timedelta(days=1)
    events = list(
        selectors.between(selectors.visible_events(_user(request)), _aware(first), _aware(last + timedelta(days=1)))
    )
    by_day: dict[date, list[Event]] = {}
    for event in events:
        day = max(timezone.localtime(event.starts_at).date(), first)
        end_day = min(timezone.localtime(event.ends_at - timedelta(microseconds=1)).date(), last)
        while day <= end_day:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    weeks = [
        [{"date": day, "in_month": day.month == first.month, "events": by_day.get(day, [])} for day in week]
        for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    context = {
        "month": first,
        "prev_month": _shift(first, -1).strftime("%Y-%m"),
        "next_month": _shift(first, 1).strftime("%Y-%m"),
        "this_month": timezone.localdate().replace(day=1).strftime("%Y-%m"),
        "view": view,
        "weeks": weeks,
        "days": sorted(by_day.items()),
        "today": timezone.localdate(),
        "events": events,
        "can_create": bool(_user(request)),
        "weekday_names": [_("Sen"), _("Sel"), _("Rab"), _("Kam"), _("Jum"), _("Sab"), _("Min")],
    }
    template = "agenda/_calendar.html" if getattr(request, "htmx", False) else "agenda/calendar.html"
    return render(request, template, context)


@require_GET
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(selectors.visible_events(_user(request)), pk=pk)
    return render(request, "agenda/event_detail.html", {"event": event})


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    """Staff create any event; a ketua RT/RW the events of their unit (checked by the service)."""
    form = EventForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                event = services.create_event(
                    services.EventInput(
                        title=data["title"],
                        starts_at=data["starts_at"],
                        ends_at=data["ends_at"],
                        place_name=data["place_name"],
                        organiser=data["organiser"],
                        audience=data["audience"],
                        rw=data.get("rw"),
                        rt=data.get("rt"),
                        description=data.get("description") or "",
                        lat=data.get("lat"),
                        lng=data.get("lng"),
                    ),
                    by=cast(User, request.user),
                )
            except DomainError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, str(exc.message))
                status = exc.status_code
            else:
                return redirect("agenda:event", pk=event.pk)
    return render(request, "agenda/event_form.html", {"form": form}, status=status)


# --- iCal feeds -------------------------------------------------------------------------


def _vevent(event: Event, base_url: str) -> ical.VEvent:
    lines = [event.description] if event.description else []
    lines.append(_("Penyelenggara: %(name)s") % {"name": event.organiser})
    lines.append(_("Sasaran: %(unit)s") % {"unit": event.unit_label})
    return ical.VEvent(
        uid=event.ical_uid,
        dtstamp=event.updated_at,
        start=event.starts_at,
        end=event.ends_at,
        summary=event.title,
        description="\n".join(lines),
        location=event.place_name,
        geo=(event.lat, event.lng) if event.lat is not None and event.lng is not None else None,
        url=f"{base_url}{event.pk}/",
        sequence=event.sequence,
        created=event.created_at,
        last_modified=event.updated_at,
    )


def _feed(request: HttpRequest, name: str, events: Any) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    if tenant.is_public:
        raise Http404
    base_url = tenant.url("/agenda/")
    body = ical.calendar(
        (_vevent(event, base_url) for event in events),
        prodid="-//KotaKita//Agenda Kelurahan//ID",
        name=name,
        timezone_name="Asia/Jakarta",
    ).encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=900"
    return response


@require_GET
def ical_tenant(request: HttpRequest) -> HttpResponse:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    return _feed(request, _("Agenda %(name)s") % {"name": tenant.name}, selectors.feed_events())


@require_GET
def ical_rw(request: HttpRequest, rw: int) -> HttpResponse:
    unit = get_object_or_404(RukunWarga, number=rw)
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    return _feed(
        request, _("Agenda %(unit)s %(name)s") % {"unit": unit, "name": tenant.name}, selectors.feed_events(rw=unit)
    )


@require_GET
def ical_rt(request: HttpRequest, rw: int, rt: int) -> HttpResponse:
    unit = get_object_or_404(RukunTetangga.objects.select_related("rw"), rw__number=rw, number=rt)
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    return _feed(
        request, _("Agenda %(unit)s %(name)s") % {"unit": unit, "name": tenant.name}, selectors.feed_events(rt=unit)
    )

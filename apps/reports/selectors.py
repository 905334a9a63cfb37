"""Reusable reads of laporan warga: nearby open reports, who handles what, public lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import Aggregate, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import geo

from .models import Category, Report, ReportSettings, ReportUpdate

DUPLICATE_RADIUS_M = 250.0
# apps.core.cache_scopes: the public lists (Open311, API, /laporan/) are cached under this scope,
# bumped by every write to reports, their photos and categories (ReportsConfig.ready).
CACHE_SCOPE = "reports"


TRACKING_SALT = "reports.tracking"


def tracking_token(report: Report) -> str:
    """The signed part of a guest's tracking link: the report's code, signed so a link cannot
    be made up, and no personal data in it (anyone holding it sees the public page only)."""
    return signing.dumps(report.code, salt=TRACKING_SALT, compress=True)


def tracking_url(report: Report) -> str:
    return reverse("reports:track", args=[tracking_token(report)])


def report_for_tracking(token: str) -> Report | None:
    try:
        code = signing.loads(token, salt=TRACKING_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(code, str):
        return None
    return Report.objects.select_related("category", "rt__rw").filter(code=code).first()


def report_settings() -> ReportSettings:
    """This kelurahan's settings; the defaults (unsaved) until staff change them."""
    return ReportSettings.objects.filter(pk=1).first() or ReportSettings(pk=1)


# What Category.agency_name reads, joined from a report's row (no query per report in a list).
CATEGORY_UNIT = ("category__rt__rw", "category__rw", "category__opd")


def active_categories() -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("rt__rw", "rw", "opd").order_by("order", "name")


# --- who handles what ---------------------------------------------------------------------


def _users_with_roles(*roles: Role) -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name__in=[str(r) for r in roles]).distinct().order_by("id"))


def kelurahan_admins() -> list[User]:
    return _users_with_roles(Role.ADMIN)


def lurah_users() -> list[User]:
    """Whom escalations go to: the lurah, or the kelurahan admins where no lurah has an account."""
    return _users_with_roles(Role.LURAH) or kelurahan_admins()


def unit_staff(category: Category) -> list[User]:
    """The people of the category's responsible unit (kelurahan admins when the unit has nobody)."""
    people: list[User] = []
    if category.unit == Category.Unit.RT and category.rt is not None and category.rt.ketua is not None:
        people = [category.rt.ketua]
    elif category.unit == Category.Unit.RW and category.rw is not None and category.rw.ketua is not None:
        people = [category.rw.ketua]
    elif category.unit == Category.Unit.OPD and category.opd is not None:
        people = list(category.opd.staff.filter(is_active=True).order_by("id"))
    people = [p for p in people if p.is_active]
    return people or kelurahan_admins()


def is_kelurahan_staff(user: User | AnonymousUser) -> bool:
    """Kelurahan admins and the lurah handle every report."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name__in=[Role.ADMIN.value, Role.LURAH.value]).exists()


def is_unit_member(user: User | AnonymousUser, category: Category) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if category.unit == Category.Unit.RT and category.rt is not None:
        # The RW head oversees the RTs of the RW.
        return user.pk in (category.rt.ketua_id, category.rt.rw.ketua_id)
    if category.unit == Category.Unit.RW and category.rw is not None:
        return bool(user.pk == category.rw.ketua_id)
    if category.unit == Category.Unit.OPD and category.opd is not None:
        return category.opd.staff.filter(pk=user.pk).exists()
    return False


def can_handle(user: User | AnonymousUser, report: Report) -> bool:
    return is_kelurahan_staff(user) or is_unit_member(user, report.category)


def handles_any(user: User | AnonymousUser) -> bool:
    return is_kelurahan_staff(user) or reports_handled_by(user).exists()


def reports_handled_by(user: User | AnonymousUser) -> QuerySet[Report]:
    reports = Report.objects.select_related(*CATEGORY_UNIT)
    if is_kelurahan_staff(user):
        return reports
    if not user.is_authenticated:
        return reports.none()
    mine = (
        Q(category__unit=Category.Unit.RT, category__rt__ketua=user)
        | Q(category__unit=Category.Unit.RT, category__rt__rw__ketua=user)
        | Q(category__unit=Category.Unit.RW, category__rw__ketua=user)
        | Q(category__unit=Category.Unit.OPD, category__opd__staff=user)
    )
    return reports.filter(pk__in=Report.objects.filter(mine).values("pk"))


def reports_of(user: User) -> QuerySet[Report]:
    """What a warga filed or follows."""
    # "updates" is a prefetchable property (apps.core.audit.SubjectEvents), unknown to django-stubs.
    return (
        Report.objects.filter(Q(reporter=user) | Q(followers__user=user))  # type: ignore[misc]
        .distinct()
        .select_related(*CATEGORY_UNIT)
        .prefetch_related("updates")
    )


# --- nearby open reports ------------------------------------------------------------------


def nearby_candidates(category: Category, lat: float, lng: float, radius_m: float) -> QuerySet[Report]:
    """Open reports of the category inside the bounding box of the circle (an indexed range scan)."""
    box = geo.bounding_box(lat, lng, radius_m)
    return Report.objects.filter(
        category=category,
        status__in=Report.ACTIVE,
        lat__range=(Decimal(f"{box.min_lat:.6f}"), Decimal(f"{box.max_lat:.6f}")),
        lng__range=(Decimal(f"{box.min_lng:.6f}"), Decimal(f"{box.max_lng:.6f}")),
    )


@dataclass(frozen=True)
class Nearby:
    report: Report
    distance_m: float


def nearby_open_reports(
    category: Category,
    lat: float | Decimal,
    lng: float | Decimal,
    *,
    radius_m: float = DUPLICATE_RADIUS_M,
    exclude_pk: int | None = None,
    limit: int = 10,
) -> list[Nearby]:
    """Open reports of the same category within `radius_m` metres, nearest first.

    The bounding box goes to SQL (an index on category, status, lat, lng), so only the few
    reports in the box are loaded; the exact haversine distance then decides.
    """
    lat_f, lng_f = float(lat), float(lng)
    candidates = nearby_candidates(category, lat_f, lng_f, radius_m).select_related(*CATEGORY_UNIT)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    found = []
    for report in candidates[:500]:
        assert report.lat is not None and report.lng is not None
        distance = geo.haversine_m(lat_f, lng_f, float(report.lat), float(report.lng))
        if distance <= radius_m:
            found.append(Nearby(report, distance))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]


# --- public lists -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilter:
    category: str = ""  # category code
    status: str = ""  # an internal status, or "open"/"closed"
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def public_reports(filters: ReportFilter | None = None) -> QuerySet[Report]:
    """Reports as the public sees them (no personal data is read from these rows on public pages)."""
    f = filters or ReportFilter()
    reports = Report.objects.select_related(*CATEGORY_UNIT, "duplicate_of").order_by("-created_at", "-id")
    if f.category:
        reports = reports.filter(category__code=f.category)
    if f.status == "open":
        reports = reports.filter(status__in=Report.ACTIVE)
    elif f.status == "closed":
        reports = reports.exclude(status__in=Report.ACTIVE)
    elif f.status:
        reports = reports.filter(status=f.status)
    if f.date_from:
        reports = reports.filter(created_at__gte=_day_start(f.date_from))
    if f.date_to:
        reports = reports.filter(created_at__lt=_day_start(f.date_to + timedelta(days=1)))
    return reports


def geojson(reports: QuerySet[Report], *, limit: int = 2000) -> dict[str, Any]:
    """A FeatureCollection of reports with a point; properties are public facts only."""
    features = []
    for report in reports.filter(lat__isnull=False, lng__isnull=False)[:limit]:
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [float(report.lng or 0), float(report.lat or 0)]},
                "properties": {
                    "code": report.code,
                    "category": report.category.name,
                    "category_code": report.category.code,
                    "status": report.status,
                    "status_label": str(report.get_status_display()),
                    "open": report.is_active,
                    "support": report.support_count,
                    "created_at": report.created_at.isoformat(),
                    "url": reverse("reports:detail", args=[report.code]),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def answers_for_display(report: Report) -> list[tuple[str, str]]:
    """The extra answers as (question, answer) with list keys shown by their names."""
    shown = []
    questions = {a.code: a for a in report.category.attributes.all()}
    for code, value in (report.attributes or {}).items():
        question = questions.get(code)
        values = value if isinstance(value, list) else [value]
        if question is not None and question.is_list:
            names = {str(v.get("key")): str(v.get("name")) for v in question.values or [] if isinstance(v, dict)}
            values = [names.get(str(v), str(v)) for v in values]
        shown.append((question.description if question else code, ", ".join(str(v) for v in values)))
    return shown


def timeline(report: Report) -> QuerySet[ReportUpdate]:
    return report.updates.order_by("created_at", "id")


# --- the kelurahan's profile page ----------------------------------------------------------

RESOLUTION_WINDOW = timedelta(days=90)


class _Median(Aggregate):
    """PostgreSQL's median (percentile_cont 0.5), here over intervals."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class Resolution:
    resolved: int
    median: timedelta | None

    @property
    def median_days(self) -> float | None:
        return self.median.total_seconds() / 86400 if self.median is not None else None

    @property
    def median_hours(self) -> float | None:
        return self.median.total_seconds() / 3600 if self.median is not None else None


def resolution_summary(now: datetime | None = None, window: timedelta = RESOLUTION_WINDOW) -> Resolution:
    """Reports resolved in the window (still resolved or closed since) and the median time from
    filing to resolution: one aggregate query."""
    since = (now or timezone.now()) - window
    row = Report.objects.filter(
        status__in=(Report.Status.RESOLVED, Report.Status.CLOSED), resolved_at__gte=since
    ).aggregate(
        resolved=Count("pk"),
        median=_Median(ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())),
    )
    return Resolution(resolved=int(row["resolved"] or 0), median=row["median"])


def profile_section() -> dict[str, object]:
    return {"resolution": resolution_summary(), "window_days": RESOLUTION_WINDOW.days}

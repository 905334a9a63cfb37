"""HTMX pages of laporan warga (phone first): file a report, follow it, the public map and list,
and the staff queue. Public pages show no reporter's personal data; handlers see the contact."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.models import User
from apps.core import cache_scopes
from apps.core.api import throttling
from apps.core.errors import DomainError
from apps.core.files.serving import serve_field

from . import selectors, services
from .forms import FilterForm, ReportForm, attribute_answers
from .models import Category, Report, ReportPhoto


def _user(request: HttpRequest) -> User | None:
    return request.user if request.user.is_authenticated else None


def _report(code: str) -> Report:
    # Only the category: the agency (RT/RW/OPD) and the original of a duplicate are read by the
    # cached fragments, so a six-table join (~2 ms to plan) would be paid on every view for
    # what a cache miss reads in two small queries.
    return get_object_or_404(Report.objects.select_related("category"), code=code.upper())


# --- public list, map, GeoJSON ------------------------------------------------------------


@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The public list: its filter form and results are the same for every visitor, so both are
    cached until a report changes (apps.core.cache_scopes); the page around them is not."""
    parts = sorted(request.GET.lists())

    def results() -> dict[str, Any]:
        query = request.GET.copy()
        query.pop("page", None)
        reports = selectors.public_reports(FilterForm(request.GET or None).to_filter())
        return {"page": Paginator(reports, 20).get_page(request.GET.get("page")), "query": query.urlencode()}

    def filters() -> dict[str, Any]:
        return {"form": FilterForm(request.GET or None), "action": reverse("reports:list"), "htmx_target": "#results"}

    html = cache_scopes.fragment(selectors.CACHE_SCOPE, parts, "reports/_results.html", results)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(html)
    form_html = cache_scopes.fragment(selectors.CACHE_SCOPE, parts, "reports/_filters.html", filters)
    return render(request, "reports/list.html", {"filters": form_html, "results": html})


@require_GET
def report_map(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    return render(request, "reports/map.html", {"form": form, "query": request.GET.urlencode()})


@require_GET
def report_geojson(request: HttpRequest) -> JsonResponse:
    form = FilterForm(request.GET or None)
    return JsonResponse(selectors.geojson(selectors.public_reports(form.to_filter())))


@require_GET
def photo(request: HttpRequest, uuid: UUID) -> HttpResponseBase:
    """Photos are public files served from this tenant's prefix, so no other host reaches them
    (apps.core.files: streamed, accel header, or a presigned redirect on S3)."""
    item = get_object_or_404(ReportPhoto, uuid=uuid)
    return serve_field(item.image, content_type=item.content_type)


# --- filing -------------------------------------------------------------------------------


# Laporan from guests (no account): counted per address and per device (a random cookie),
# against the "report_guest" rate (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], kotakita.E301).
GUEST_SCOPE = "report_guest"
DEVICE_COOKIE = "kk_device"
# Where a service error about a field is shown: next to the input it is about.
_ERROR_FIELD = {"location": "address", "lat": "address", "lng": "address", "email": "contact_email"}


def _device_id(request: HttpRequest) -> str:
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    return value if value.isalnum() and 16 <= len(value) <= 64 else ""


def _guest_wait(request: HttpRequest) -> float | None:
    """Seconds a guest must wait before filing again (None: go ahead); counts this attempt."""
    wait = throttling.hit(request, GUEST_SCOPE)
    device = _device_id(request)
    if wait is None and device:
        wait = throttling.hit(request, GUEST_SCOPE, ident=f"device-{device}")
    return wait


def _with_device_cookie(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if not _device_id(request):
        response.set_cookie(
            DEVICE_COOKIE,
            secrets.token_hex(16),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@require_http_methods(["GET", "POST"])
def new_report(request: HttpRequest) -> HttpResponse:
    """File a report. Guests may too (where the kelurahan allows it, the default): contact
    optional, rate-limited, a honeypot against robots, and a signed tracking link at the end.
    Without the map (no tiles, no GPS) a landmark and the RT are enough."""
    settings = selectors.report_settings()
    user = _user(request)
    if user is None and not settings.allow_anonymous:
        messages.info(request, _("Masuk dulu untuk membuat laporan."))
        return redirect_to_login(request.get_full_path())
    form = ReportForm(request.POST or None, anonymous=user is None)
    extra_errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if form.is_spam:
            form.add_error(None, _("Laporan tidak bisa dikirim. Muat ulang halaman lalu coba lagi."))
            status = 400
        elif form.is_valid():
            wait = _guest_wait(request) if user is None else None
            if wait is not None:
                minutes = max(1, int(wait + 59) // 60)
                form.add_error(
                    None,
                    _("Sudah terlalu banyak laporan dari perangkat atau jaringan ini. Coba lagi %(n)d menit lagi.")
                    % {"n": minutes},
                )
                response = _new_report_page(request, form, extra_errors, 429)
                response["Retry-After"] = throttling.retry_after(wait)
                return response
            data = form.cleaned_data
            try:
                report = services.submit_report(
                    category=data["category"],
                    description=data["description"],
                    lat=data["lat"],
                    lng=data["lng"],
                    address=data["address"],
                    rt=form.chosen_rt(),
                    photos=request.FILES.getlist("photos"),
                    reporter=user,
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    contact_email=data.get("contact_email", ""),
                    attributes=attribute_answers(request.POST),
                    source=Report.Source.WEB,
                    require_point=False,
                    device_id=_device_id(request) if user is None else "",
                )
            except DomainError as exc:
                field = str(exc.details.get("field", ""))
                field = _ERROR_FIELD.get(field, field)
                if field in form.fields:
                    form.add_error(field, str(exc.message))
                elif field == "photos" or field.startswith("attribute"):
                    extra_errors["photos" if field == "photos" else "attributes"] = str(exc.message)
                else:
                    form.add_error(None, str(exc.message))
            else:
                if user is None:
                    messages.success(
                        request,
                        _("Laporan %(code)s terkirim. Simpan nomor dan tautan di halaman ini untuk memantaunya.")
                        % {"code": report.code},
                    )
                    return redirect("reports:track", token=selectors.tracking_token(report))
                messages.success(request, _("Laporan %(code)s terkirim. Terima kasih!") % {"code": report.code})
                return redirect("reports:detail", code=report.code)
            status = 422
        else:
            status = 422
    return _new_report_page(request, form, extra_errors, status)


def _new_report_page(request: HttpRequest, form: ReportForm, extra_errors: dict[str, str], status: int) -> HttpResponse:
    category = Category.objects.filter(code=request.POST.get("category", "")).first()
    context = {
        "form": form,
        "extra_errors": extra_errors,
        "tenant_lat": getattr(request.tenant, "lat", None),  # type: ignore[attr-defined]
        "tenant_lng": getattr(request.tenant, "lng", None),  # type: ignore[attr-defined]
        "attributes": category.attributes.all() if category else [],
        "answers": attribute_answers(request.POST),
        "max_photos": services.MAX_PHOTOS,
        # A browser never sends a file input back: after a refused POST say so next to it.
        "photos_lost": status >= 400 and bool(request.FILES.getlist("photos")),
    }
    response = render(request, "reports/new.html", context, status=status)
    return _with_device_cookie(request, response) if _user(request) is None else response


# The deploy check (kotakita.E301) requires a rate for every scope a view declares.
new_report.throttle_scope = GUEST_SCOPE  # type: ignore[attr-defined]


@require_GET
def track(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's tracking page, from the signed link they got when filing: the report's code,
    status and timeline (public facts only: whoever holds the link sees no personal data)."""
    report = selectors.report_for_tracking(token)
    if report is None:
        raise Http404
    context = {
        "report": report,
        "body": _body_fragment(report),
        "live": _live_fragment(report),
        "tracking_link": request.build_absolute_uri(),
    }
    return render(request, "reports/track.html", context)


@require_GET
def find(request: HttpRequest) -> HttpResponse:
    """ "Lacak laporan": a report by its code (the public page)."""
    code = request.GET.get("code", "").strip().upper()
    if code and Report.objects.filter(code=code).exists():
        return redirect("reports:detail", code=code)
    error = _("Nomor laporan “%(code)s” tidak ditemukan.") % {"code": code[:20]} if code else ""
    return render(request, "reports/find.html", {"code": code, "error": error}, status=404 if code else 200)


@require_GET
def similar(request: HttpRequest) -> HttpResponse:
    """HTMX: open reports of the chosen category within 250 m of the chosen point."""
    category = Category.objects.filter(code=request.GET.get("category", ""), active=True).first()
    nearby: list[selectors.Nearby] = []
    if category is not None:
        try:
            point = services.parse_point(request.GET.get("lat"), request.GET.get("lng"))
        except DomainError:
            point = None
        if point is not None:
            nearby = selectors.nearby_open_reports(category, point[0], point[1])
    return render(request, "reports/_similar.html", {"nearby": nearby, "category": category})


@require_GET
def attribute_fields(request: HttpRequest) -> HttpResponse:
    """HTMX: the chosen category's extra questions."""
    category = Category.objects.filter(code=request.GET.get("category", ""), active=True).first()
    attributes = category.attributes.all() if category else []
    return render(request, "reports/_attributes.html", {"attributes": attributes, "answers": {}})


# --- one report ---------------------------------------------------------------------------


def _actions(report: Report) -> list[tuple[str, Any]]:
    """The handler buttons allowed in the report's status (services.TRANSITIONS)."""
    table: list[tuple[str, Any]] = [
        ("verify", gettext_lazy("Verifikasi dan teruskan")),
        ("start", gettext_lazy("Mulai kerjakan")),
        ("resolve", gettext_lazy("Selesai ditangani")),
        ("close", gettext_lazy("Tutup laporan")),
        ("not_responsible", gettext_lazy("Bukan wewenang")),
        ("duplicate", gettext_lazy("Tandai duplikat")),
        ("note", gettext_lazy("Tambah catatan saja")),
    ]
    return [(key, label) for key, label in table if services.allowed(key, report.status)]


def _done_message(action: str, report: Report) -> str:
    """What just happened, as a plain sentence for whoever pressed the button."""
    unit = report.category.agency_name
    sentences = {
        "verify": _("Laporan sudah diverifikasi dan diteruskan ke %(unit)s."),
        "start": _("Laporan ditandai sedang dikerjakan oleh %(unit)s."),
        "resolve": _("Laporan ditandai selesai ditangani. Pelapor diberi tahu."),
        "close": _("Laporan ditutup."),
        "not_responsible": _("Laporan ditandai bukan wewenang. Pelapor diberi tahu alasannya."),
        "duplicate": _("Laporan digabungkan ke %(original)s. Pelapornya ikut memantau laporan itu."),
        "note": _("Catatan ditambahkan ke perkembangan laporan."),
        "reopen": _("Laporan dibuka kembali. Petugas akan meninjaunya lagi."),
    }
    original = report.duplicate_of.code if report.duplicate_of_id and report.duplicate_of else ""
    return sentences.get(action, _("Laporan diperbarui.")) % {"unit": unit, "original": original}


def _detail_context(request: HttpRequest, report: Report) -> dict[str, Any]:
    user = _user(request)
    is_reporter = user is not None and report.reporter_id == user.pk
    reopen_days = selectors.report_settings().reopen_days if is_reporter else 0
    can_reopen = (
        is_reporter
        and report.status in (Report.Status.RESOLVED, Report.Status.CLOSED)
        and report.resolved_at is not None
        and timezone.now() <= report.resolved_at + timedelta(days=reopen_days)
    )
    handler = user is not None and selectors.can_handle(user, report)
    return {
        "report": report,
        "body": _body_fragment(report),
        "live": _live_fragment(report),
        "is_reporter": is_reporter,
        "is_follower": user is not None and report.followers.filter(user=user).exists(),
        "can_handle": handler,
        "actions": _actions(report) if handler else [],
        "can_reopen": can_reopen,
        "reopen_days": reopen_days,
    }


def _body_fragment(report: Report) -> SafeString:
    """What the report says (text, answers, map point, photos, support): public, cached per
    report until a report write bumps the scope."""

    def context() -> dict[str, Any]:
        return {
            "report": report,
            "photos": list(report.photos.all()),
            "answers": selectors.answers_for_display(report),
            "map_tiles_url": django_settings.MAP_TILES_URL,
            "map_tiles_attribution": django_settings.MAP_TILES_ATTRIBUTION,
        }

    return cache_scopes.fragment(selectors.CACHE_SCOPE, (report.code,), "reports/_body.html", context)


def _live_fragment(report: Report) -> SafeString:
    """The status and the timeline: public, and polled by every open page (HTMX), so cached
    per report until a report write bumps the scope."""

    def context() -> dict[str, Any]:
        return {"report": report, "timeline": selectors.timeline(report)}

    return cache_scopes.fragment(selectors.CACHE_SCOPE, (report.code,), "reports/_live.html", context)


@require_GET
def detail(request: HttpRequest, code: str) -> HttpResponse:
    report = _report(code)
    return render(request, "reports/detail.html", _detail_context(request, report))


@require_GET
def live(request: HttpRequest, code: str) -> HttpResponse:
    """HTMX polling target: the status and the timeline."""
    return HttpResponse(_live_fragment(_report(code)))


@require_POST
def me_too(request: HttpRequest, code: str) -> HttpResponse:
    report = _report(code)
    user = _user(request)
    if user is None:
        return redirect_to_login(reverse("reports:detail", args=[report.code]))
    try:
        services.me_too(report, user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Terima kasih. Anda ikut melaporkan dan akan menerima perkembangannya."))
    return redirect("reports:detail", code=report.code)


@login_required
@require_POST
def act(request: HttpRequest, code: str) -> HttpResponse:
    """A handler's action (verify, start, resolve, ...), or the reporter's close/reopen. An error
    about the note or the original report is shown next to that field."""
    report = _report(code)
    action = request.POST.get("action", "")
    try:
        updated = services.apply_action(
            report,
            _user(request),
            action,
            note=request.POST.get("note", ""),
            original=request.POST.get("original", ""),
        )
    except DomainError as exc:
        field = str(exc.details.get("field", ""))
        context = _detail_context(request, _report(code))
        if field in ("note", "reason"):
            context["reopen_error" if action == "reopen" else "note_error"] = str(exc.message)
        elif field == "original":
            context["original_error"] = str(exc.message)
        else:
            messages.error(request, str(exc.message))
        context["posted_note"] = request.POST.get("note", "")
        context["posted_original"] = request.POST.get("original", "")
        return render(request, "reports/detail.html", context, status=exc.status_code)
    messages.success(request, _done_message(action, updated))
    return redirect("reports:detail", code=report.code)


# --- mine and the staff queue -------------------------------------------------------------


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user is not None
    reports = selectors.reports_of(user).order_by("-created_at")[:50]
    return render(request, "reports/mine.html", {"reports": reports})


@login_required
@require_GET
def staff_queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    assert user is not None
    if not selectors.handles_any(user):
        raise Http404
    show = request.GET.get("status", "active")
    reports = selectors.reports_handled_by(user).select_related("category")
    if show == "active":
        reports = reports.filter(status__in=Report.ACTIVE).order_by("status_changed_at")
    elif show in Report.Status.values:
        reports = reports.filter(status=show).order_by("-updated_at")
    else:
        reports = reports.order_by("-updated_at")
    now = timezone.now()
    rows = [
        {"report": r, "overdue": r.is_active and r.status_changed_at + r.category.sla <= now} for r in reports[:200]
    ]
    return render(
        request,
        "reports/staff.html",
        {"rows": rows, "show": show, "statuses": Report.Status.choices},
    )

"""Open311 GeoReport v2 for this kelurahan, at /open311/v2/ (JSON and XML).

- Format: a `.json`/`.xml` suffix, else the `format` parameter, else `Accept:
  application/json`, else XML (the spec's required format).
- jurisdiction_id is optional (one jurisdiction per host). This tenant's jurisdiction_id is
  its primary domain (e.g. mojorejo.kotakita.id, shown in discovery); its slug, the host name
  and its Kemendagri code are accepted as aliases. Any other value answers 404.
- POST requests needs an `api_key` (ApiKey of this tenant: a key of another kelurahan is
  unknown here), in the form body or the query string. Reports are created at once, so the
  answer carries the service_request_id; it also carries the report's `token`, which
  tokens/{token} resolves. `description` is optional, up to 4,000 characters. An
  `Idempotency-Key` header makes a retry replay the first answer (apps.core.idempotency).
- GET requests: start_date/end_date are inclusive at the precision datetimes are shown
  (seconds). Answers hold at most MAX_REQUESTS items in a stable order — requested_datetime
  newest first, then the newest filed — and `page` (1, 2, …) reads further with the same
  filters; a page shorter than max_requests is the last.
- Internal statuses map onto open (open, verified, in progress, reopened) and closed
  (resolved, closed, duplicate, not responsible); status_notes carries the latest public note.
- Errors: a list of {code, description} with the matching 4xx status (unknown service_code,
  request, token or jurisdiction: 404; bad api_key: 403; reused Idempotency-Key: 409).
- Responses never contain the reporter's name, e-mail, phone, account or device.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from apps.core import cache_scopes, idempotency
from apps.core.api import throttling
from apps.core.errors import Conflict, DomainError
from apps.tenancy.models import Tenant

from . import open311_format as wire
from . import selectors, services
from .models import ApiKey, Category, Report, ReportPhoto

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_REQUESTS = 1000
DEFAULT_WINDOW = timedelta(days=90)
# POSTs (new reports) per client address and tenant; reads use no scope.
OPEN311_THROTTLE_SCOPE = "open311"
_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _format(request: HttpRequest, fmt: str | None) -> str:
    if fmt:
        return fmt
    asked = (request.GET.get("format") or request.POST.get("format") or "").lower()
    if asked:
        return asked
    if "application/json" in request.headers.get("Accept", ""):
        return "json"
    return "xml"


def _render(fmt: str, kind: str, document: Any, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(wire.to_json(document), content_type=wire.JSON, status=status)
    return HttpResponse(wire.to_xml(kind, document), content_type=wire.XML, status=status)


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _render(fmt if fmt in wire.FORMATS else "xml", "errors", wire.errors((status, description)), status)


def _tenant(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def jurisdiction_id(request: HttpRequest) -> str:
    """The id this kelurahan answers to: its primary domain (the host name when it has none)."""
    domain = _tenant(request).get_primary_domain()
    return domain.domain.lower() if domain is not None else request.get_host().split(":")[0].lower()


def _check_jurisdiction(request: HttpRequest) -> None:
    given = (request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or "").strip().lower()
    if not given:
        return
    tenant = _tenant(request)
    known = {tenant.slug.lower(), request.get_host().split(":")[0].lower(), (tenant.region_id or "").lower()}
    domain = tenant.get_primary_domain()
    if domain is not None:
        known.add(domain.domain.lower())
    if given not in known:
        raise Open311Error(404, _("jurisdiction_id “%(id)s” tidak dikenal di sini.") % {"id": given[:60]})


def open311_view(methods: tuple[str, ...]) -> Any:
    """Format negotiation, allowed methods, jurisdiction check and spec-shaped errors."""

    def decorate(view: Any) -> Any:
        @csrf_exempt
        def wrapped(request: HttpRequest, fmt: str | None = None, **kwargs: Any) -> HttpResponse:
            chosen = _format(request, fmt)
            if chosen not in wire.FORMATS:
                return _error("xml", 400, _("Format “%(f)s” tidak didukung (json atau xml).") % {"f": chosen[:10]})
            if request.method not in methods:
                response = _error(chosen, 405, _("Metode %(m)s tidak didukung.") % {"m": request.method})
                response["Allow"] = ", ".join(methods)
                return response
            if request.method == "POST" and (wait := throttling.hit(request, OPEN311_THROTTLE_SCOPE)) is not None:
                response = _error(chosen, 429, _("Terlalu banyak laporan dari alamat ini. Coba lagi nanti."))
                response["Retry-After"] = throttling.retry_after(wait)
                return response
            try:
                _check_jurisdiction(request)
                return view(request, chosen, **kwargs)
            except Open311Error as exc:
                return _error(chosen, exc.status, exc.description)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        if "POST" in methods:  # read by the deploy check that every used scope has a rate
            wrapped.throttle_scope = OPEN311_THROTTLE_SCOPE  # type: ignore[attr-defined]
        return wrapped

    return decorate


# --- documents ----------------------------------------------------------------------------


def _service_notice(category: Category) -> str:
    return _("Target tanggapan %(hours)d jam oleh %(unit)s.") % {
        "hours": category.sla_hours,
        "unit": category.agency_name,
    }


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": category.attributes.exists(),
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def _with_first_photo(reports: QuerySet[Report]) -> QuerySet[Report]:
    """The uuid of each report's first photo, in the same query (a list reads no photo rows)."""
    first = ReportPhoto.objects.filter(report=OuterRef("pk")).order_by("id").values("uuid")[:1]
    return reports.annotate(first_photo_uuid=Subquery(first))


def _request_item(request: HttpRequest, report: Report) -> dict[str, Any]:
    category = report.category
    photo_uuid = getattr(report, "first_photo_uuid", None)
    media = (
        request.build_absolute_uri(reverse("reports:photo", args=[photo_uuid]))
        if photo_uuid is not None
        else report.media_url or None
    )
    expected = report.status_changed_at + category.sla if report.is_active else None
    return {
        "service_request_id": report.code,
        "status": report.open311_status,
        "status_notes": report.status_notes or None,
        "service_name": category.name,
        "service_code": category.code,
        "description": report.description,
        "agency_responsible": category.agency_name,
        "service_notice": _service_notice(category),
        "requested_datetime": timezone.localtime(report.created_at),
        "updated_datetime": timezone.localtime(report.updated_at),
        "expected_datetime": timezone.localtime(expected) if expected else None,
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(report.lat) if report.lat is not None else None,
        "long": float(report.lng) if report.lng is not None else None,
        "media_url": media,
    }


def _category(code: str) -> Category:
    category = selectors.active_categories().filter(code=code).first()
    if category is None:
        raise Open311Error(404, _("service_code “%(code)s” tidak dikenal.") % {"code": code[:50]})
    return category


# --- endpoints ----------------------------------------------------------------------------


@open311_view(("GET",))
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    tenant = _tenant(request)
    changed = Category.objects.aggregate(latest=Max("updated_at"))["latest"] or tenant.created_at
    changeset = timezone.localtime(changed)
    document = {
        "changeset": changeset,
        "contact": _("%(name)s — laporan warga: %(url)s")
        % {"name": tenant.name, "url": request.build_absolute_uri(reverse("reports:list"))},
        "key_service": _("Minta api_key kepada admin kelurahan (admin → Kunci API Open311)."),
        "max_requests": MAX_REQUESTS,
        "jurisdiction_id": jurisdiction_id(request),
        "paging": _(
            "GET requests: paling banyak max_requests laporan per halaman, terbaru dulu (requested_datetime, "
            "lalu yang terakhir dibuat). Parameter page=2, 3, … dengan filter yang sama membaca berikutnya; "
            "halaman yang kurang dari max_requests adalah yang terakhir. start_date dan end_date inklusif "
            "sampai detik."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri(reverse("open311:discovery").removesuffix("discovery")),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return _render(fmt, "discovery", document)


@open311_view(("GET",))
def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    categories = selectors.active_categories().prefetch_related("attributes")
    return _render(fmt, "services", [_service(c) for c in categories])


@open311_view(("GET",))
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = _category(code)
    attributes = [
        {
            "variable": True,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": a.order,
            "description": a.description,
            "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values or [] if isinstance(v, dict)],
        }
        for a in category.attributes.order_by("order", "id")
    ]
    return _render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


@open311_view(("GET", "POST"))
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _search(request, fmt)


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    # Many clients send api_key in the query string even on POST; the spec's examples use the body.
    raw_key = (data.get("api_key") or request.GET.get("api_key") or "").strip()
    if not raw_key:
        raise Open311Error(400, _("api_key wajib diisi untuk membuat laporan."))
    api_key = services.authenticate_api_key(raw_key)
    if api_key is None:
        raise Open311Error(403, _("api_key tidak valid."))
    code = (data.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, _("service_code wajib diisi."))
    try:
        key = idempotency.clean_key(request.headers.get(idempotency.HEADER))
        outcome = idempotency.run_once(
            owner=f"open311:{api_key.pk}",
            key=key,
            scope="open311.requests",
            # The format and where api_key travelled do not change what is asked for.
            request_fingerprint=idempotency.fingerprint("POST", "open311/v2/requests", _without_key(data)),
            action=lambda: (201, _submit(data, code, api_key)),
        )
    except Conflict as exc:
        raise Open311Error(409, str(exc.message)) from None
    except DomainError as exc:
        raise Open311Error(400, str(exc.message)) from None
    response = _render(fmt, "requests", outcome.body, status=outcome.status)
    if outcome.replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
    return response


def _without_key(data: QueryDict) -> dict[str, list[str]]:
    return {name: data.getlist(name) for name in data if name not in ("api_key", "format")}


def _submit(data: QueryDict, code: str, api_key: ApiKey) -> list[dict[str, Any]]:
    if not Category.objects.filter(code=code, active=True).exists():
        # The spec's examples answer an unknown service_code with 404.
        raise Open311Error(404, _("service_code “%(code)s” tidak dikenal.") % {"code": code[:50]})
    attributes: dict[str, list[str]] = {}
    for name in data:
        match = _ATTRIBUTE_KEY.match(name)
        if match:
            attributes.setdefault(match.group(1), []).extend(data.getlist(name))
    address = (data.get("address_string") or data.get("address_id") or "").strip()
    name = " ".join(p for p in ((data.get("first_name") or "").strip(), (data.get("last_name") or "").strip()) if p)
    report = services.submit_report(
        category=code,
        description=data.get("description") or "",
        lat=data.get("lat"),
        lng=data.get("long"),
        address=address,
        contact_name=name,
        contact_email=data.get("email") or "",
        contact_phone=data.get("phone") or "",
        attributes=attributes,
        source=Report.Source.OPEN311,
        api_key=api_key,
        account_id=data.get("account_id") or "",
        device_id=data.get("device_id") or "",
        media_url=data.get("media_url") or "",
        require_point=False,
        require_description=False,
    )
    return [
        {
            "service_request_id": report.code,
            "token": str(report.token),
            "service_notice": str(_service_notice(report.category)),
            "account_id": report.account_id or None,
        }
    ]


def _comma_list(request: HttpRequest, name: str) -> list[str]:
    return [item.strip() for item in (request.GET.get(name) or "").split(",") if item.strip()]


def _page(request: HttpRequest) -> int:
    raw = (request.GET.get("page") or "1").strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise Open311Error(400, _("page harus bilangan bulat 1 atau lebih."))
    return int(raw)


def _search(request: HttpRequest, fmt: str) -> HttpResponse:
    """The list, cached per query until a report changes (aggregators poll the same URLs). The
    default window ends "now", so an answer may lag the clock by up to a minute (the TTL)."""
    parts = (fmt, *cache_scopes.request_parts(request))
    body = cache_scopes.cached(
        selectors.CACHE_SCOPE, parts, lambda: _render(fmt, "requests", _search_items(request)).content, timeout=60
    )
    return HttpResponse(body, content_type=wire.JSON if fmt == "json" else wire.XML)


def _search_items(request: HttpRequest) -> list[dict[str, Any]]:
    # A stable order, so that `page` neither repeats nor skips: the id breaks ties in a second.
    reports = _with_first_photo(Report.objects.select_related(*selectors.CATEGORY_UNIT)).order_by("-created_at", "-id")
    page = _page(request)
    window = slice((page - 1) * MAX_REQUESTS, page * MAX_REQUESTS)
    ids = _comma_list(request, "service_request_id")
    if ids:  # the spec: this overrides every other parameter
        reports = reports.filter(code__in=[i.upper() for i in ids])
        return [_request_item(request, r) for r in reports[window]]
    codes = _comma_list(request, "service_code")
    if codes:
        reports = reports.filter(category__code__in=codes)
    dates = {}
    for name in ("start_date", "end_date"):
        value = request.GET.get(name, "").strip()
        if value:
            parsed = wire.parse_iso(value)
            if parsed is None:
                raise Open311Error(400, _("%(name)s harus tanggal ISO 8601 dengan zona waktu.") % {"name": name})
            # Datetimes are shown to the second: compare at that precision, both ends inclusive,
            # so a report shown as 10:00:05 is inside end_date=10:00:05 and start_date=10:00:05.
            dates[name] = parsed.replace(microsecond=0)
    end = dates.get("end_date") or timezone.now().replace(microsecond=0)
    start = dates.get("start_date") or end - DEFAULT_WINDOW
    if start > end:
        raise Open311Error(400, _("start_date harus sebelum end_date."))
    reports = reports.filter(created_at__gte=start, created_at__lt=end + timedelta(seconds=1))
    statuses = {s.lower() for s in _comma_list(request, "status")}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, _("status harus open atau closed."))
    if statuses == {"open"}:
        reports = reports.filter(status__in=Report.ACTIVE)
    elif statuses == {"closed"}:
        reports = reports.exclude(status__in=Report.ACTIVE)
    return [_request_item(request, r) for r in reports[window]]


@open311_view(("GET",))
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    report = (
        _with_first_photo(Report.objects.select_related(*selectors.CATEGORY_UNIT))
        .filter(code=request_id.upper())
        .first()
    )
    if report is None:
        raise Open311Error(404, _("service_request_id “%(id)s” tidak ditemukan.") % {"id": request_id[:20]})
    return _render(fmt, "requests", [_request_item(request, report)])


@open311_view(("GET",))
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    report = Report.objects.filter(token=value).first() if value else None
    if report is None:
        raise Open311Error(404, _("Token “%(token)s” tidak ditemukan.") % {"token": token[:40]})
    return _render(fmt, "requests", [{"service_request_id": report.code, "token": str(report.token)}])

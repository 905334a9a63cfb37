"""The tenant's boundary polygon: upload (tenant staff page and platform admin), validation, saving.

Staff of a kelurahan/kota upload the official boundary as GeoJSON (a Polygon or MultiPolygon in
WGS84, e.g. exported from the BPS/Kemendagri map); every "is this point in our area" check then
uses it instead of the circle around the centre (apps.core.geo.inside_tenant).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core import geo
from apps.core.db import connection
from apps.core.errors import ValidationFailed

from .models import Tenant


def read_upload(upload: UploadedFile[Any]) -> dict[str, Any]:
    """The cleaned geometry of an uploaded GeoJSON file (ValidationFailed when it is not one)."""
    if upload.size is not None and upload.size > geo.MAX_BOUNDARY_BYTES:
        raise ValidationFailed(
            _("Berkas batas wilayah terlalu besar (paling besar %(kb)d kB).") % {"kb": geo.MAX_BOUNDARY_BYTES // 1024},
            code="boundary_too_big",
            field="boundary",
        )
    return geo.clean_boundary(upload.read(geo.MAX_BOUNDARY_BYTES + 1))


@transaction.atomic
def set_boundary(tenant: Tenant, boundary: dict[str, Any] | None) -> None:
    """Store (or with None, remove) the tenant's boundary; `boundary` comes from clean_boundary."""
    Tenant.objects.filter(pk=tenant.pk).update(boundary=boundary, updated_at=timezone.now())
    tenant.boundary = boundary


def describe(boundary: dict[str, Any] | None) -> str:
    if not boundary:
        return _("Belum ada batas wilayah; lokasi diperiksa dengan radius dari titik pusat.")
    coordinates = boundary["coordinates"]
    polygons = [coordinates] if boundary["type"] == "Polygon" else coordinates
    points = sum(len(ring) for polygon in polygons for ring in polygon)
    return _("%(kind)s dengan %(n)d titik.") % {"kind": boundary["type"], "n": points}


class BoundaryForm(forms.Form):
    boundary = forms.FileField(
        label=gettext_lazy("Berkas GeoJSON batas wilayah"),
        required=False,
        help_text=gettext_lazy("Polygon atau MultiPolygon, koordinat WGS84 (bujur, lintang), paling besar 1 MB."),
    )
    remove = forms.BooleanField(label=gettext_lazy("Hapus batas wilayah (kembali ke radius)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("boundary")
        if upload is None and not data.get("remove"):
            raise forms.ValidationError(_("Pilih berkas GeoJSON, atau centang hapus."), code="required")
        if upload is not None:
            try:
                data["geometry"] = read_upload(upload)
            except ValidationFailed as error:
                self.add_error("boundary", str(error.message))
        return data


def _is_tenant_staff(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


@login_required
def boundary_page(request: HttpRequest) -> HttpResponse:
    """/wilayah/batas/: tenant staff see and replace the kelurahan/kota boundary."""
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.tenant_type == Tenant.Type.PUBLIC:
        raise Http404
    if not _is_tenant_staff(request):
        raise PermissionDenied
    form = BoundaryForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            geometry = form.cleaned_data.get("geometry")
            set_boundary(tenant, geometry if geometry is not None else None)
            messages.success(request, _("Batas wilayah disimpan.") if geometry else _("Batas wilayah dihapus."))
            return redirect("wilayah:boundary")
        status = 422
    return render(
        request,
        "tenancy/boundary.html",
        {"form": form, "tenant": tenant, "summary": describe(tenant.boundary)},
        status=status,
    )

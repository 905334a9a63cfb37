"""The kantor's contact (address, phone, service hours) shown on the public profile page:
the tenant's own admins (the lurah, kelurahan admins, staff) keep it up to date."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.roles import Role
from apps.core import phones
from apps.core.db import connection
from apps.core.errors import ValidationFailed

from .models import Tenant


@transaction.atomic
def set_office_contact(tenant: Tenant, *, address: str, phone: str, hours: str) -> Tenant:
    """Store the kantor's contact; a phone must be a valid number (stored as typed, shown formatted)."""
    phone = (phone or "").strip()
    if phone and not phones.to_e164(phone):
        raise ValidationFailed(_("Nomor telepon kantor tidak valid."), code="invalid_phone", field="phone")
    values = {
        "office_address": (address or "").strip()[:255],
        "office_phone": phone[:30],
        "office_hours": (hours or "").strip()[:150],
    }
    Tenant.objects.filter(pk=tenant.pk).update(**values, updated_at=timezone.now())
    for name, value in values.items():
        setattr(tenant, name, value)
    return tenant


class OfficeForm(forms.Form):
    address = forms.CharField(
        label=gettext_lazy("Alamat kantor"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=gettext_lazy("Telepon kantor"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    hours = forms.CharField(
        label=gettext_lazy("Jam pelayanan"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Contoh: Senin–Jumat 08.00–15.00"),
    )


def may_edit(request: HttpRequest) -> bool:
    user = request.user
    if not (user.is_authenticated and user.is_active):
        return False
    return bool(user.is_staff or user.has_any_role(Role.ADMIN, Role.LURAH))


@login_required
def office_page(request: HttpRequest) -> HttpResponse:
    """/wilayah/kantor/: the kantor's address, phone and hours for the profile page."""
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.tenant_type == Tenant.Type.PUBLIC:
        raise Http404
    if not may_edit(request):
        raise PermissionDenied
    initial = {"address": tenant.office_address, "phone": tenant.office_phone, "hours": tenant.office_hours}
    form = OfficeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                set_office_contact(tenant, **form.cleaned_data)
            except ValidationFailed as exc:
                field = str(exc.details.get("field", ""))
                form.add_error(field if field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Kontak kantor disimpan dan tampil di halaman profil."))
                return redirect("core:home")
        status = 422
    return render(request, "tenancy/office.html", {"form": form, "tenant": tenant}, status=status)

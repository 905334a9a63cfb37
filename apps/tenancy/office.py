"""/wilayah/kantor/: the kantor's contact (address, phone, e-mail, service hours) shown on the
public profile page; the tenant's own admins (the lurah, kelurahan admins, staff) keep it up to
date through services.set_office_contact (the admin's set-up checklist links here)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.db import connection
from apps.core.errors import DomainError

from . import services
from .models import Tenant


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
    email = forms.EmailField(
        label=gettext_lazy("E-mail kantor"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    hours = forms.CharField(
        label=gettext_lazy("Jam pelayanan"),
        required=False,
        max_length=150,
        help_text=gettext_lazy("Contoh: Senin–Jumat 08.00–15.00"),
    )


@login_required
def office_page(request: HttpRequest) -> HttpResponse:
    """/wilayah/kantor/: the kantor's address, phone and hours for the profile page."""
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant) or tenant.tenant_type == Tenant.Type.PUBLIC:
        raise Http404
    if not services.may_edit_office(request.user):
        raise PermissionDenied
    initial = {
        "address": tenant.office_address,
        "phone": tenant.office_phone,
        "email": tenant.office_email,
        "hours": tenant.office_hours,
    }
    form = OfficeForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.set_office_contact(tenant, actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except DomainError as exc:
                field = str(exc.details.get("field", ""))
                form.add_error(field if field in form.fields else None, str(exc.message))
            else:
                messages.success(request, _("Kontak kantor disimpan dan tampil di halaman profil."))
                return redirect("core:home")
        status = 422
    return render(request, "tenancy/office.html", {"form": form, "tenant": tenant}, status=status)

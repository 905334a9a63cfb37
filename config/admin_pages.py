"""Admin pages that are no model's change form: the kantor's own contact (stored on the tenant,
written by apps.tenancy.services.set_office_contact)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.errors import DomainError
from apps.tenancy import services as tenancy
from apps.tenancy.models import Tenant


class OfficeContactForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("Telepon kantor"), max_length=30, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail kantor"), required=False)
    address = forms.CharField(label=gettext_lazy("Alamat kantor"), max_length=255, required=False)


def office_contact_view(request: HttpRequest) -> HttpResponse:
    tenant: Any = getattr(request, "tenant", None)
    user: Any = request.user
    if tenant is None or tenant.schema_name == "public" or not user.is_staff:
        raise PermissionDenied
    current = Tenant.objects.get(pk=tenant.pk)
    initial = {"phone": current.office_phone, "email": current.office_email, "address": current.office_address}
    form = OfficeContactForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                tenancy.set_office_contact(current, actor=user, **form.cleaned_data)
            except DomainError as exc:
                field = exc.details.get("field")
                form.add_error(field if field in form.fields else None, str(exc.message))
                status = exc.status_code
            else:
                messages.success(request, _("Kontak kantor disimpan."))
                return redirect("admin:index")
        else:
            status = 422
    context = {
        **admin.site.each_context(request),
        "title": _("Kontak kantor kelurahan"),
        "form": form,
    }
    return TemplateResponse(request, "admin/kotakita/office_contact.html", context, status=status)

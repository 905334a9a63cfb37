"""Forms of the permit pages. They only shape input; services.py validates it."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.rtrw.models import RukunTetangga

from . import kbli


class NikInput(forms.TextInput):
    """Never renders the NIK back into the page (a re-shown form asks for it again)."""

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        return super().get_context(name, None, attrs)


class PermitForm(forms.Form):
    # Files last: everything cheap to fix comes before the inputs a refused POST empties.
    field_order = [
        "applicant", "nik", "owner_name", "business_name", "kbli_code", "address", "lat", "lng",
        "capital", "workers", "products", "rt", "ktp_scan", "premises_photo",
    ]  # fmt: skip
    applicant = forms.ModelChoiceField(
        label=_("Pemohon (pemilik usaha)"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Hanya untuk petugas yang mengajukan atas nama warga."),
    )
    nik = forms.CharField(
        label=_("NIK pemilik"),
        max_length=24,
        widget=NikInput(attrs={"inputmode": "numeric", "autocomplete": "off", "placeholder": "16 digit"}),
    )
    owner_name = forms.CharField(label=_("Nama pemilik (sesuai KTP)"), max_length=150, required=False)
    business_name = forms.CharField(label=_("Nama usaha"), max_length=150)
    # A search box (words or code, text keypad): the chosen suggestion reads "56210 — Jasa Boga …"
    # and clean_kbli_code keeps its code.
    kbli_code = forms.CharField(
        label=_("Bidang usaha (KBLI)"),
        max_length=255,
        help_text=_(
            "Ketik jenis usaha, misalnya katering, warung makan atau jahit (atau kodenya), lalu pilih dari daftar."
        ),
        widget=forms.TextInput(
            attrs={
                "inputmode": "search",
                "autocomplete": "off",
                "role": "combobox",
                "aria-autocomplete": "list",
                "aria-expanded": "false",
                "aria-controls": "kbli-listbox",
                "placeholder": _("mis. katering"),
            }
        ),
    )
    address = forms.CharField(label=_("Alamat usaha"), max_length=255)
    # Set with the shared map picker (templates/includes/map_picker.html), never typed.
    lat = forms.CharField(label=_("Lintang"), required=False, widget=forms.HiddenInput)
    lng = forms.CharField(label=_("Bujur"), required=False, widget=forms.HiddenInput)
    capital = forms.CharField(
        label=_("Modal usaha (rupiah, di luar tanah dan bangunan)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "25000000"}),
    )
    workers = forms.IntegerField(label=_("Jumlah tenaga kerja"), min_value=0, max_value=1000)
    products = forms.CharField(label=_("Produk/jasa"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    ktp_scan = forms.FileField(
        label=_("Scan/foto KTP (JPG, PNG atau PDF, maks. 2 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    premises_photo = forms.FileField(
        label=_("Foto tempat usaha (JPG atau PNG, maks. 2 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    rt = forms.ModelChoiceField(
        label=_("RT pemohon"),
        queryset=RukunTetangga.objects.none(),
        required=False,
        help_text=_("Kosongkan untuk memakai RT domisili pemohon."),
    )

    def __init__(self, *args: Any, staff: bool = False, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rt"].queryset = RukunTetangga.objects.select_related("rw")  # type: ignore[attr-defined]
        self.fields["kbli_code"].widget.attrs.update(
            {
                "hx-get": reverse("permits:kbli"),
                "hx-trigger": "input changed delay:300ms, search",
                "hx-target": "#kbli-results",
                "hx-sync": "this:replace",
            }
        )
        if staff and not editing:
            self.fields["applicant"].queryset = (  # type: ignore[attr-defined]
                User.objects.filter(is_active=True, groups__name__in=[Role.PEMILIK_UMKM, Role.WARGA])
                .distinct()
                .order_by("full_name", "username")
            )
        else:
            del self.fields["applicant"]
        if editing:
            self.fields["nik"].required = False
            self.fields["nik"].help_text = _("Kosongkan bila tidak berubah.")

    def clean_kbli_code(self) -> str:
        raw = str(self.cleaned_data["kbli_code"]).strip()
        code = kbli.code_in(raw)
        if code is not None:
            return code
        found = kbli.search(raw, limit=2) if not raw.isdigit() else []
        if len(found) == 1:
            return found[0].code
        if raw.isdigit():
            raise forms.ValidationError(
                _("Kode KBLI terdiri dari 5 angka. Ketik kata atau kode, lalu pilih dari daftar.")
            )
        if not found:
            raise forms.ValidationError(_("Tidak ada bidang usaha yang cocok. Coba kata lain, misalnya “warung”."))
        raise forms.ValidationError(_("Ada beberapa bidang usaha yang cocok. Pilih salah satu dari daftar."))

    def clean_capital(self) -> str:
        raw = self.cleaned_data["capital"]
        return re.sub(r"(?i)^rp|[\s.]", "", str(raw))


class NibForm(forms.Form):
    nib = forms.CharField(label=_("NIB (13 digit)"), max_length=20)

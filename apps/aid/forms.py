from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Distribution, Program


class ImportForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    file = forms.FileField(
        label=_("Berkas daftar penerima (.xlsx / .csv)"),
        help_text=_("Kolom: NIK, No KK, Nama, Alamat, RT, RW, Penghasilan. Baris pertama berisi judul kolom."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.filter(end_date__gte=timezone.localdate())  # type: ignore[attr-defined]


class PersonForm(forms.Form):
    """Enrol one person by hand. The NIK field is a password-style input so it is not kept in
    the browser's autofill history."""

    nik = forms.CharField(
        label=_("NIK"), max_length=32, widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    )
    kk = forms.CharField(
        label=_("No. KK"),
        max_length=32,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = forms.CharField(label=_("Nama"), max_length=150)
    address = forms.CharField(label=_("Alamat"), max_length=255, required=False)
    rw = forms.IntegerField(label=_("RW"), min_value=1, max_value=999)
    rt = forms.IntegerField(label=_("RT"), min_value=1, max_value=999)
    household_income = forms.IntegerField(
        label=_("Penghasilan rumah tangga per bulan (Rp)"), min_value=0, required=False
    )


class PlanPeriodForm(forms.Form):
    period = forms.RegexField(
        label=_("Periode (TTTT-BB)"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"invalid": _("Periode harus berformat TTTT-BB.")},
    )


class DistributeForm(forms.Form):
    distributed_on = forms.DateField(
        label=_("Tanggal disalurkan"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    proof = forms.FileField(
        label=_("Foto bukti (JPEG/PNG/WebP, maks. 2 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}),
    )


class FailForm(forms.Form):
    reason = forms.CharField(label=_("Alasan gagal"), max_length=255, required=False)


class DistributionFilterForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none(), required=False)
    period = forms.CharField(label=_("Periode"), required=False, max_length=7)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Semua status")), *Distribution.Status.choices], required=False
    )
    q = forms.CharField(label=_("Nama"), required=False, max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.all()  # type: ignore[attr-defined]

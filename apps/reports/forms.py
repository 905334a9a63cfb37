"""Forms of the laporan warga pages. They parse input; services decide what is valid."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from apps.core import phones
from apps.rtrw.models import RukunTetangga

from .models import Report
from .selectors import ReportFilter, active_categories

ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\]]+)\](?:\[\])?$")


def category_choices(blank: str) -> list[tuple[str, str]]:
    return [("", blank), *((c.code, c.name) for c in active_categories())]


class ReportForm(forms.Form):
    # A plain field: whether the category exists is the service's call (one clear message).
    category = forms.CharField(
        label=_("Kategori"), max_length=50, error_messages={"required": _("Pilih kategori laporan.")}
    )
    description = forms.CharField(
        label=_("Uraian masalah"),
        max_length=2000,
        error_messages={"required": _("Uraian masalah belum diisi: ceritakan apa masalahnya.")},
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("Contoh: lubang besar di depan warung")}),
    )
    address = forms.CharField(
        label=_("Patokan atau alamat"),
        required=False,
        max_length=255,
        help_text=_("Wajib bila lokasi tidak dipilih di peta."),
        widget=forms.TextInput(attrs={"placeholder": _("Contoh: depan Masjid Al-Ikhlas")}),
    )
    rt = forms.ChoiceField(label=_("RT/RW (opsional)"), required=False, choices=())
    lat = forms.CharField(required=False, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, widget=forms.HiddenInput)
    # A honeypot for spam robots: hidden from people (CSS) and from assistive technology, so
    # anything typed into it was not typed by a person.
    homepage = forms.CharField(label=_("Jangan diisi"), required=False, max_length=200)

    def __init__(self, *args: Any, anonymous: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.category_choices = category_choices(str(_("— pilih kategori —")))
        self.fields["rt"].choices = [("", _("— tidak tahu / pilih di peta —")), *rt_choices()]  # type: ignore[attr-defined]
        self.fields["homepage"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if anonymous:
            self.fields["contact_name"] = forms.CharField(
                label=_("Nama (opsional)"),
                required=False,
                max_length=150,
                widget=forms.TextInput(attrs={"autocomplete": "name"}),
            )
            self.fields["contact_phone"] = forms.CharField(
                label=_("Nomor HP/WhatsApp (opsional)"),
                required=False,
                max_length=30,
                widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
            )
            self.fields["contact_email"] = forms.EmailField(
                label=_("E-mail (opsional)"),
                required=False,
                max_length=254,
                error_messages={"invalid": _("Alamat e-mail tidak valid, contoh: nama@contoh.id")},
                widget=forms.EmailInput(attrs={"autocomplete": "email"}),
            )

    def clean_contact_phone(self) -> str:
        value = str(self.cleaned_data.get("contact_phone") or "").strip()
        if value and not phones.to_e164(value):
            raise forms.ValidationError(_("Nomor HP tidak valid, contoh: 0812-3456-7890."))
        return value

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("homepage"))

    def chosen_rt(self) -> RukunTetangga | None:
        value = self.cleaned_data.get("rt") or ""
        return RukunTetangga.objects.select_related("rw").filter(pk=value).first() if value else None


def rt_choices() -> list[tuple[str, str]]:
    return [(str(rt.pk), str(rt)) for rt in RukunTetangga.objects.select_related("rw").order_by("rw__number", "number")]


def attribute_answers(data: QueryDict) -> dict[str, list[str]]:
    """`attribute[code]` fields (the Open311 naming) as {code: [values]}."""
    answers: dict[str, list[str]] = {}
    for key in data:
        match = ATTRIBUTE_KEY.match(key)
        if match:
            answers.setdefault(match.group(1), []).extend(v for v in data.getlist(key) if v != "")
    return answers


STATUS_CHOICES = [
    ("", _("Semua status")),
    ("open", _("Masih terbuka")),
    ("closed", _("Sudah ditutup")),
    *Report.Status.choices,
]


class FilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Kategori"), required=False, choices=())
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)
    date_from = forms.DateField(label=_("Dari tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Sampai tanggal"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(str(_("Semua kategori")))  # type: ignore[attr-defined]

    def to_filter(self) -> ReportFilter:
        """The valid part of the filters (an invalid field is ignored and shown as an error)."""
        if not self.is_bound:
            return ReportFilter()
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return ReportFilter(
            category=data.get("category") or "",
            status=data.get("status") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )

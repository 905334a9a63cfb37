from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Audience

_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    """Times are typed in the kelurahan's local time (Asia/Jakarta)."""

    title = forms.CharField(label=_("Judul"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Mulai"), widget=_LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    ends_at = forms.DateTimeField(label=_("Selesai"), widget=_LOCAL, input_formats=["%Y-%m-%dT%H:%M"])
    place_name = forms.CharField(label=_("Tempat"), max_length=200)
    organiser = forms.CharField(label=_("Penyelenggara"), max_length=150)
    audience = forms.ChoiceField(label=_("Sasaran"), choices=Audience.choices, initial=Audience.PUBLIC)
    rw = forms.IntegerField(label=_("RW (untuk kegiatan RW/RT)"), min_value=1, max_value=999, required=False)
    rt = forms.IntegerField(label=_("RT (untuk kegiatan RT)"), min_value=1, max_value=999, required=False)
    lat = forms.DecimalField(label=_("Lintang (opsional)"), max_digits=9, decimal_places=6, required=False)
    lng = forms.DecimalField(label=_("Bujur (opsional)"), max_digits=9, decimal_places=6, required=False)
    description = forms.CharField(label=_("Keterangan"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

"""Forms of the organiser's pages: they only parse and check the input (in Bahasa Indonesia);
the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Discount

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BazarForm(forms.Form):
    name = forms.CharField(label=_("Nama bazar"), max_length=120)
    place_name = forms.CharField(label=_("Tempat"), max_length=200)
    starts_at = forms.DateTimeField(label=_("Mulai"), widget=_WHEN)
    ends_at = forms.DateTimeField(label=_("Selesai"), widget=_WHEN)
    description = forms.CharField(label=_("Keterangan"), required=False, max_length=4000, widget=forms.Textarea)
    grid_columns = forms.IntegerField(label=_("Kolom denah"), min_value=1, max_value=30, initial=6)
    grid_rows = forms.IntegerField(label=_("Baris denah"), min_value=1, max_value=30, initial=4)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("Waktu selesai harus setelah waktu mulai."))
        for field in ("starts_at", "ends_at"):
            moment = data.get(field)
            if moment and not 2000 <= moment.year <= 2100:
                self.add_error(field, _("Tahun harus antara 2000 dan 2100."))
        return data


class NewBazarForm(BazarForm):
    publish = forms.BooleanField(
        label=_("Umumkan sekarang (tampil di halaman bazar dan agenda kelurahan)"), required=False
    )


class PromotionForm(forms.Form):
    discount = forms.ChoiceField(label=_("Jenis promo"), choices=Discount.choices)
    value = forms.IntegerField(label=_("Besar potongan"), required=False, min_value=0, max_value=10_000_000)
    products = forms.TypedMultipleChoiceField(label=_("Produk promo"), required=False, coerce=int)

    def __init__(self, *args: Any, product_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(pk, str(pk)) for pk in product_ids]  # type: ignore[attr-defined]


class CellForm(forms.Form):
    """A cell of the stall map, sent as "column-row" (the map's select)."""

    cell = forms.RegexField(
        label=_("Posisi lapak"),
        regex=r"^\d{1,2}-\d{1,2}$",
        error_messages={"required": _("Pilih posisi lapak di denah."), "invalid": _("Pilih posisi lapak di denah.")},
    )

    def position(self) -> tuple[int, int]:
        column, row = str(self.cleaned_data["cell"]).split("-")
        return int(column), int(row)


class StallForm(CellForm):
    shop = forms.IntegerField(label=_("Toko"), min_value=1)
    number = forms.IntegerField(label=_("Nomor lapak"), required=False, min_value=1, max_value=900)

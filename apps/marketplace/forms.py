"""Forms of the marketplace pages: input shapes only; every rule is checked by services."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.payments import methods as payment_methods

from . import events, services
from .models import DeliveryMethod, ImportBatch, Review, Shop

WEEKDAYS = [
    ("0", _("Senin")),
    ("1", _("Selasa")),
    ("2", _("Rabu")),
    ("3", _("Kamis")),
    ("4", _("Jumat")),
    ("5", _("Sabtu")),
    ("6", _("Minggu")),
]


def _describe(moment: datetime, now: datetime) -> str:
    provider = events.hub_hours()  # only reached when hub delivery is offered, i.e. provided
    return "" if provider is None else provider.describe(moment, now)


class RupiahField(forms.CharField):
    """Rupiah as typed ("25.000" or "25000"); the service checks the value."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class ShopForm(forms.Form):
    name = forms.CharField(label=_("Nama toko"), max_length=120)
    description = forms.CharField(label=_("Deskripsi"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Alamat"), max_length=255)
    # Set with the map picker (templates/includes/map_picker.html), never typed.
    lat = forms.DecimalField(
        label=_("Lintang"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    lng = forms.DecimalField(label=_("Bujur"), required=False, max_digits=9, decimal_places=6, widget=forms.HiddenInput)
    photo = forms.FileField(label=_("Foto toko (JPEG/PNG)"), required=False)
    days = forms.MultipleChoiceField(
        label=_("Hari buka"), choices=WEEKDAYS, required=False, widget=forms.CheckboxSelectMultiple
    )
    opens = forms.CharField(label=_("Jam buka"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.CharField(label=_("Jam tutup"), required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    offers_pickup = forms.BooleanField(label=_("Bisa diambil sendiri"), required=False, initial=True)
    offers_hub_delivery = forms.BooleanField(label=_("Antar lewat hub kelurahan"), required=False)
    offers_own_delivery = forms.BooleanField(label=_("Saya antar sendiri"), required=False)
    own_delivery_fee = RupiahField(label=_("Ongkos antar sendiri (Rp)"), required=False, initial="0")
    accepts_invoice = forms.BooleanField(
        label=_("Terima bayar dengan faktur (tempo) dari pembeli usaha dan kantor kelurahan"), required=False
    )
    invoice_terms_days = forms.IntegerField(
        label=_("Tempo faktur (hari)"), min_value=1, max_value=180, initial=30, required=False
    )

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        hours: dict[str, list[str]] = {}
        if data["days"] and (data["opens"] or data["closes"]):
            hours = {day: [data["opens"], data["closes"]] for day in data["days"]}
        return {
            "name": data["name"],
            "description": data["description"],
            "address": data["address"],
            "lat": data["lat"],
            "lng": data["lng"],
            "opening_hours": hours,
            "offers_pickup": data["offers_pickup"],
            "offers_hub_delivery": data["offers_hub_delivery"],
            "offers_own_delivery": data["offers_own_delivery"],
            "own_delivery_fee": data["own_delivery_fee"] or 0,
            "accepts_invoice": data["accepts_invoice"],
            "invoice_terms_days": data["invoice_terms_days"] or 30,
        }

    @classmethod
    def initial_for(cls, shop: Shop) -> dict[str, Any]:
        days = sorted(shop.opening_hours)
        first = shop.opening_hours.get(days[0], ["", ""]) if days else ["", ""]
        return {
            "name": shop.name,
            "description": shop.description,
            "address": shop.address,
            "lat": shop.lat,
            "lng": shop.lng,
            "days": days,
            "opens": first[0],
            "closes": first[1],
            "offers_pickup": shop.offers_pickup,
            "offers_hub_delivery": shop.offers_hub_delivery,
            "offers_own_delivery": shop.offers_own_delivery,
            "own_delivery_fee": str(shop.own_delivery_fee),
            "accepts_invoice": shop.accepts_invoice,
            "invoice_terms_days": shop.invoice_terms_days,
        }


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Nama produk"), max_length=150)
    description = forms.CharField(label=_("Deskripsi"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.CharField(
        label=_("Kategori"),
        required=False,
        max_length=200,
        help_text=_("Pisahkan dengan koma, mis. Makanan, Oleh-oleh"),
    )
    variant_name = forms.CharField(label=_("Varian (ukuran/rasa)"), required=False, max_length=100)
    sku = forms.CharField(label=_("SKU (kode barang)"), max_length=64)
    price = RupiahField(label=_("Harga (Rp)"))
    stock = forms.CharField(
        label=_("Stok"), max_length=10, initial="0", widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    photo = forms.FileField(label=_("Foto (JPEG/PNG)"), required=False)


class ProductEditForm(forms.Form):
    name = forms.CharField(label=_("Nama produk"), max_length=150)
    description = forms.CharField(label=_("Deskripsi"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    categories = forms.CharField(label=_("Kategori"), required=False, max_length=200)
    is_active = forms.BooleanField(label=_("Dijual"), required=False)
    photo = forms.FileField(label=_("Tambah foto (JPEG/PNG)"), required=False)


class VariantForm(forms.Form):
    variant_name = forms.CharField(label=_("Varian"), required=False, max_length=100)
    sku = forms.CharField(label=_("SKU"), max_length=64)
    price = RupiahField(label=_("Harga (Rp)"))
    stock = forms.CharField(label=_("Stok"), max_length=10, initial="0")


class VariantEditForm(forms.Form):
    variant = forms.IntegerField(widget=forms.HiddenInput)
    price = RupiahField(label=_("Harga (Rp)"))
    stock = forms.CharField(label=_("Stok di toko"), max_length=10)
    is_active = forms.BooleanField(label=_("Dijual"), required=False)


class CartAddForm(forms.Form):
    variant = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    quantity = forms.IntegerField(label=_("Jumlah"), initial=1)


class CheckoutForm(forms.Form):
    address = forms.CharField(label=_("Alamat kirim"), required=False, max_length=255)
    # The delivery map point (templates/includes/map_picker.html renders these) and the delivery
    # fee the buyer was shown (the quote), which the order must charge exactly.
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lng = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    quoted_fee = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Catatan untuk penjual"), required=False, max_length=255)
    payment_method = forms.ChoiceField(label=_("Cara bayar"), widget=forms.RadioSelect)
    # One of the buyer's vouchers (events.vouchers); the choices are theirs only.
    voucher = forms.ChoiceField(label=_("Bayar dengan voucher UMKM"), required=False, widget=forms.RadioSelect)
    quoted_voucher = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        shops: list[Shop],
        vouchers: list[events.VoucherOption] | None = None,
        on_terms: bool = False,
        **kwargs: Any,
    ) -> None:
        """`on_terms`: the buyer may pay by invoice (services.may_buy_on_terms); offered when
        every shop of the cart accepts it."""
        super().__init__(*args, **kwargs)
        self.voucher_options = vouchers or []
        cast(forms.ChoiceField, self.fields["voucher"]).choices = [
            ("", _("Tanpa voucher")),
            *((o.code, o.label) for o in self.voucher_options),
        ]
        payment_choices: list[tuple[str, Any]] = [(code, m.label) for code, m in payment_methods.METHODS.items()]
        if on_terms and shops and all(shop.accepts_invoice for shop in shops):
            days = sorted({shop.invoice_terms_days for shop in shops})
            terms = _("tempo %(days)s hari") % {"days": days[0]} if len(days) == 1 else _("tempo sesuai toko")
            payment_choices.append(
                (
                    services.INVOICE_METHOD,
                    _("Faktur (%(terms)s) — dibayar setelah barang sampai") % {"terms": terms},
                )
            )
        cast(forms.ChoiceField, self.fields["payment_method"]).choices = payment_choices
        labels: dict[str, str] = {str(k): str(v) for k, v in DeliveryMethod.choices}
        if any(DeliveryMethod.HUB in shop.delivery_methods() for shop in shops):
            now = timezone.now()
            opens = services.hub_delivery_opens(now)
            if opens is not None and opens > now:
                labels[DeliveryMethod.HUB] = _("%(method)s — Dikirim lewat hub mulai %(when)s") % {
                    "method": labels[DeliveryMethod.HUB],
                    "when": _describe(opens, now),
                }
        else:
            opens = None
        for shop in shops:
            # Hub delivery is only offered while some hub can take the order (see hub_delivery_opens).
            methods = [m for m in shop.delivery_methods() if m != DeliveryMethod.HUB or opens is not None]
            self.fields[f"delivery_{shop.pk}"] = forms.ChoiceField(
                label=_("Pengiriman dari %(shop)s") % {"shop": shop.name},
                choices=[(m, labels[m]) for m in methods],
            )
        self.order_fields([*(f"delivery_{shop.pk}" for shop in shops), "address", "note", "payment_method"])

    def voucher_remaining(self, code: Any) -> int:
        """What is left on the chosen voucher (0 for none or a code that is not the buyer's)."""
        return next((o.remaining for o in self.voucher_options if code and o.code == code), 0)

    def delivery_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("delivery_")]

    def deliveries(self, shops: list[Shop]) -> dict[int, str]:
        return {shop.pk: self.cleaned_data[f"delivery_{shop.pk}"] for shop in shops}


class PayForm(forms.Form):
    method = forms.ChoiceField(label=_("Cara bayar"), widget=forms.RadioSelect)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["method"]).choices = [
            (code, m.label) for code, m in payment_methods.METHODS.items()
        ]


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Nilai"), coerce=int, choices=[(n, "★" * n) for n in range(5, 0, -1)], initial=5
    )
    comment = forms.CharField(
        label=_("Ulasan"), required=False, max_length=Review.COMMENT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )
    line = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Isi berkas"), choices=ImportBatch.Kind.choices, initial=ImportBatch.Kind.PRODUCTS)
    file = forms.FileField(label=_("Berkas .xlsx atau .csv"))


class ReportForm(forms.Form):
    start = forms.DateField(label=_("Dari"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("Sampai"), widget=forms.DateInput(attrs={"type": "date"}))

"""Form widgets for staff forms (Django admin): a per-day opening-hours editor and a map point.

Opening hours are stored as {"0": ["07:00", "20:00"], ...} (apps/core/opening_hours.py, whose
one rule the field applies). Nobody should have to type that JSON: `OpeningHoursField` shows one
row per day with "buka"/"tutup" time inputs and a "libur" checkbox.

`MapPointWidget` is the latitude input with a Leaflet map under it: the same point picker as the
public forms (static/js/map-picker.js; Leaflet from static/vendor/leaflet). Clicking the map,
dragging the marker or "Gunakan lokasi saya" fills the latitude and longitude inputs, which stay
typeable (keyboard users, exact numbers) and move the marker when typed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ValidationFailed
from apps.core.opening_hours import DAYS, clean_opening_hours


class OpeningHoursWidget(forms.Widget):
    template_name = "widgets/opening_hours.html"
    use_fieldset = True  # the field's label becomes the legend of the seven rows

    def format_value(self, value: Any) -> Any:
        return value

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = []
        submitted = isinstance(value, dict) and value.get("__submitted__")
        for day, label in enumerate(DAYS):
            key = str(day)
            if submitted:
                opens, closes, closed = value["rows"][day]
            else:
                span = (value or {}).get(key) if isinstance(value, Mapping) else None
                opens, closes = (span[0], span[1]) if span else ("", "")
                closed = bool(value) and not span  # a day missing from set hours is closed
            rows.append(
                {
                    "day": key,
                    "label": label,
                    "open": opens,
                    "close": closes,
                    "closed": closed,
                    "prefix": f"{name}_{key}",
                }
            )
        context["widget"]["rows"] = rows
        return context

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, Any]:
        rows = []
        for day in range(len(DAYS)):
            prefix = f"{name}_{day}"
            rows.append(
                (
                    str(data.get(f"{prefix}_open") or "").strip(),
                    str(data.get(f"{prefix}_close") or "").strip(),
                    bool(data.get(f"{prefix}_closed")),
                )
            )
        return {"__submitted__": True, "rows": rows}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(key.startswith(f"{name}_") for key in data)

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0_open" if id_ else id_


class OpeningHoursField(forms.Field):
    widget = OpeningHoursWidget
    default_error_messages = {
        "incomplete": _("%(day)s: isi jam buka dan jam tutup, atau centang “Libur”."),
        "all_closed": _("Semua hari dicentang libur. Isi jam buka setidaknya satu hari."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _("Kosongkan semua baris bila selalu buka. Centang “Libur” untuk hari hub tidak buka."),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dict[str, list[str]]:
        if not (isinstance(value, dict) and value.get("__submitted__")):
            return dict(value or {})
        hours: dict[str, list[str]] = {}
        errors: list[forms.ValidationError] = []
        rows = value["rows"]
        for day, (opens, closes, closed) in enumerate(rows):
            if closed or not (opens or closes):
                continue
            if not (opens and closes):  # a half-filled row: the form's own question
                errors.append(self._error("incomplete", day=DAYS[day]))
                continue
            # Each day through the one rule of apps.core.opening_hours, so every bad row is told.
            try:
                hours.update(clean_opening_hours({day: [opens, closes]}))
            except ValidationFailed as error:
                errors.append(forms.ValidationError(str(error.message), code=error.code))
        if errors:
            raise forms.ValidationError(errors)
        if not hours and all(closed for _o, _c, closed in rows):
            raise forms.ValidationError(self.error_messages["all_closed"], code="all_closed")
        return hours

    def _error(self, code: str, **params: Any) -> forms.ValidationError:
        return forms.ValidationError(self.error_messages[code], code=code, params=params)

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != dict(initial or {})
        except forms.ValidationError:
            return True


class MapPointWidget(forms.NumberInput):
    """The latitude input plus a map that also fills `lng_field` (the longitude input's name)."""

    template_name = "widgets/map_point.html"

    def __init__(self, lng_field: str = "lng", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"step": "0.000001", **(attrs or {})})
        self.lng_field = lng_field

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget_id = context["widget"]["attrs"].get("id", f"id_{name}")
        # Without a point yet the map opens on the kelurahan (the tenant's centre); on the
        # platform admin, or a tenant without a centre, on Indonesia's main islands.
        tenant = getattr(connection, "tenant", None)
        centre = (getattr(tenant, "lat", None), getattr(tenant, "lng", None))
        if centre[0] is None or centre[1] is None:
            centre, zoom = (-2.5, 118.0), 5
        else:
            zoom = 15
        context["widget"]["map"] = {
            "id": f"{widget_id}_map",
            "lat_input": widget_id,
            "lng_input": widget_id.removesuffix(name) + self.lng_field,
            "centre_lat": str(centre[0]),
            "centre_lng": str(centre[1]),
            "zoom": zoom,
            "tiles": settings.MAP_TILES_URL,
            "attribution": settings.MAP_TILES_ATTRIBUTION,
        }
        return context

    @property
    def media(self) -> forms.Media:
        return forms.Media(
            css={"all": ["vendor/leaflet/leaflet.css", "css/admin-kotakita.css"]},
            js=["vendor/leaflet/leaflet.js", "js/map-picker.js"],
        )

"""Admin building blocks shared by the domain apps, and the one model apps.core registers (the
document-number counters, read only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.checks import CheckMessage
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .api_keys import ApiKeyBase
from .audit import events_for
from .models import DocumentCounter


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """For records that only services may write (ledgers, audit trails): staff look, never edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def pair_through(field: Any) -> bool:
    """Whether a ManyToManyField's explicit through model is only the pair: its primary key is
    a CompositePrimaryKey of the two foreign keys and it has no other column. `.set()` writes
    such a field exactly like an auto-created one (issue 17: the link tables of our
    ManyToManyFields are such models, to save the surrogate id and one index per table)."""
    through = field.remote_field.through
    meta = through._meta
    return isinstance(meta.pk, models.CompositePrimaryKey) and len(meta.local_concrete_fields) == 2


class PairThroughAdmin(admin.ModelAdmin[Any]):
    """A ModelAdmin that edits ManyToManyFields whose through model is a pair (`pair_through`).

    Django's admin shows a many-to-many field only when its through model is auto-created (one
    with extra columns cannot be written by `.set()`), and its checks refuse naming the field in
    `fields`/`fieldsets`/`filter_horizontal` (admin.E013). A pair-only through model has no
    extra column, so both are lifted for those fields; the form saves them with `.set()`."""

    def _pair_fields(self) -> set[str]:
        return {f.name for f in self.model._meta.many_to_many if pair_through(f)}

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        pairs = self._pair_fields()
        return [
            error
            for error in super().check(**kwargs)
            if not (error.id == "admin.E013" and any(f"ManyToManyField '{name}'" in error.msg for name in pairs))
        ]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if not pair_through(db_field):
            return super().formfield_for_manytomany(db_field, request, **kwargs)
        # Django's ModelAdmin.formfield_for_manytomany, without its auto-created-only guard.
        db = kwargs.get("using")
        if "widget" not in kwargs:
            if db_field.name in self.get_autocomplete_fields(request):
                kwargs["widget"] = widgets.AutocompleteSelectMultiple(db_field, self.admin_site, using=db)
            elif db_field.name in self.raw_id_fields:
                kwargs["widget"] = widgets.ManyToManyRawIdWidget(db_field.remote_field, self.admin_site, using=db)
            elif db_field.name in [*self.filter_vertical, *self.filter_horizontal]:
                kwargs["widget"] = widgets.FilteredSelectMultiple(
                    db_field.verbose_name, db_field.name in self.filter_vertical
                )
        if "queryset" not in kwargs:
            queryset = self.get_field_queryset(db, db_field, request)
            if queryset is not None:
                kwargs["queryset"] = queryset
        return db_field.formfield(**kwargs)


def timeline(obj: Any) -> str:
    """A subject's audit events (core_event) as a read-only list on its admin page, replacing the
    inline the per-app event tables had."""
    if obj is None or obj.pk is None:
        return "-"
    rows = events_for(obj).select_related("actor").order_by("created_at", "id")
    return format_html(
        "<ol>{}</ol>",
        format_html_join(
            "",
            "<li>{} · {} {}{} · {} {}</li>",
            (
                (
                    date_format(timezone.localtime(e.created_at), "DATETIME_FORMAT"),
                    e.get_action_display(),
                    e.from_status,
                    f" → {e.to_status}" if e.to_status else "",
                    e.actor or gettext("sistem"),
                    e.note,
                )
                for e in rows
            ),
        ),
    )


def timeline_field(description: Any = None) -> Any:
    """`events = timeline_field()` on a ModelAdmin, with "events" in its readonly_fields."""

    @admin.display(description=description or _("riwayat"))
    def events(self: Any, obj: Any) -> str:
        return timeline(obj)

    return events


class ApiKeyAdmin(admin.ModelAdmin[Any]):
    """Admin of an `apps.core.api_keys.ApiKeyBase` model. A key is made by the app's service
    (`create_key`): its raw value is shown once in a message, only its digest is stored. Keys are
    stopped with the revoke action (`revoke_key`), never by editing them."""

    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def create_key(self, data: dict[str, Any]) -> tuple[ApiKeyBase, str]:
        raise NotImplementedError

    def revoke_key(self, key: Any) -> None:
        raise NotImplementedError

    @admin.display(description=_("status"))
    def status(self, obj: ApiKeyBase) -> str:
        if obj.revoked_at is not None:
            return gettext("dicabut")
        return gettext("aktif") if obj.is_usable() else gettext("kedaluwarsa")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, raw = self.create_key(form.cleaned_data)
        obj.pk, obj.prefix, obj.key_hash = key.pk, key.prefix, key.key_hash
        messages.warning(
            request, gettext("Simpan kunci ini sekarang, kunci tidak akan ditampilkan lagi: %(key)s") % {"key": raw}
        )

    @admin.action(description=_("Cabut kunci terpilih"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for key in queryset:
            self.revoke_key(key)
        messages.success(request, gettext("%(n)s kunci dicabut.") % {"n": queryset.count()})


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdmin):
    list_display = ["kind", "scope", "year", "last_value"]

"""The tenant admin's change history as `core_event` rows (issue 17, docs/design/schema-cost.md
"Admin history"): no `django_admin_log` table per tenant schema.

A tenant admin's add/change/delete is one `Event` (subject_type "admin", subject_id = the
object's pk, `action` add/change/delete, `actor` = the admin user, `data` = the model label, the
object's repr and Django's change message), written by `AdminLogMixin` (every ModelAdmin of the
tenant site, config.admin_site) in the admin view's own transaction. The object's "History" page
and the index's "Recent actions" read `AdminLogEntry`, a proxy that looks like Django's
`LogEntry` to the admin templates.

`django.contrib.admin` is a public-only app now: its `LogEntry` table is only in the public
schema, where the platform admin (apps.tenancy.admin) keeps using it. In a tenant schema the
name `django_admin_log` would resolve through the search path to that public table, so nothing in
tenant context may touch `LogEntry`: the mixin replaces every admin path that reads or writes it,
and `guard_log_entry_cascades` keeps Django's delete collector from cascading a tenant user's
or content type's deletion into the public table.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from django_tenants.utils import get_public_schema_name

from .audit import Event, actor_or_none

SUBJECT = "admin"
ADD, CHANGE, DELETE = "add", "change", "delete"
_REPR_MAX = 200  # as LogEntry.object_repr


class AdminLogQuerySet(models.QuerySet[Any]):
    """Understands LogEntry's `user` in filter/exclude (the index's `get_admin_log` tag filters
    `user__pk`)."""

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> Self:
        kwargs = {
            ("actor" + key[4:] if key == "user" or key.startswith("user__") else key): v for key, v in kwargs.items()
        }
        return super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]


class AdminLogManager(models.Manager[Any]):
    def get_queryset(self) -> AdminLogQuerySet:
        return AdminLogQuerySet(self.model, using=self._db).filter(subject_type=SUBJECT)


class _ModelName:
    """What the index template reads of a LogEntry's content type: its name."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return self.name


class AdminLogEntry(Event):
    """One tenant admin action, shaped like `django.contrib.admin.models.LogEntry` for the
    admin's templates (`action_time`, `user`, `object_repr`, `is_addition`, `get_admin_url`,
    `get_change_message`, ...)."""

    objects: ClassVar[AdminLogManager] = AdminLogManager()

    class Meta:
        proxy = True
        ordering = ["-created_at", "-id"]
        verbose_name = _("catatan admin")
        verbose_name_plural = _("catatan admin")

    @property
    def action_time(self) -> Any:
        return self.created_at

    @property
    def user(self) -> Any:
        return self.actor

    @property
    def model_label(self) -> str:
        return str((self.data or {}).get("model", ""))

    @property
    def object_id(self) -> str:
        return str((self.data or {}).get("object_id", self.subject_id))

    @property
    def object_repr(self) -> str:
        return str((self.data or {}).get("repr", ""))

    @property
    def change_message(self) -> str:
        message = (self.data or {}).get("message", "")
        return message if isinstance(message, str) else json.dumps(message)

    def is_addition(self) -> bool:
        return self.action == ADD

    def is_change(self) -> bool:
        return self.action == CHANGE

    def is_deletion(self) -> bool:
        return self.action == DELETE

    def _model(self) -> type[models.Model] | None:
        from django.apps import apps

        try:
            return apps.get_model(self.model_label)
        except (LookupError, ValueError):
            return None

    @property
    def content_type(self) -> _ModelName | None:
        model = self._model()
        return None if model is None else _ModelName(str(model._meta.verbose_name))

    def get_admin_url(self) -> str | None:
        model = self._model()
        if model is None:
            return None
        try:
            return reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=(quote(self.object_id),)
            )
        except NoReverseMatch:
            return None

    def get_change_message(self) -> str:
        from django.contrib.admin.models import LogEntry

        # Django's own rendering of its JSON change messages; it reads only change_message.
        return str(LogEntry.get_change_message(self))  # type: ignore[arg-type]

    def __str__(self) -> str:
        from django.contrib.admin.models import LogEntry

        return str(LogEntry.__str__(self))


def _subject(obj: models.Model) -> tuple[int, dict[str, Any]]:
    """subject_id and the data that names the object (a non-integer pk goes into data)."""
    data: dict[str, Any] = {"model": obj._meta.label_lower}
    pk = obj.pk
    if isinstance(pk, int) and not isinstance(pk, bool):
        return pk, data
    data["object_id"] = str(pk)
    return 0, data


def record_admin_actions(user: Any, objects: Any, action: str, message: Any = "") -> list[AdminLogEntry]:
    """Write the admin log rows of `objects` in the caller's (the admin view's) transaction."""
    message = json.loads(json.dumps(message or "", cls=DjangoJSONEncoder))  # lazy texts to str
    actor = actor_or_none(user)
    rows = []
    for obj in objects:
        subject_id, data = _subject(obj)
        data.update(repr=str(obj)[:_REPR_MAX], message=message)
        rows.append(AdminLogEntry(subject_type=SUBJECT, subject_id=subject_id, action=action, actor=actor, data=data))
    return AdminLogEntry.objects.bulk_create(rows)


def history_of(model: type[models.Model], object_id: str) -> models.QuerySet[Any]:
    """One object's admin log, oldest first (the "History" page)."""
    label = model._meta.label_lower
    entries = AdminLogEntry.objects.filter(data__model=label)
    try:
        subject_id = int(object_id)
    except ValueError:
        entries = entries.filter(subject_id=0, data__object_id=object_id)
    else:
        entries = entries.filter(subject_id=subject_id)
    return entries.select_related("actor").order_by("created_at", "id")


class AdminLogMixin:
    """Every ModelAdmin of the tenant site (config.admin_site.KotaKitaAdminSite.lock): the
    change history in core_event instead of django_admin_log."""

    if TYPE_CHECKING:  # what the ModelAdmin this is mixed into provides
        model: type[models.Model]
        opts: Any
        admin_site: Any
        object_history_template: Any

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> AdminLogEntry:
        return record_admin_actions(request.user, [obj], ADD, message)[0]

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> AdminLogEntry:
        return record_admin_actions(request.user, [obj], CHANGE, message)[0]

    def log_deletion(self, request: HttpRequest, obj: models.Model, object_repr: str) -> AdminLogEntry:
        return record_admin_actions(request.user, [obj], DELETE)[0]

    def log_deletions(self, request: HttpRequest, queryset: Any) -> list[AdminLogEntry]:
        return record_admin_actions(request.user, queryset, DELETE)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's ModelAdmin.history_view, reading core_event instead of LogEntry."""
        from django.contrib.admin.views.main import PAGE_VAR

        admin: Any = self
        obj = admin.get_object(request, unquote(object_id))
        if obj is None:
            return admin._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not admin.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        action_list = history_of(self.model, unquote(object_id))
        paginator = admin.get_paginator(request, action_list, 100)
        page_obj = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _g("Change history: %s") % obj,
            "subtitle": None,
            "action_list": page_obj,
            "page_range": paginator.get_elided_page_range(page_obj.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.count > 100,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": admin.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        app_label, model_name = self.opts.app_label, self.opts.model_name
        return TemplateResponse(
            request,
            self.object_history_template
            or [
                f"admin/{app_label}/{model_name}/object_history.html",
                f"admin/{app_label}/object_history.html",
                "admin/object_history.html",
            ],
            context,
        )


def _public_only(on_delete: Any) -> Any:
    """`on_delete` in the public schema; nothing (and no query) in a tenant schema, where
    `django_admin_log` would be the public table reached through the search path."""

    def guarded(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
        if getattr(connections[using], "schema_name", None) == get_public_schema_name():
            on_delete(collector, field, sub_objs, using)

    guarded.lazy_sub_objs = True  # type: ignore[attr-defined]  # never evaluate sub_objs in a tenant
    guarded.public_only = True  # type: ignore[attr-defined]
    return guarded


def guard_log_entry_cascades() -> None:
    """LogEntry's user (CASCADE) and content type (SET_NULL) foreign keys act in public only: a
    tenant user or content type with the same id as a public one must not delete or change the
    platform admin's log rows. Runtime behaviour only: the fields still deconstruct with Django's
    own on_delete, so migrations see no change."""
    from django.contrib.admin.models import LogEntry

    for name in ("user", "content_type"):
        field: Any = LogEntry._meta.get_field(name)
        declared = field.remote_field.on_delete
        if getattr(declared, "public_only", False):
            continue
        field.remote_field.on_delete = _public_only(declared)
        field.deconstruct = _deconstructs_with(field.deconstruct, declared)


def _deconstructs_with(deconstruct: Any, on_delete: Any) -> Any:
    def as_declared() -> Any:
        name, path, args, kwargs = deconstruct()
        return name, path, args, {**kwargs, "on_delete": on_delete}

    return as_declared

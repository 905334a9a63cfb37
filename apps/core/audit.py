"""The one audit-event table of a tenant schema (`core_event`) and the per-app views of it.

Every app's audit trail (order, delivery, invoice, procurement, permit and loan events, and
the public timeline of a laporan warga, reports.ReportUpdate) is a row of `Event`: what it is
about (`subject_type` + `subject_id`, e.g. "permit" 17), what happened (`action`, from/to
status), who (`actor`, `actor_role`), when (`created_at`), why (`note`) and details (`data`).
One table instead of seven saves their tables, keys, TOAST tables and indexes in every
kelurahan schema (docs/design/schema-cost.md, step 3); one index (subject_type,
subject_id, created_at) serves every timeline.

Each app keeps its own class name (`PermitEvent`, `OrderEvent`, ...): a proxy of `Event` with
`SubjectEventMixin`, whose manager sees only its subject type, whose `record(permit=..., ...)`
maps the subject keyword to subject_type/subject_id and the app's old column names (`reason`,
`message`, `kind`, ...) to the shared ones, and whose queryset understands the same keywords in
`filter`/`exclude`/`get` (`PermitEvent.objects.filter(permit=p, reason=...)`). A subject's
timeline is `events_for(obj)`, or the subject model's `events` property (`SubjectEvents`: used
like a reverse manager, and `prefetch_related("events")` loads a whole list's in one query).

There is no foreign key to the subject: deleting a subject leaves its events (like an archive),
and nothing but the services write them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def actor_or_none(actor: Any) -> Any:
    """The user to store as actor: None for no user, an AnonymousUser or an unsaved user."""
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None
    return actor


def json_safe(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Event details as JSON: Decimal, dates, times and UUIDs as their text, nested dicts/lists kept."""

    def value(item: Any) -> Any:
        if isinstance(item, Decimal | dt.date | dt.time | uuid.UUID):
            return str(item)  # datetime is a date: ISO text with its offset
        if isinstance(item, Mapping):
            return {str(k): value(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [value(v) for v in item]
        if isinstance(item, models.Model):
            return item.pk
        return item

    return {str(k): value(v) for k, v in (data or {}).items()}


class Event(models.Model):
    """One audit event of any app: about which row, what, who, when, why. Written once by services."""

    subject_type = models.CharField(_("jenis"), max_length=16)
    subject_id = models.BigIntegerField(_("nomor objek"))
    action = models.CharField(_("tindakan"), max_length=40)
    from_status = models.CharField(_("dari status"), max_length=20, blank=True)
    to_status = models.CharField(_("ke status"), max_length=20, blank=True)
    # No index: users are deactivated, never deleted (so the PROTECT check never scans this
    # column) and no page lists events by who did them; docs/design/schema-cost.md, step 4.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
        db_index=False,
    )
    actor_role = models.CharField(_("sebagai"), max_length=32, blank=True)
    note = models.TextField(_("catatan"), blank=True)
    # An outside row this event may be written for only once per subject type (invoicing: the
    # paid bill; retried tasks and webhooks replay), enforced by core_event_ref_once.
    ref_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(_("rincian"), default=dict, blank=True)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        verbose_name = _("riwayat")
        verbose_name_plural = _("riwayat")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"], name="core_event_timeline")]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "ref_id"], condition=Q(ref_id__isnull=False), name="core_event_ref_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_id} {self.action}"


class SubjectEventQuerySet(models.QuerySet[Any]):
    """Understands the app's old keywords in filter/exclude/get (`permit=`, `reason=`, ...)."""

    def _filter_or_exclude(self, negate: bool, args: Any, kwargs: Any) -> Self:
        translate = getattr(self.model, "translate_lookups", None)
        if translate is not None and kwargs:
            kwargs = translate(kwargs)
        return super()._filter_or_exclude(negate, args, kwargs)  # type: ignore[misc]


class SubjectEventManager(models.Manager[Any]):
    def get_queryset(self) -> SubjectEventQuerySet:
        return SubjectEventQuerySet(self.model, using=self._db).filter(
            subject_type__in=list(self.model.SUBJECTS.values())
        )


_REGISTRY: dict[type[models.Model], type[SubjectEventMixin]] = {}


def _pk(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


class SubjectEventMixin:
    """The app side of `Event`: mix into a proxy (`class PermitEvent(SubjectEventMixin, Event)`).

    SUBJECTS maps the record/filter keyword to its subject type ({"permit": "permit"}); the first
    one given to `record` is the subject. ALIASES maps the app's old field names to Event's
    (`reason` -> `note`); DATA_FIELDS are old columns kept in `data` (`amount`).
    """

    SUBJECTS: ClassVar[dict[str, str]] = {}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {}  # keyword -> "app_label.Model" for events_for
    ALIASES: ClassVar[dict[str, str]] = {}
    DATA_FIELDS: ClassVar[tuple[str, ...]] = ()

    if TYPE_CHECKING:
        subject_type: str
        subject_id: int
        data: dict[str, Any]
        note: str
        action: str
        _default_manager: ClassVar[Any]

    @classmethod
    def register(cls, model: type[models.Model]) -> None:
        _REGISTRY[model] = cls

    @classmethod
    def subject_fields(cls, fields: dict[str, Any]) -> dict[str, Any]:
        """subject_type/subject_id (and data) from the subject keywords given to `record`."""
        for key, kind in cls.SUBJECTS.items():
            value = fields.pop(key, None)
            if value is None:
                value = fields.pop(f"{key}_id", None)
            if value is not None and "subject_type" not in fields:
                fields["subject_type"], fields["subject_id"] = kind, _pk(value)
        return fields

    @classmethod
    def record(cls, *, actor: Any = None, at: dt.datetime | None = None, **fields: Any) -> Self:
        """Write one event inside the caller's transaction (`at` defaults to now)."""
        if at is not None:
            fields["created_at"] = at
        data = dict(fields.pop("data", None) or {})
        for name in cls.DATA_FIELDS:
            if name in fields:
                value = fields.pop(name)
                if value not in (None, "", 0):
                    data[name] = value
        for old, new in cls.ALIASES.items():
            if old in fields:
                fields[new] = fields.pop(old)
        fields = cls.subject_fields(fields)
        fields["data"] = json_safe(data)
        return cls._default_manager.create(actor=actor_or_none(actor), **fields)

    @classmethod
    def translate_lookups(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in kwargs.items():
            head, sep, rest = key.partition("__")
            base = head[:-3] if head.endswith("_id") else head
            if base in cls.SUBJECTS:
                if rest not in ("", "in", "pk", "id", "pk__in", "id__in"):
                    raise TypeError(f"{cls.__name__}: filter on {key} is not supported, filter the subjects first")
                lookup = "subject_id__in" if rest.endswith("in") else "subject_id"
                out["subject_type"] = cls.SUBJECTS[base]
                out[lookup] = [_pk(v) for v in value] if isinstance(value, list | tuple | set) else _pk(value)
            elif head in cls.DATA_FIELDS:
                out[f"data__{key}"] = _pk(value)
            elif head in cls.ALIASES:
                out[cls.ALIASES[head] + sep + rest] = value
            else:
                out[key] = value
        return out

    ACTION_LABELS: ClassVar[Mapping[str, Any]] = {}
    ROLE_LABELS: ClassVar[Mapping[str, Any]] = {}

    def data_value(self, name: str, default: Any = None) -> Any:
        return (self.data or {}).get(name, default)

    def get_action_display(self) -> str:
        return str(self.ACTION_LABELS.get(self.action, self.action))

    def get_actor_role_display(self) -> str:
        role: str = getattr(self, "actor_role", "")
        return str(self.ROLE_LABELS.get(role, role))

    @property
    def reason(self) -> str:
        return self.note

    @property
    def message(self) -> str:
        return self.note

    @property
    def kind(self) -> str:
        return self.action


def events_for(obj: models.Model) -> Any:
    """The timeline (a queryset, oldest first) of one subject: a permit, an order, a loan, ..."""
    cls = _REGISTRY.get(type(obj)) or _REGISTRY.get(obj._meta.concrete_model)  # type: ignore[arg-type]
    if cls is None:
        raise LookupError(f"no audit events are recorded for {type(obj).__name__}")
    timeline = getattr(cls, "timeline", None)
    if timeline is not None:
        return timeline(obj)
    kind = next(kind for key, kind in cls.SUBJECTS.items() if cls.SUBJECT_MODELS.get(key) == obj._meta.label)
    return cls._default_manager.filter(subject_type=kind, subject_id=obj.pk)


class SubjectEvents:
    """What a subject's `events` property returns: like a reverse-FK manager (`.all()`,
    `.filter()`, `.select_related()`, iteration) and prefetchable like one:
    `prefetch_related("events", "events__actor", Prefetch("events", queryset))` loads the events
    of a whole list in one query (the `get_prefetch_querysets` protocol of Django's managers)."""

    def __init__(self, instance: models.Model, cache_name: str = "events") -> None:
        # cache_name: the subject's attribute name (what `prefetch_related` is given).
        self.instance = instance
        self.cache_name = cache_name

    def _kind(self) -> tuple[type[SubjectEventMixin], str]:
        obj = self.instance
        cls = _REGISTRY[obj._meta.concrete_model]  # type: ignore[index]
        kind = next(kind for key, kind in cls.SUBJECTS.items() if cls.SUBJECT_MODELS.get(key) == obj._meta.label)
        return cls, kind

    def get_queryset(self) -> Any:
        cache = getattr(self.instance, "_prefetched_objects_cache", {})
        if self.cache_name in cache:
            return cache[self.cache_name]
        return events_for(self.instance)

    def _apply_rel_filters(self, queryset: Any) -> Any:
        _cls, kind = self._kind()
        return queryset.filter(subject_type=kind, subject_id=self.instance.pk)

    def get_prefetch_querysets(self, instances: list[models.Model], querysets: Any = None) -> tuple[Any, ...]:
        cls, kind = self._kind()
        queryset = querysets[0] if querysets else cls._default_manager.all()
        queryset = queryset.filter(subject_type=kind, subject_id__in=[obj.pk for obj in instances])
        return (queryset, lambda event: event.subject_id, lambda obj: obj.pk, False, self.cache_name, False)

    def all(self) -> Any:
        return self.get_queryset()

    def __iter__(self) -> Any:
        return iter(self.get_queryset())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.get_queryset(), name)

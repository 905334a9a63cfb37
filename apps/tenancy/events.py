"""Hooks tenancy offers the apps above it: a tenant restore puts back their public rows, and a
tenant moved to another database node is announced (`on_moved`, see the end).

A tenant archive carries every public row that belongs to the tenant (`archives.PUBLIC_ROWS`).
Tenancy restores its own (the tenant, domains, demo marker); each app that owns other public
rows (analytics' daily facts, discovery's listings, billing's status events and invoices)
registers a restorer in its AppConfig.ready():

    from apps.tenancy import events as tenancy_events
    tenancy_events.on_restore(self.label, restore_public_rows)

The restorers run inside the restore's transaction, in registration order (INSTALLED_APPS
order). A restore refuses to start when an app with rows in the archive has no restorer.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import serializers

from . import archives
from .models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Restoring:
    opened: archives.OpenedArchive
    tenant: Tenant  # the restored tenant row (already saved)
    renamed: bool  # restored `--as` another region code
    old_host: str
    new_host: str
    code_of: Callable[[str], str]  # a region code of the archive -> the restored one

    def objects(self, label: str) -> list[Any]:
        """The archived rows of `label` ("billing.invoice"), deserialized, not saved."""
        return [item.object for item in serializers.deserialize("json", self.opened.public_json(label))]


Restorer = Callable[[Restoring], None]

# Apps whose archived public rows tenancy restores itself: its own, and apps.integrations' (an app
# of the lowest layer, which cannot import tenancy to register a restorer).
RESTORED_BY_TENANCY = frozenset({"tenancy", "integrations"})

_restorers: dict[str, Restorer] = {}


def on_restore(app_label: str, restorer: Restorer) -> None:
    current = _restorers.get(app_label)
    if current is not None and current is not restorer:
        raise ValueError(f"app {app_label!r} already registered a tenant restorer: {current!r}")
    _restorers[app_label] = restorer


def restorers() -> list[Restorer]:
    return list(_restorers.values())


def missing_restorers() -> set[str]:
    """Apps with public rows in an archive (other than tenancy) that registered no restorer."""
    owners = {label.split(".")[0] for label, _lookup in archives.PUBLIC_ROWS}
    return owners - RESTORED_BY_TENANCY - set(_restorers)


# --- a tenant about to be removed (apps.tenancy.services.remove_tenant) -----------------------
#
# Apps whose rows in *other* tenants depend on the tenant being removed (a kota's levy bills
# have payer copies in its kelurahan) withdraw them first. `removing(tenant)` hooks run once the
# tenant is "archiving" (its own writes answer 423) and before the removal's transaction, each
# in its own transactions: what they change in other schemas commits there, with its after-commit
# work published in the right schema. A hook that raises stops the removal (nothing is dropped).
# Should the removal then fail or be interrupted, `abandoned(tenant)` hooks undo what they can.

TenantHook = Callable[[Tenant], None]

_removing: dict[str, TenantHook] = {}
_abandoned: dict[str, TenantHook] = {}


def on_removing(app_label: str, removing: TenantHook, abandoned: TenantHook) -> None:
    current = _removing.get(app_label)
    if current is not None and current is not removing:
        raise ValueError(f"app {app_label!r} already registered a removal hook: {current!r}")
    _removing[app_label] = removing
    _abandoned[app_label] = abandoned


def removing(tenant: Tenant) -> None:
    for hook in list(_removing.values()):
        hook(tenant)


def removal_abandoned(tenant: Tenant) -> None:
    """Every hook runs even if one fails (each is logged): the tenant stays in service."""
    for label, hook in list(_abandoned.items()):
        try:
            hook(tenant)
        except Exception:
            logger.exception("tenant %s: %s could not undo its removal hook", tenant.schema_name, label)


# --- a tenant moved to another database node (apps.tenancy.placement) --------------------------


@dataclass(frozen=True)
class TenantMoved:
    """The audit event of a finished move: the job row (`TenantOperationJob`, kind "move") keeps
    who and when; this is what listeners get (e.g. a cache keyed by node, a metrics label)."""

    tenant: Tenant
    source: str  # "host:port"
    target: str
    size_bytes: int
    actor_id: int | None
    job_id: int


MovedListener = Callable[[TenantMoved], None]

_moved_listeners: dict[str, MovedListener] = {}


def on_moved(app_label: str, listener: MovedListener) -> None:
    """Register `listener` (in AppConfig.ready()); it runs after the move has committed and must
    not raise (a failing listener is logged, the move stands)."""
    current = _moved_listeners.get(app_label)
    if current is not None and current is not listener:
        raise ValueError(f"app {app_label!r} already registered a tenant-moved listener: {current!r}")
    _moved_listeners[app_label] = listener


def moved(event: TenantMoved) -> None:
    for label, listener in list(_moved_listeners.items()):
        try:
            listener(event)
        except Exception:
            logger.exception("tenant-moved listener of %s failed for %s", label, event.tenant.schema_name)

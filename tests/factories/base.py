"""The base of every factory here: objects are made through the app's own services (never a bare
`Model.objects.create` where the service keeps an invariant: ledger accounts, stock, audit rows),
inside whatever tenant schema is active (`with tenant_a:`), and rolled back with the test."""

from __future__ import annotations

import uuid
from typing import Any

import factory


def unique_key(prefix: str = "f") -> str:
    """A fresh idempotency key."""
    return f"{prefix}-{uuid.uuid4().hex}"


class ServiceFactory(factory.Factory):
    """`create()` calls `_service(**attributes)`; `build()` is not offered (an unsaved object
    would skip the invariants the service keeps)."""

    class Meta:
        abstract = True
        strategy = factory.CREATE_STRATEGY

    @classmethod
    def _service(cls, **kwargs: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def _create(cls, model_class: type[Any], *args: Any, **kwargs: Any) -> Any:
        return cls._service(**kwargs)

    @classmethod
    def _build(cls, model_class: type[Any], *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} only creates (through the service); use create()")

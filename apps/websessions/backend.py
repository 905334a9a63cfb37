"""SESSION_ENGINE: Django's database session store on `WebSession`, narrowed to the schema of
the current connection (django-tenants' `connection.schema_name`).

A session row carries the schema it was written in. Loading, updating and deleting match the
key AND the current schema, so a session cookie of tenant A presented on tenant B's host finds
nothing: B sees an anonymous session (a new key on its next write), and neither a sign-out nor
any write on B touches A's row. `exists` (is a new random key free?) and `clear_expired` (the
purge of every tenant's expired sessions at once, `manage.py clearsessions` and the repair beat
of apps.jobs) look at the whole table on purpose.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import UpdateError
from django.core.exceptions import SuspiciousOperation
from django.utils import timezone

from apps.schema_keyed import current_schema

from .models import WebSession


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls) -> type[WebSession]:
        return WebSession

    def _get_session_from_db(self) -> Any:
        try:
            return WebSession.objects.get(
                session_key=self.session_key, schema_name=current_schema(), expire_date__gt=timezone.now()
            )
        except (WebSession.DoesNotExist, SuspiciousOperation) as e:
            if isinstance(e, SuspiciousOperation):
                logging.getLogger(f"django.security.{e.__class__.__name__}").warning(str(e))
            self._session_key = None
            return None

    async def _aget_session_from_db(self) -> Any:
        return await sync_to_async(self._get_session_from_db)()

    def create_model_instance(self, data: dict[str, Any]) -> WebSession:
        obj = cast(WebSession, super().create_model_instance(data))
        obj.schema_name = current_schema()
        return obj

    async def acreate_model_instance(self, data: dict[str, Any]) -> WebSession:
        obj = cast(WebSession, await super().acreate_model_instance(data))
        obj.schema_name = current_schema()
        return obj

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None or must_create:
            super().save(must_create=must_create)  # an INSERT (with the current schema)
            return
        # An update only of this schema's row (Django's save would update the key's row of any
        # schema and move it here). Nothing updated: the row is gone (signed out elsewhere,
        # expired and purged) or another tenant's; Django's middleware answers that as it does
        # for a session deleted by a concurrent request.
        data = self._get_session()  # type: ignore[attr-defined]  # SessionBase's, untyped in the stubs
        updated = WebSession.objects.filter(session_key=self.session_key, schema_name=current_schema()).update(
            session_data=self.encode(data), expire_date=self.get_expiry_date()
        )
        if not updated:
            raise UpdateError

    async def asave(self, must_create: bool = False) -> None:
        await sync_to_async(self.save)(must_create=must_create)

    def delete(self, session_key: str | None = None) -> None:
        key = self.session_key if session_key is None else session_key
        if key is None:
            return
        WebSession.objects.filter(session_key=key, schema_name=current_schema()).delete()

    async def adelete(self, session_key: str | None = None) -> None:
        await sync_to_async(self.delete)(session_key)

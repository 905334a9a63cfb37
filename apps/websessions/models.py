"""The one session table of all tenants (public schema)."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class WebSession(AbstractBaseSession):
    """A Django session (`session_key`, `session_data`, `expire_date`) and the schema of the
    tenant it was opened on ("public" for the platform site). Session keys are random and
    unique over the whole table; the store only ever reads a row of the current schema."""

    schema_name = models.CharField(max_length=63, db_index=True)  # a removed tenant's rows go

    @classmethod
    def get_session_store_class(cls) -> Any:
        from .backend import SessionStore

        return SessionStore

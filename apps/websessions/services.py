"""Writes to the session table that are not a request's own session (`backend.SessionStore`)."""

from __future__ import annotations

from .backend import SessionStore
from .models import WebSession


def forget_schema(schema_name: str) -> int:
    """Delete every session of the tenant in `schema_name` (its removal: the rows were dropped
    with its schema before they moved to public; transient, so never archived or restored)."""
    deleted, _ = WebSession.objects.filter(schema_name=schema_name).delete()
    return deleted


def clear_expired() -> None:
    """Delete the expired sessions of every tenant at once (what `manage.py clearsessions` does)."""
    SessionStore.clear_expired()

"""The cached facts behind the site menu (role names, unread count) of one user.

Cached so that every page costs no query for its menu once warm: a new notification shows in the
badge within CACHE_SECONDS; marking notifications read (the user's own action) shows at once.
"""

from __future__ import annotations

from django.core.cache import cache

CACHE_SECONDS = 60


def key(user_id: int) -> str:
    return f"notifications:menu:{user_id}"  # the cache prefixes every key with the schema


def forget(user_id: int) -> None:
    cache.delete(key(user_id))

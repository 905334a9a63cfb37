"""The cached facts behind the site menu (role names, unread count) of one user.

Cached so that every page costs no query for its menu once warm. `services.notify` (a new in-app
message, after commit) and `services.mark_read` forget a user's entry, so the badge is right at
the next page; CACHE_SECONDS bounds anything else (a role change).
"""

from __future__ import annotations

from django.core.cache import cache

CACHE_SECONDS = 60


def key(user_id: int) -> str:
    return f"notifications:menu:{user_id}"  # the cache prefixes every key with the schema


def forget(*user_ids: int) -> None:
    cache.delete_many([key(user_id) for user_id in user_ids])

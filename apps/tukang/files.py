"""Job photos are private: seen by the requester, the tukang concerned and kelurahan staff."""

from __future__ import annotations

from typing import Any

from apps.core.files import register_private

from . import selectors
from .models import Job


def can_view_photo(user: Any, job: Job) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and selectors.may_view(job, user)


register_private(Job, "photo", can_view_photo, filename_stem="foto-pekerjaan")
register_private(Job, "photo_2", can_view_photo, filename_stem="foto-pekerjaan")

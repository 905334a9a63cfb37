"""Deploy checks of tenant backups (ids kotakita.E800–E899 / W800–W899)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_backup_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    backups = Path(settings.TENANT_BACKUP_DIR).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    static = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    for root in (media, static):
        if root is not None and (backups == root or root in backups.parents):
            messages.append(
                Error(
                    f"TENANT_BACKUP_DIR ({backups}) lies inside {root}: tenant backups hold personal data "
                    "and must never be web-served.",
                    hint="Point TENANT_BACKUP_DIR at a folder outside MEDIA_ROOT and STATIC_ROOT.",
                    id="kotakita.E800",
                )
            )
    if settings.TENANT_BACKUP_KEEP_DAYS < 1:
        messages.append(
            Error(
                f"TENANT_BACKUP_KEEP_DAYS={settings.TENANT_BACKUP_KEEP_DAYS}: keep backups at least one day "
                "(backup_tenants would refuse to run).",
                id="kotakita.E801",
            )
        )
    return messages

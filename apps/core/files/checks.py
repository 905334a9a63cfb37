"""Deploy checks of the file storage (ids kotakita.E200-E299 / W200-W299)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .serving import ACCEL_MODES

STORAGE_KINDS = ("local", "s3")


@register(Tags.security)
def check_file_accel(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An unknown accel mode would silently stream or, worse, send headers nobody resolves."""
    mode = str(getattr(settings, "KOTAKITA_FILE_ACCEL", "") or "").strip().lower()
    errors: list[CheckMessage] = []
    if mode not in ACCEL_MODES:
        errors.append(
            Error(
                f"KOTAKITA_FILE_ACCEL={mode!r} is not one of '', 'nginx', 'sendfile'.",
                hint="Leave it empty to let Django stream files, or set it to the fronting server you run.",
                id="kotakita.E201",
            )
        )
    if mode == "nginx" and not str(getattr(settings, "KOTAKITA_FILE_ACCEL_PREFIX", "")).startswith("/"):
        errors.append(
            Error(
                "KOTAKITA_FILE_ACCEL_PREFIX must be an absolute internal location such as /_berkas/.",
                id="kotakita.E202",
            )
        )
    kind = str(getattr(settings, "KOTAKITA_STORAGE", "local"))
    if kind not in STORAGE_KINDS:
        errors.append(Error(f"KOTAKITA_STORAGE={kind!r} is not 'local' or 's3'.", id="kotakita.E203"))
    return errors


@register(Tags.security, deploy=True)
def check_file_storage_deploy(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    kind = str(getattr(settings, "KOTAKITA_STORAGE", "local"))
    messages: list[CheckMessage] = []
    if kind == "s3":
        missing = [
            name
            for name in (
                "AWS_STORAGE_BUCKET_NAME_PUBLIC",
                "AWS_STORAGE_BUCKET_NAME_PRIVATE",
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
            )
            if not getattr(settings, name, None)
        ]
        if missing:
            messages.append(
                Error(
                    "KOTAKITA_STORAGE=s3 but " + ", ".join(missing) + " is not set.",
                    hint="Set the buckets and the credentials of the S3-compatible store (see README).",
                    id="kotakita.E200",
                )
            )
    elif kind == "local":
        messages.append(
            Warning(
                "Files are stored on local disk (KOTAKITA_STORAGE=local): MEDIA_ROOT must be a persistent, "
                "backed-up volume, and every file (private ones after a permission check) is sent by Django "
                "or, with KOTAKITA_FILE_ACCEL, by the fronting server from an internal-only location.",
                hint="Never publish MEDIA_ROOT as a static directory; or set KOTAKITA_STORAGE=s3.",
                id="kotakita.W200",
            )
        )
    archives = Path(settings.TENANT_ARCHIVE_DIR).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    static = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    for root in (media, static):
        if root is not None and (archives == root or root in archives.parents):
            messages.append(
                Error(
                    f"TENANT_ARCHIVE_DIR ({archives}) lies inside {root}: tenant dumps must never be web-served.",
                    id="kotakita.E204",
                )
            )
    return messages

"""Deploy checks of the file storage (kotakita.E200-E204, W200)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apps.core.files.checks import check_file_accel, check_file_storage_deploy


def ids(messages: list[Any]) -> set[str]:
    return {message.id for message in messages}


def test_s3_without_bucket_or_credentials_is_an_error(settings: Any) -> None:
    settings.KOTAKITA_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME_PUBLIC = "kk-public"
    settings.AWS_STORAGE_BUCKET_NAME_PRIVATE = ""
    settings.AWS_ACCESS_KEY_ID = "key"
    settings.AWS_SECRET_ACCESS_KEY = None
    messages = check_file_storage_deploy()
    assert "kotakita.E200" in ids(messages)
    text = next(m.msg for m in messages if m.id == "kotakita.E200")
    assert "AWS_STORAGE_BUCKET_NAME_PRIVATE" in text and "AWS_SECRET_ACCESS_KEY" in text
    settings.AWS_STORAGE_BUCKET_NAME_PRIVATE = "kk-private"
    settings.AWS_SECRET_ACCESS_KEY = "secret"
    assert "kotakita.E200" not in ids(check_file_storage_deploy())


def test_local_storage_in_production_warns(settings: Any) -> None:
    settings.KOTAKITA_STORAGE = "local"
    messages = check_file_storage_deploy()
    assert "kotakita.W200" in ids(messages)
    assert "persistent" in next(m.msg for m in messages if m.id == "kotakita.W200")
    settings.KOTAKITA_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME_PUBLIC = settings.AWS_STORAGE_BUCKET_NAME_PRIVATE = "kk"
    settings.AWS_ACCESS_KEY_ID = settings.AWS_SECRET_ACCESS_KEY = "x"
    assert "kotakita.W200" not in ids(check_file_storage_deploy())


def test_unknown_accel_mode_is_an_error(settings: Any) -> None:
    for good in ("", "nginx", "sendfile"):
        settings.KOTAKITA_FILE_ACCEL = good
        assert "kotakita.E201" not in ids(check_file_accel())
    settings.KOTAKITA_FILE_ACCEL = "apache"
    assert "kotakita.E201" in ids(check_file_accel())


def test_nginx_prefix_must_be_absolute(settings: Any) -> None:
    settings.KOTAKITA_FILE_ACCEL = "nginx"
    settings.KOTAKITA_FILE_ACCEL_PREFIX = "_berkas/"
    assert "kotakita.E202" in ids(check_file_accel())
    settings.KOTAKITA_FILE_ACCEL_PREFIX = "/_berkas/"
    assert "kotakita.E202" not in ids(check_file_accel())


def test_unknown_storage_kind_is_an_error(settings: Any) -> None:
    settings.KOTAKITA_STORAGE = "ftp"
    assert "kotakita.E203" in ids(check_file_accel())


def test_archives_inside_media_root_is_an_error(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.TENANT_ARCHIVE_DIR = tmp_path / "media" / "archives"
    assert "kotakita.E204" in ids(check_file_storage_deploy())
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    assert "kotakita.E204" not in ids(check_file_storage_deploy())

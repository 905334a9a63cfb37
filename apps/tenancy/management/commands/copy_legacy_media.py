"""manage.py copy_legacy_media [--delete]: copy files written before the public/private storages
(MEDIA_ROOT/<schema>/<name>, the old django-tenants layout) into the storage their field now
names (local MEDIA_ROOT/public|private/<schema>/ or the S3 buckets). Idempotent: a file already
in its storage is skipped. With --delete the old copy is removed once the new one is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandParser
from django.db import models

from apps.core.db import connection


class Command(BaseCommand):
    help = "Copy files of the old MEDIA_ROOT/<schema>/ layout into the public/private storages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--delete", action="store_true", help="remove each old file once copied")

    def handle(self, *args: Any, **options: Any) -> None:
        from apps.tenancy.models import Tenant

        copied = 0
        for tenant in Tenant.objects.exclude(schema_name="public").order_by("schema_name"):
            with tenant:
                copied += self._copy_tenant(Path(settings.MEDIA_ROOT) / tenant.schema_name, options["delete"])
        connection.set_schema_to_public()
        self.stdout.write(f"{copied} file(s) copied")

    def _copy_tenant(self, legacy_root: Path, delete: bool) -> int:
        if not legacy_root.is_dir():
            return 0
        copied = 0
        for model in apps.get_models():
            if model._meta.app_label not in _tenant_apps():
                continue
            for field in model._meta.get_fields():
                if not isinstance(field, models.FileField):
                    continue
                names = model._default_manager.exclude(**{field.name: ""}).values_list("pk", field.name)
                for pk, name in names:
                    old = legacy_root / str(name)
                    if not old.is_file() or legacy_root.resolve() not in old.resolve().parents:
                        continue
                    if not field.storage.exists(name):
                        with old.open("rb") as handle:
                            saved = field.storage.save(name, File(handle, name=Path(name).name))
                        if saved != name:
                            model._default_manager.filter(pk=pk).update(**{field.name: saved})
                        copied += 1
                        self.stdout.write(f"{connection.schema_name}: {name}")
                    if delete:
                        old.unlink()
        return copied


def _tenant_apps() -> set[str]:
    labels = set()
    for dotted in settings.TENANT_TYPES["kelurahan"]["APPS"]:
        try:
            labels.add(apps.get_app_config(dotted.rsplit(".", 1)[-1]).label)
        except LookupError:
            continue
    return labels

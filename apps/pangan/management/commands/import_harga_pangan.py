"""manage.py import_harga_pangan <file.csv> --area Bandung: load a harga-pangan series."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.errors import DomainError
from apps.pangan import services


class Command(BaseCommand):
    help = "Import a harga-pangan CSV (Timestamp, Komoditas, Satuan, Harga) as reference food prices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--area", required=True, help="Market area the prices are from, e.g. Bandung")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            result = services.import_csv(path.read_text(encoding="utf-8-sig"), area=options["area"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"read {result.read}, written {result.written}, skipped {result.skipped}")

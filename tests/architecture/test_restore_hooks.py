"""A tenant restore puts back the public rows of the apps above tenancy through the restorers
they register (apps.tenancy.events); a missing one stops the restore before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.analytics.tenant_restore import restore_public_rows as analytics_rows
from apps.billing.tenant_restore import restore_public_rows as billing_rows
from apps.discovery.tenant_restore import restore_public_rows as discovery_rows
from apps.levies.lifecycle import kota_restored as levies_copies
from apps.sandbox.tenant_restore import restore_public_rows as sandbox_rows
from apps.tenancy import events, restore


def test_every_app_with_public_rows_in_an_archive_registered_its_restorer() -> None:
    assert events.missing_restorers() == set()
    # apps.levies owns no public rows: its hook reopens a restored kota's payer copies.
    assert set(events.restorers()) == {analytics_rows, billing_rows, discovery_rows, sandbox_rows, levies_copies}


def test_a_missing_restorer_stops_the_restore_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    kept = {label: restorer for label, restorer in events._restorers.items() if label != "billing"}
    monkeypatch.setattr(events, "_restorers", kept)
    assert events.missing_restorers() == {"billing"}
    with pytest.raises(RuntimeError, match="billing"):
        restore.restore_archive(tmp_path / "never-read.tar")


def test_an_app_registers_one_restorer() -> None:
    with pytest.raises(ValueError, match="already registered"):
        events.on_restore("billing", analytics_rows)

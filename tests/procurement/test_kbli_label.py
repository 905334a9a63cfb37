"""An item's KBLI is shown with its name on procurement pages, never as a bare code."""

from __future__ import annotations

import pytest

from apps.procurement.templatetags.procurement_tags import kbli


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("56", "56 — Penyediaan makanan dan minuman"),
        ("56210", "56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)"),
        ("", "—"),
        (None, "—"),
        ("99999", "99999"),  # valid shape, unknown to the catalogue: the code as given
    ],
)
def test_kbli_with_its_name(code: str | None, shown: str) -> None:
    assert kbli(code) == shown

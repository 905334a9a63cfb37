"""The kota map: colours by rank, a legend with the value ranges and units, hidden small cells."""

from __future__ import annotations

from typing import Any

from apps.analytics import dashboards
from apps.facts.labels import humanize_slug, kbli_sector


def _row(code: str, gmv: float | None, below_k: bool = False) -> dict[str, Any]:
    return {"name": f"Kel {code}", "code": code, "values": {"gmv": gmv}, "below_k": ["gmv"] if below_k else []}


def test_the_map_paints_by_rank_and_its_legend_lists_the_ranges_with_units() -> None:
    ind = dashboards.BY_KEY["gmv"]
    rows = [
        _row("35.77.03.1001", 1_000_000),
        _row("35.77.03.1002", 2_000_000),
        _row("35.77.03.1003", 3_000_000, below_k=True),
        _row("35.77.03.1004", None),
    ]
    out = dashboards.choropleth(rows, ind)
    colours = {f["properties"]["kode"]: f["properties"]["warna"] for f in out["features"]}
    assert colours["35.77.03.1001"] == dashboards.PALETTE[0]
    assert colours["35.77.03.1002"] == dashboards.PALETTE[-1]  # the higher, the darker
    assert colours["35.77.03.1003"] == dashboards.SUPPRESSED
    assert colours["35.77.03.1004"] == dashboards.NO_DATA
    labels = {f["properties"]["kode"]: f["properties"]["nilai"] for f in out["features"]}
    assert labels["35.77.03.1003"] == f"< {dashboards.K_ANONYMITY}"
    legend = [(item["colour"], item["text"]) for item in out["legend"]]
    assert legend[:2] == [(dashboards.PALETTE[0], "Rp1.000.000"), (dashboards.PALETTE[-1], "Rp2.000.000")]
    assert legend[2][0] == dashboards.SUPPRESSED and "disembunyikan" in legend[2][1]
    assert legend[3] == (dashboards.NO_DATA, "belum ada data")
    assert "3.000.000" not in str(out)  # the hidden figure appears nowhere on the map


def test_lower_is_better_indicators_paint_the_lowest_darkest() -> None:
    ind = dashboards.BY_KEY["par"]
    rows = [
        {"name": "A", "code": "35.77.03.1001", "values": {"par": 1.0}, "below_k": []},
        {"name": "B", "code": "35.77.03.1002", "values": {"par": 9.0}, "below_k": []},
    ]
    colours = {f["properties"]["kode"]: f["properties"]["warna"] for f in dashboards.choropleth(rows, ind)["features"]}
    assert colours == {"35.77.03.1001": dashboards.PALETTE[-1], "35.77.03.1002": dashboards.PALETTE[0]}


def test_codes_are_shown_as_names() -> None:
    assert kbli_sector("56") == "56 · Penyediaan makanan dan minuman"
    assert kbli_sector("99") == "KBLI 99"
    assert humanize_slug("jalan-rusak") == "Jalan rusak"

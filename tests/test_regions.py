import pytest

from apps.tenancy import regions
from apps.tenancy.models import Region


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("35.77.03.1001", "35.77.03.1001"), ("3577031001", "35.77.03.1001"), (" 35.77 ", "35.77"), ("3577", "35.77")],
)
def test_normalize_accepts_dotted_and_plain(raw: str, expected: str) -> None:
    assert regions.normalize(raw) == expected


@pytest.mark.parametrize("raw", ["", "35.7", "35.77.03.10011", "35-77", "abc", "35.77.3.1001", "357703100"])
def test_normalize_rejects_malformed(raw: str) -> None:
    with pytest.raises(regions.InvalidRegionCode):
        regions.normalize(raw)


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("35", regions.PROVINSI),
        ("35.77", regions.KOTA),
        ("35.19", regions.KABUPATEN),
        ("35.77.03", regions.KECAMATAN),
        ("35.77.03.1001", regions.KELURAHAN),
        ("35.19.01.2001", regions.DESA),
    ],
)
def test_kind_of(code: str, kind: str) -> None:
    assert regions.kind_of(code) == kind


def test_schema_names_are_deterministic_and_valid() -> None:
    assert regions.schema_name_for("35.77.03.1001") == "kel_3577031001"
    assert regions.schema_name_for("35.77") == "kota_3577"


@pytest.mark.django_db
def test_national_list_is_complete_with_centres() -> None:
    counts = {level: Region.objects.filter(level=level).count() for level in (1, 2, 3, 4)}
    assert counts == {1: 38, 2: 514, 3: 7285, 4: 83762}
    assert Region.objects.count() == 91599
    mojorejo = Region.objects.get(code="35.77.03.1001")
    assert mojorejo.name == "Mojorejo"
    assert mojorejo.parent_id == "35.77.03"
    assert float(mojorejo.lat) == pytest.approx(-7.637458)
    assert float(mojorejo.lng) == pytest.approx(111.534707)
    assert Region.objects.filter(level=4, lat__isnull=False).count() > 83000

"""Pure rules: NIK checks and masking, the KBLI list, upload sniffing (no database)."""

from __future__ import annotations

import csv
from datetime import date

import pytest

from apps.core import nik, uploads
from apps.permits import kbli, workflow

TODAY = date(2026, 11, 28)


def test_nik_encodes_region_birth_date_and_sex() -> None:
    info = nik.parse_nik("3577035208850001", today=TODAY)
    assert (info.province, info.regency, info.district) == ("35", "35.77", "35.77.03")
    assert info.birth_date == date(1985, 8, 12) and info.female and info.serial == "0001"
    man = nik.parse_nik("3577031208050002", today=TODAY)
    assert man.birth_date == date(2005, 8, 12) and not man.female
    assert nik.parse_nik("3577 0352 0885 0001", today=TODAY).serial == "0001"  # typed in groups
    assert nik.parse_nik("3577037108850001", today=TODAY).birth_date == date(1985, 8, 31)  # 71 - 40


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("357703520885000", "format"),  # 15 digits
        ("35770352088500012", "format"),  # 17 digits
        ("3577O35208850001", "format"),  # letter O
        ("", "empty"),  # its own code since the merge into apps.core.nik; same message in permits
        ("9977035208850001", "region"),  # no province 99
        ("2077035208850001", "region"),  # no province 20
        ("3500035208850001", "region"),  # kabupaten/kota 00
        ("3570035208850001", "region"),  # 70 is neither kabupaten (01-69) nor kota (71-99)
        ("3577005208850001", "region"),  # kecamatan 00
        ("3577033102850001", "birth_date"),  # 31 February
        ("3577033213850001", "birth_date"),  # month 13
        ("3577030001850001", "birth_date"),  # day 00
        ("3577033211270001", "birth_date"),  # 32 Nov 2027
        ("3577035208850000", "serial"),
    ],
)
def test_nik_rejects_implausible_numbers(raw: str, code: str) -> None:
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik(raw, today=TODAY)
    assert info.value.code == code
    assert raw[:6] not in str(info.value) or not raw  # the message never repeats the number


def test_nik_birth_dates_in_the_future_are_refused() -> None:
    # 27 (2027) <= 26? no: read as 1927, plausible; 01-12-26 is in the future on 28-11-2026.
    assert nik.parse_nik("3577030112270001", today=TODAY).birth_date == date(1927, 12, 1)
    with pytest.raises(nik.InvalidNumber, match="masa depan"):
        nik.parse_nik("3577030112260001", today=TODAY)


def test_nik_regency_must_be_known_when_a_list_is_given() -> None:
    assert nik.parse_nik("3577035208850001", today=TODAY, known_regencies={"35.77"}).regency == "35.77"
    with pytest.raises(nik.InvalidNumber) as info:
        nik.parse_nik("3598035208850001", today=TODAY, known_regencies={"35.77"})
    assert info.value.code == "region"


def test_masks() -> None:
    assert nik.mask("3577035208850001") == "3577********0001"
    assert nik.mask("bogus") == "*" * 16
    assert nik.mask_name("Sri Rahayu") == "S** R*****"
    assert nik.mask_name("  Joko  ") == "J***"


def test_kbli_list_is_well_formed_and_documented() -> None:
    entries = kbli.catalogue()
    assert len(entries) >= 150
    with kbli.DATA_FILE.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(entries)  # no duplicates
    for code, entry in entries.items():
        assert len(code) == 5 and code.isdigit() and entry.title and entry.section.isalpha()
        assert entry.risk in kbli.RISK_LEVELS
    # what micro businesses of a kelurahan register most
    for code in ("56102", "56104", "10794", "10710", "10391", "10392", "47112", "47911", "14120", "96200", "13134"):
        assert code in entries, code
    assert (kbli.DATA_FILE.parent / "README.md").read_text().count("Source") == 1


def test_kbli_lookup_and_search() -> None:
    assert kbli.get("10794").title == "Industri Kerupuk, Keripik, Peyek dan Sejenisnya"
    with pytest.raises(kbli.InvalidKbli):
        kbli.get("1079")
    with pytest.raises(kbli.InvalidKbli):
        kbli.get("1079a")
    with pytest.raises(kbli.UnknownKbli):
        kbli.get("99999")
    assert [k.code for k in kbli.search("5610")][:2] == ["56101", "56102"]
    assert "10794" in {k.code for k in kbli.search("keripik")}
    assert {k.code for k in kbli.search("warung makan")} == {"56102"}


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", uploads.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", uploads.PNG),
        (b"%PDF-1.7\n", uploads.PDF),
        (b"GIF89a", None),
        (b"<html>", None),
        (b"PK\x03\x04", None),  # zip/docx
        (b"", None),
    ],
)
def test_sniffing_reads_magic_bytes(head: bytes, kind: uploads.FileKind | None) -> None:
    assert uploads.sniff(head) == kind


def test_workflow_table_is_consistent() -> None:
    for step in workflow.PERMIT.steps.values():
        assert step.target in workflow.STATUSES
        assert all(source in workflow.STATUSES for source in step.sources)
        for source in step.sources:
            assert workflow.actor_for(step, source) is not None
    assert set(workflow.DEFAULT_SLA_DAYS) == set(workflow.WAITING)
